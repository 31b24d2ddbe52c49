"""What the document page shows: a source document's text with the names of its entities highlighted
by type (as displaCy's entity view does) and every evidence sentence marked, with the relations it
states listed beside.

The graph keeps a document's path (``kg:path``, as given to ``kg build``) and the SHA-256 of its bytes
(``kg:contentHash``), not its text. The text is read again from that path (absolute, or relative to
the folder the server runs in, the build folder's parent, or a folder given with ``sources``) only if
the file there has the same hash, so the graph's offsets point at the same characters; the path comes
from the graph, never from the URL. Without the file, the page lists the evidence sentences the graph
holds. Highlights are the labels and aliases of the entities the document names, found in its text
(the graph does not keep each mention's offsets).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.ingest import ingest_file
from kg.ingest.readers import IngestError
from kg.ontology.namespaces import PROV, RDF, RDFS, SKOS
from kg.serve.entity import _iri, _labels, _local, doc_name, names_of_relations
from kg.serve.graph import Snapshot

__all__ = ["Span", "Statement", "DocumentPage", "document_page", "find_source", "segments"]


@dataclass
class Statement:
    subject: str
    subject_label: str
    predicate: str
    zh: str
    en: str
    object: str
    object_label: str
    start: int
    end: int
    sentence: str
    confidence: str
    extractor: str


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # "ev" (an evidence sentence or a post's phrase) or an entity type
    entity: str | None = None


@dataclass
class DocumentPage:
    iri: str
    name: str
    path: str
    sha256: str
    text: str | None  # the source text, if the file was found with the same hash
    problem: str | None  # why the text is not shown
    statements: list[Statement]
    spans: list[Span]
    entities: list[tuple[str, str, str]] = field(default_factory=list)  # (IRI, label, type)


def find_source(path: str, sha256: str, roots: tuple[Path, ...]) -> Path | None:
    """The file at ``path`` (absolute, or under one of ``roots``) whose bytes hash to ``sha256``."""
    p = Path(path)
    for cand in ([p] if p.is_absolute() else [r / p for r in roots]):
        try:
            if cand.is_file() and hashlib.sha256(cand.read_bytes()).hexdigest() == sha256:
                return cand
        except OSError:
            continue
    return None


@lru_cache(maxsize=64)
def _source_text(path: str, sha256: str, roots: tuple[Path, ...]) -> tuple[str | None, str | None]:
    found = find_source(path, sha256, roots)
    if found is None:
        return None, f"the source file {path} is not here with the same content (start kg serve in the folder " \
                     f"kg build ran in, or give --sources DIR)"
    try:
        return ingest_file(found).source_text, None
    except IngestError as e:
        return None, str(e)


def document_page(snap: Snapshot, iri: str, roots: tuple[Path, ...]) -> DocumentPage:
    """The records of the page of the source document ``iri`` (a ``kg:SourceFile``)."""
    node = _iri(iri)
    info = snap.select(f"SELECT ?p ?h WHERE {{ GRAPH {node} {{ {node} kg:path ?p . OPTIONAL {{ {node} kg:contentHash ?h }} }} }}")
    path = info[0][0].value if info else ""
    sha = info[0][1].value if info and info[0][1] is not None else ""
    text, problem = _source_text(path, sha, roots) if path and sha else (None, "the graph gives no path for it")
    rows = snap.select(f"""
        SELECT ?s ?p ?o ?text ?a ?b ?c ?x WHERE {{ GRAPH {node} {{
          ?st a <{RDF}Statement> ; <{RDF}subject> ?s ; <{RDF}predicate> ?p ; <{RDF}object> ?o ;
              kg:sentenceText ?text ; kg:startOffset ?a ; kg:endOffset ?b .
          OPTIONAL {{ ?st kg:confidence ?c }} OPTIONAL {{ ?st kg:extractor ?x }} }} }}""")
    posts = snap.select(f"""
        SELECT ?a ?b WHERE {{ GRAPH {node} {{ ?m <{PROV}qualifiedDerivation> ?d .
          ?d kg:startOffset ?a ; kg:endOffset ?b }} }}""")
    ents = snap.select(f"""
        SELECT ?e ?n WHERE {{ GRAPH {node} {{ ?e <{PROV}wasDerivedFrom> {node} ;
          <{RDFS}label>|<{SKOS}altLabel> ?n }} }}""")
    names = _labels(snap, {r[0].value for r in rows} | {r[2].value for r in rows} | {r[0].value for r in ents})
    rel = names_of_relations()
    found: dict[tuple, Statement] = {}  # one line per fact and sentence, with the best confidence of its readings
    for s, p, o, t, a, b, c, x in rows:
        pred = _local(p.value) or p.value
        key = (s.value, pred, o.value, int(a.value), int(b.value))
        conf, extractor = c.value if c else "", x.value if x else ""
        st = found.get(key)
        if st is None:
            found[key] = Statement(s.value, names.get(s.value, (s.value,))[0], pred, rel.get(pred, {}).get("zh", pred),
                                   rel.get(pred, {}).get("en", pred), o.value, names.get(o.value, (o.value,))[0],
                                   int(a.value), int(b.value), t.value, conf, extractor)
        else:
            if conf and (not st.confidence or float(conf) > float(st.confidence)):
                st.confidence = conf
            st.extractor = ", ".join(sorted({*st.extractor.split(", "), extractor} - {""}))
    statements = sorted(found.values(), key=lambda st: (st.start, st.predicate, st.subject_label, st.object_label))
    spans = {Span(st.start, st.end, "ev") for st in statements} | {Span(int(a.value), int(b.value), "ev") for a, b in posts}
    if text is not None:
        forms: dict[str, tuple[str, str]] = {}
        for e, n in ents:
            label, etype, _ = names.get(e.value, (e.value, None, None))
            if len(n.value) > 1 and etype:
                forms.setdefault(n.value, (e.value, etype))
        spans |= _find_names(text, forms)
    entities = sorted({(e.value, *names.get(e.value, (e.value, None))[:2]) for e, _ in ents},
                      key=lambda x: (x[2] or "", x[1]))
    return DocumentPage(iri, doc_name(snap, iri), path, sha, text, problem, statements, sorted(spans, key=lambda s: (s.start, -s.end)),
                        [(i, l, t or "") for i, l, t in entities])


def _find_names(text: str, forms: dict[str, tuple[str, str]]) -> set[Span]:
    """Every place a name stands in ``text``, longest names first, none overlapping another."""
    taken = bytearray(len(text))
    out = set()
    for name in sorted(forms, key=lambda n: (-len(n), n)):
        i = text.find(name)
        while i >= 0:
            j = i + len(name)
            if not any(taken[i:j]):
                taken[i:j] = b"\x01" * (j - i)
                out.add(Span(i, j, forms[name][1], forms[name][0]))
            i = text.find(name, j)
    return out


def segments(text: str, spans: list[Span]) -> list[dict]:
    """The text cut into pieces for the template: ``{"text"}`` runs, ``{"text", "entity", "type"}`` names
    and ``{"mark": (start, end), "parts": [...]}`` evidence marks (a sentence, and inside it a post's
    phrase), each mark the target of the links to its offsets. Marks that overlap without one holding
    the other get ``{"anchor": (start, end)}`` where the mark they start in begins; a name that
    crosses a mark's edge is not highlighted."""
    evs = sorted({(s.start, s.end) for s in spans if s.kind == "ev" and 0 <= s.start < s.end <= len(text)},
                 key=lambda x: (x[0], -x[1]))
    outer, inner, loose, end = [], {}, [], -1
    for a, b in evs:
        if a >= end:
            outer.append((a, b))
            inner[(a, b)] = []
            end = b
        elif b <= end:  # inside the last outer mark
            kids = inner[outer[-1]]
            if not kids or a >= kids[-1][1]:
                kids.append((a, b))
            else:
                loose.append((a, b, outer[-1]))
        else:
            loose.append((a, b, outer[-1]))
    names = sorted((s for s in spans if s.kind != "ev" and s.end <= len(text)), key=lambda s: s.start)

    def plain(a: int, b: int) -> list[dict]:
        out, pos = [], a
        for n in names:
            if n.start < pos or n.end > b:
                continue
            if n.start > pos:
                out.append({"text": text[pos:n.start]})
            out.append({"text": text[n.start:n.end], "entity": n.entity, "type": n.kind})
            pos = n.end
        if pos < b:
            out.append({"text": text[pos:b]})
        return out

    def marked(a: int, b: int, marks: list[tuple[int, int]]) -> list[dict]:
        out, pos = [], a
        for m in marks:
            out.extend(plain(pos, m[0]))
            out.append({"mark": m, "parts": plain(*m)})
            pos = m[1]
        out.extend(plain(pos, b))
        return out

    anchors: dict[tuple[int, int], list[dict]] = {}
    for a, b, host in loose:
        anchors.setdefault(host, []).append({"anchor": (a, b)})
    out: list[dict] = []
    pos = 0
    for m in outer:
        out.extend(plain(pos, m[0]))
        out.extend(anchors.get(m, []))
        out.append({"mark": m, "parts": marked(m[0], m[1], inner[m])})
        pos = m[1]
    out.extend(plain(pos, len(text)))
    return out
