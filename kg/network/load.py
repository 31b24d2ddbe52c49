"""The knowledge graph as a networkx graph: entities as nodes, relations and posts as edges.

The view, the analytics and the exports all start here. It reads what ``kg build`` wrote
(``OUT/graph.trig``, with provenance; ``OUT/graph.ttl`` if there is no TriG, or first when provenance
is not needed: :func:`kg.rdf.graph_source`) or any rdflib graph, so it works on a build output
without the extraction pipeline.

Nodes are entity IRIs with plain attributes::

    label, type ("Association"), type_zh ("社会团体"), aliases [str], date, end_date,
    posts [{"title", "organization", "organization_iri"}], sources [doc id],
    evidence [{"doc", "sentence", "start", "end", "extractor", "confidence", "predicate", "relations"}]

A node's ``evidence`` holds each sentence once; its ``relations`` are every relation that sentence
states about the node, ``{"predicate", "other" (the node at the other end), "direction"}`` (``"out"``
when the node is the subject), in (predicate, other) order; ``predicate`` is the first of them.

Edges are keyed by predicate (``"hosted"``; a post is ``"memberOf"`` keyed ``"memberOf:会长"``)::

    predicate, label_zh ("主办"), label_en ("hosted"), confidence (highest), evidence [...]

>>> from kg.network.examples import example_graph
>>> from kg.rdf import ID
>>> G = load_network(example_graph())
>>> sorted(G.nodes[str(ID["person/王明"])].items())[:3]
[('aliases', []), ('date', None), ('end_date', None)]
>>> sorted((G.nodes[u]["label"], k, G.nodes[v]["label"]) for u, v, k in G.edges(keys=True))
[('王明', 'memberOf:会长', '中国某某协会'), ('王明', 'spokeAt', '质量论坛')]
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote

import networkx as nx
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDFS, SKOS

from kg.ontology import local_name, relation_labels, type_labels
from kg.ontology.vocab import KG
from kg.rdf import ID, ORG, graph_source, id_namespace_of
from kg.rdf.files import unreadable

__all__ = ["load_network"]

_KG = str(KG)
_SOURCE = str(ID["source/"])
_SKIP_TYPES = {"SourceFile"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_TYPE, _LABEL, _ALT, _DERIVED = str(RDF.type), str(RDFS.label), str(SKOS.altLabel), str(PROV.wasDerivedFrom)
_STATEMENT, _SUBJECT, _PREDICATE, _OBJECT = str(RDF.Statement), str(RDF.subject), str(RDF.predicate), str(RDF.object)
_DATE, _END_DATE, _CONFIDENCE, _SENTENCE = str(KG.date), str(KG.endDate), str(KG.confidence), str(KG.sentenceText)
_START, _END, _EXTRACTOR = str(KG.startOffset), str(KG.endOffset), str(KG.extractor)
_MEMBERSHIP, _MEMBER, _ROLE, _ORGANIZATION = str(ORG.Membership), str(ORG.member), str(ORG.role), str(ORG.organization)
_QUALIFIED, _ENTITY = str(PROV.qualifiedDerivation), str(PROV.entity)


class _Blank(str):
    """A blank node's id in an :class:`_Index` (IRIs are plain ``str``)."""


class _Lit(tuple):
    """A literal in an :class:`_Index`: ``(lexical form, language or None, datatype IRI or None)``."""

    __slots__ = ()

    def __new__(cls, value: str, lang: str | None, datatype: str | None):
        return tuple.__new__(cls, (value, lang, datatype))

    def __str__(self) -> str:
        return self[0]


_Index = dict  # subject -> predicate IRI -> {object: None} (an ordered set); terms as above


def _read(source, provenance: bool) -> tuple[_Index, str | None]:
    """The triples of ``source`` (the union of its named graphs, each triple once) as an index,
    and the namespace its IRIs were minted in (``BASE/id/``, None if it does not say).

    Files are parsed with pyoxigraph into plain dicts keyed by strings: a 10,000-entity TriG
    (400k triples) loads several times faster than through ``rdflib.Dataset``.
    """
    if isinstance(source, Graph):
        names = [str(g.identifier) for g in source.graphs()] if source.context_aware else []
        minted = next((n[:-len("graph/ontology")] for n in names if n.endswith("/id/graph/ontology")), None)
        return _index_rdflib(source), minted
    path = graph_source(source, provenance=provenance)  # GraphNotFoundError names what is missing
    return _index_file(path), id_namespace_of(path)


def _index_file(path: Path) -> _Index:
    import pyoxigraph as ox

    fmt = ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.TURTLE
    memo: dict = {}
    get = memo.get
    named, blank = ox.NamedNode, ox.BlankNode

    def term(t):
        if isinstance(t, named):
            r = t.value
        elif isinstance(t, blank):
            r = _Blank(t.value)
        else:
            dt = t.datatype.value
            r = _Lit(t.value, t.language, None if t.language or dt == _XSD_STRING else dt)
        memo[t] = r
        return r

    spo: _Index = {}
    with path.open("rb") as f:
        try:
            for q in ox.parse(f, format=fmt):
                s, p, o = q.subject, q.predicate, q.object
                s, p, o = get(s) or term(s), get(p) or term(p), get(o) or term(o)
                po = spo.get(s)
                if po is None:
                    po = spo[s] = {}
                objs = po.get(p)
                if objs is None:
                    objs = po[p] = {}
                objs[o] = None
        except SyntaxError as e:
            raise unreadable(path, e) from None
    return spo


def _index_rdflib(g: Graph) -> _Index:
    def term(t):
        if isinstance(t, URIRef):
            return str(t)
        if isinstance(t, Literal):
            dt = str(t.datatype) if t.datatype is not None else None
            return _Lit(str(t), t.language, None if t.language or dt == _XSD_STRING else dt)
        return _Blank(str(t))

    spo: _Index = {}
    # a Dataset's quads, not its triples: rdflib 7.6 warns on every Dataset.triples (default_context)
    triples = ((s, p, o) for s, p, o, _ in g.quads((None, None, None, None))) if g.context_aware else g
    for s, p, o in triples:
        spo.setdefault(term(s), {}).setdefault(term(p), {})[term(o)] = None
    return spo


def _doc_id(source, prefix: str = _SOURCE) -> str:
    """A document's id from its source IRI (``prefix`` is ``BASE/id/source/``)."""
    s = str(source)
    return unquote(s[len(prefix):]) if s.startswith(prefix) else s


def load_network(source, ontology: str | os.PathLike | None = None, *, provenance: bool = True) -> nx.MultiDiGraph:
    """A ``MultiDiGraph`` of the entities and the relations between them.

    ``source`` is a build folder, a ``.trig`` / ``.ttl`` file or an rdflib graph. Each relation
    is one edge however many documents state it; its ``evidence`` lists every statement of it.
    With ``provenance=False`` a build folder is read from its ``graph.ttl`` when there is one (the
    same entities and relations without their evidence and sources: a fraction of the triples).
    """
    spo, minted = _read(source, provenance)
    source_prefix = (minted or str(ID)) + "source/"

    def doc_id(iri) -> str:
        return _doc_id(iri, source_prefix)

    rel_names = relation_labels(ontology)
    type_names = type_labels(ontology)
    G = nx.MultiDiGraph()
    none: dict = {}

    def objects(s, p) -> dict:
        return spo.get(s, none).get(p, none)

    def value(s, p):
        return next(iter(spo.get(s, none).get(p, none)), None)

    def label(s) -> str | None:
        labels = objects(s, _LABEL)
        for o in labels:
            if isinstance(o, _Lit) and o[1] == "zh":
                return o[0]
        return str(next(iter(labels))) if labels else None

    def node(iri) -> str | None:
        return iri if type(iri) is str and iri in G else None

    typed = [(s, t) for s, po in spo.items() for t in po.get(_TYPE, ())]
    for s, cls in typed:
        if type(s) is not str or type(cls) is not str or not cls.startswith(_KG) or s.startswith(_KG):
            continue
        t = local_name(cls)
        if t in _SKIP_TYPES:
            continue
        G.add_node(s, iri=s, label=label(s) or local_name(s),
                   type=t, type_zh=type_names.get(t, {}).get("zh", t), aliases=[], date=None, end_date=None,
                   posts=[], sources=[], evidence=[])
    for n, attrs in G.nodes(data=True):
        attrs["aliases"] = sorted({str(a) for a in objects(n, _ALT)} - {attrs["label"]})
        d, e = value(n, _DATE), value(n, _END_DATE)
        attrs["date"] = str(d) if d is not None else None
        attrs["end_date"] = str(e) if e is not None else None
        attrs["sources"] = sorted({doc_id(o) for o in objects(n, _DERIVED)})

    # Relations: plain triples between entities, with evidence from their rdf:Statements.
    evidence: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for st in [s for s, t in typed if t == _STATEMENT]:
        s, p, o = value(st, _SUBJECT), value(st, _PREDICATE), value(st, _OBJECT)
        if s is None or p is None or o is None:
            continue
        conf = value(st, _CONFIDENCE)
        evidence[(str(s), local_name(p), str(o))].append({
            "doc": doc_id(value(st, _DERIVED) or ""),
            "sentence": str(value(st, _SENTENCE) or ""),
            "start": _int(value(st, _START)),
            "end": _int(value(st, _END)),
            "extractor": str(value(st, _EXTRACTOR) or ""),
            "confidence": _float(conf),
        })
    for s, po in spo.items():
        u = node(s)
        if u is None:
            continue
        for p, objs in po.items():
            if type(p) is not str or not p.startswith(_KG):
                continue
            key = local_name(p)
            if key not in rel_names:
                continue
            for o in objs:
                v = node(o)
                if v is None:
                    continue
                ev = sorted(evidence.get((u, key, v), []), key=_evidence_order)
                confs = [e["confidence"] for e in ev if e["confidence"] is not None]
                G.add_edge(u, v, key=key, predicate=key, label_zh=rel_names[key]["zh"],
                           label_en=rel_names[key]["en"], confidence=max(confs) if confs else None, evidence=ev)
                for end, other, direction in ((u, v, "out"), (v, u, "in")):
                    G.nodes[end]["evidence"].extend(
                        {**e, "predicate": key, "relations": [{"predicate": key, "other": other, "direction": direction}]}
                        for e in ev)

    # Posts: org:Membership nodes become a node attribute, and an edge when the body is known.
    for m in [s for s, t in typed if t == _MEMBERSHIP]:
        person = node(value(m, _MEMBER))
        if person is None:
            continue
        role = value(m, _ROLE)
        title = (label(role) or "") if role is not None else ""
        org = node(value(m, _ORGANIZATION))
        post = {"title": title, "organization": G.nodes[org]["label"] if org else None, "organization_iri": org}
        if post not in G.nodes[person]["posts"]:
            G.nodes[person]["posts"].append(post)
        if org:
            ev = [{"doc": doc_id(value(d, _ENTITY) or ""), "sentence": "", "start": _int(value(d, _START)),
                   "end": _int(value(d, _END)), "extractor": str(value(d, _EXTRACTOR) or ""),
                   "confidence": _float(value(d, _CONFIDENCE))} for d in objects(m, _QUALIFIED)]
            if not ev:
                # Older graphs put the offsets and extractors on the post itself, not tied to their
                # documents: take the first of each (the same whatever order the triples came in).
                start = min((int(str(x)) for x in objects(m, _START)), default=None)
                end = min((int(str(x)) for x in objects(m, _END)), default=None)
                extractor = min((str(x) for x in objects(m, _EXTRACTOR)), default="")
                ev = [{"doc": doc_id(d), "sentence": "", "start": start, "end": end, "extractor": extractor,
                       "confidence": None} for d in sorted(set(objects(m, _DERIVED)))]
            ev.sort(key=_evidence_order)
            G.add_edge(person, org, key=f"memberOf:{title}", predicate="memberOf", label_zh=title,
                       label_en=f"{rel_names['memberOf']['en']} ({title})", confidence=None, evidence=ev)
    for _, attrs in G.nodes(data=True):
        attrs["posts"].sort(key=lambda p: (p["title"], p["organization"] or ""))
        attrs["evidence"] = _dedupe(attrs["evidence"])
    return G


def _int(v) -> int | None:
    return int(str(v)) if v is not None else None


def _float(v) -> float | None:
    return float(str(v)) if v is not None else None


def _evidence_order(e: dict) -> tuple:
    """A total order of evidence items, so that the network does not depend on the order of the triples."""
    return (e["doc"], e["start"] or 0, e["extractor"], e["end"] or 0, e["sentence"], -(e["confidence"] or 0))


def _dedupe(items: list[dict]) -> list[dict]:
    """One item per (document, sentence), holding every relation the sentence states about the node."""
    first: dict[tuple, dict] = {}
    for e in sorted(items, key=lambda e: (e["doc"], e["start"] or 0, e["sentence"], e["predicate"], *_evidence_order(e))):
        k = (e["doc"], e["sentence"])
        if k not in first:
            first[k] = {**e, "relations": list(e["relations"])}
        else:
            first[k]["relations"].extend(r for r in e["relations"] if r not in first[k]["relations"])
    out = list(first.values())
    for e in out:
        e["relations"].sort(key=lambda r: (r["predicate"], r["other"], r["direction"]))
        e["predicate"] = e["relations"][0]["predicate"]
    return out


