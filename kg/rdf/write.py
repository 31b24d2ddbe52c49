"""Writing the graph files of a build a document at a time: ``graph.trig``, ``graph.ttl``.

:func:`build_dataset` and :func:`build_graph` hold the whole corpus in one rdflib graph; the writers
here stream the same triples (:func:`kg.rdf.graph.document_triples`) to the file as they are made, one
named graph at a time, so memory holds one document's graph, and the bytes are made by string
formatting, not by rdflib's serializer; the lines of the facts (:func:`kg.rdf.graph.fact_triples`) are
made from the records' strings without rdflib's terms (:func:`fact_lines`).

The output is deterministic: prefixes first, then the ontology's graph ``id:graph/ontology`` (read by
:func:`kg.rdf.files.id_namespace_of`), then one graph per document in the order of their IRIs, each
triple once, on its own line, the lines sorted. IRIs are written as prefixed names: those of the
well-known vocabularies, and the minted ones (``id:``, the characters Turtle reserves escaped) when
their local part can be one; the names of the graphs, and any other IRI, in full.

>>> from rdflib import Literal, URIRef
>>> term(URIRef("https://example.org/cnqkg/ontology#hosted")), term(Literal('他说"好"\\n', lang="zh"))
('kg:hosted', '"他说\\\\"好\\\\"\\\\n"@zh')
>>> ns = "https://example.org/cnqkg/id/"
>>> term(URIRef(ns + "source/a01.txt"), ns), term(URIRef(ns + "org/中国(某)协会“新”"), ns)
('id:source\\\\/a01.txt', '<https://example.org/cnqkg/id/org/中国(某)协会“新”>')
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import BinaryIO, Protocol

from rdflib import Literal, Namespace, URIRef
from rdflib.term import BNode

from kg.dates import iso_precision
from kg.errors import RunFailed
from kg.files import write_atomic
from kg.forked import Shared, Spread
from kg.ontology import axioms, load_ontology
from kg.ontology.namespaces import KG_NAMESPACE, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD
from kg.ontology.vocab import KG
from kg.rdf.graph import DATE_TYPES, DocumentIndex, Triple, document_key, document_triples, literal, membership_names
from kg.rdf.iris import entity_name, id_namespace, source_node
from kg.records import DocumentExtraction, Entity, Position, Relation
from kg.report import to_jsonl

__all__ = ["LINE_FORMAT", "term", "triple_line", "TrigWriter", "sorted_lines", "write_graphs", "DocumentGraphs", "KeptGraphs", "facts_bytes", "write_facts",
           "fact_lines",
           "write_graph_files"]

#: The first line of a file written here: a TriG comment telling readers that every line is one triple, a
#: graph's opening ``<IRI> {`` or its closing ``}`` (literals never hold a raw line break), so the
#: file can be cut between graphs (:func:`kg.store.load_store` loads a large one a part at a time).
LINE_FORMAT = "# kg-quality: one triple a line\n"

#: The prefixes written graphs declare and use (minted IRIs are written in full).
WRITE_PREFIXES = {"kg": KG_NAMESPACE, "org": ORG, "owl": OWL, "prov": PROV, "rdf": RDF, "rdfs": RDFS,
                  "skos": SKOS, "xsd": XSD}
_BY_LENGTH = sorted(((ns, p) for p, ns in WRITE_PREFIXES.items()), key=lambda kv: -len(kv[0]))
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_ESCAPE = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}
_XSD_STRING = XSD + "string"
_memo: dict[str, str] = {}
_literal_memo: dict[int, tuple[Literal, str]] = {}
_minted_memo: dict[tuple[str, str], str] = {}
_MEMO_MAX = 1 << 14  # a document's own repeats, and the commonest values across documents

# Turtle's PN_LOCAL: PN_CHARS (with PN_CHARS_U first, or a digit or ':'), '.' inside, and the
# characters of PN_LOCAL_ESC escaped with a backslash.
_PN_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
            "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_PN_CHARS = _PN_BASE + "_\\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLAIN_LOCAL = re.compile(f"[{_PN_BASE}_0-9:~!$&'()*+,;=/?#@%-]"
                          f"(?:[{_PN_CHARS}.:~!$&'()*+,;=/?#@%]*[{_PN_CHARS}:~!$&'()*+,;=/?#@%])?\\Z")
_LOCAL_ESCAPE = {ord(c): "\\" + c for c in "~!$&'()*+,;=/?#@%"}


def _minted(iri: str, ns: str) -> str:
    """A minted IRI as ``id:local`` (reserved characters escaped), or in full when its local part
    cannot be a prefixed name's (:func:`_minted_text`). Remembered for a while: a statement's IRI is
    the subject of all its triples, an entity's recurs in every statement about it (the memo is
    emptied when full)."""
    key = (iri, ns)
    known = _minted_memo.get(key)
    if known is not None:
        return known
    text = _minted_text(iri, ns)
    if len(_minted_memo) >= _MEMO_MAX:
        _minted_memo.clear()
    _minted_memo[key] = text
    return text


def _minted_text(iri: str, ns: str) -> str:
    """:func:`_minted`, not remembered."""
    local = iri[len(ns):]
    if local and _PLAIN_LOCAL.match(local):
        local = local.translate(_LOCAL_ESCAPE)
        if local[0] == "-":
            local = "\\" + local
        text = "id:" + local
    else:
        text = f"<{iri}>"
    return text


def _iri(iri: str) -> str:
    known = _memo.get(iri)
    if known is not None:
        return known
    for ns, prefix in _BY_LENGTH:
        if iri.startswith(ns) and _LOCAL.match(iri, len(ns)):
            text = f"{prefix}:{iri[len(ns):]}"
            break
    else:
        return f"<{iri}>"  # minted IRIs: many, each seen a few times, not memoised
    _memo[iri] = text
    return text


def _quoted(value: str) -> str:
    """A literal's lexical form in Turtle's double quotes, escaped (literals never hold a raw line break)."""
    return '"' + value.translate(_ESCAPE) + '"'


def term(t, ns: str | None = None) -> str:
    """A term in Turtle/TriG syntax: a prefixed name for a vocabulary IRI or (``id:``) for one minted
    under ``ns``, ``<…>`` otherwise, a literal quoted and escaped with its language or datatype."""
    cls = type(t)
    if cls is URIRef or (cls is not Literal and cls is not BNode and isinstance(t, URIRef)):
        iri = str(t)  # str's own methods: rdflib's URIRef wraps startswith, and hashes unlike str
        if ns is not None and iri.startswith(ns):
            return _minted(iri, ns)
        return _iri(iri)
    if cls is Literal or isinstance(t, Literal):
        known = _literal_memo.get(id(t))
        if known is not None and known[0] is t:
            return known[1]
        text = _quoted(str(t))
        if t.language:
            text = f"{text}@{t.language}"
        elif t.datatype is not None and str(t.datatype) != _XSD_STRING:
            text = f"{text}^^{_iri(str(t.datatype))}"
        if len(_literal_memo) >= _MEMO_MAX:
            _literal_memo.clear()
        _literal_memo[id(t)] = (t, text)  # the literal kept alive, so its id names it (kg.rdf.graph.literal reuses them)
        return text
    if isinstance(t, BNode):
        return f"_:{t}"
    return _iri(str(t))


def triple_line(t: Triple, ns: str | None = None) -> str:
    """One triple as a line of Turtle (``s p o .``), IRIs minted under ``ns`` as ``id:`` names."""
    s, p, o = t
    return f"{term(s, ns)} {term(p, ns)} {term(o, ns)} ."


def sorted_lines(triples: Iterable[Triple], ns: str | None = None) -> list[str]:
    """Each triple once as a line of Turtle (:func:`triple_line`), sorted: a graph's body as written here."""
    return sorted(_by_line(triples, ns))


def _by_line(triples: Iterable[Triple], ns: str | None) -> dict[str, Triple]:
    """Each triple by its line (:func:`triple_line`): equal lines, one triple."""
    return {triple_line(t, ns): t for t in triples}


def _prefix_lines(ns: Namespace) -> str:
    lines = [f"@prefix {p}: <{iri}> ." for p, iri in sorted({**WRITE_PREFIXES, "id": str(ns)}.items())]
    return "\n".join(lines) + "\n"


class TrigWriter:
    """Writes TriG to a binary file one named graph at a time (the graphs in the order given)."""

    def __init__(self, f: BinaryIO, ns: Namespace) -> None:
        self.f = f
        self.ns = str(ns)
        f.write((LINE_FORMAT + _prefix_lines(ns)).encode("utf-8"))

    def graph(self, name: URIRef, triples: Iterable[Triple]) -> list[str]:
        """Write the named graph ``name``; its lines, sorted (nothing is written for no triple)."""
        lines = sorted_lines(triples, self.ns)
        self.f.write(self.block(name, lines))
        return lines

    @staticmethod
    def block(name: URIRef | str, lines: list[str]) -> bytes:
        """The bytes :meth:`graph` writes for the graph ``name`` of these (sorted) lines."""
        if not lines:
            return b""
        body = "\n    ".join(lines)
        return f"\n<{name}> {{\n    {body}\n}}\n".encode("utf-8")

    def write(self, block: bytes) -> None:
        """Write a graph's bytes as :meth:`block` made them (kept from an earlier build)."""
        self.f.write(block)


class KeptGraphs(Protocol):
    """Where documents' graphs are kept between builds, by key (:class:`kg.rdf.kept.GraphCache`)."""

    def get(self, key: str) -> tuple[bytes, str, str | None] | None:
        """``(graph's bytes, their SHA-256, note)`` kept under ``key``, or None."""

    def put(self, key: str, graph: bytes, note: str | None = None) -> str:
        """Keep ``graph`` (bytes) and ``note`` under ``key``; the graph's SHA-256."""

    def stored(self, key: str, sha256: str) -> bytes:
        """The graph's bytes kept under ``key`` just now by a copy (:class:`DocumentGraphs`), whose SHA-256
        it said; not counted as found. Gone or other bytes: :class:`kg.errors.RunFailed`."""

    def held(self, key: str) -> bool:
        """Whether :meth:`get` would find a graph under ``key`` (cheaply: not read, not counted)."""

    def empty(self) -> bool:
        """Whether :meth:`get` finds nothing at all (a first build; ``--full``)."""


class DocumentGraphs:
    """The named graph of each document of ``records`` (the arguments are :func:`write_graphs`'), made
    or copied from ``graphs``: :attr:`named` lists them in the file's order (each graph's name and the
    index of its record), :meth:`make` gives one's bytes.

    :meth:`spread` has several processes make them (:class:`kg.forked.Spread`): this one, and forked
    copies of it that each make their share of the graphs and keep them in ``graphs`` (where a made
    graph is kept anyway); this process reads a copy's graph's bytes from there, in order. The SHACL
    validation of ``on_graph`` and ``on_kept``, and what ``on_made`` sees, happen where the graph is
    made; ``shared`` (:class:`kg.forked.Shared`: the validator, the page's digests), with ``graphs``,
    get what the copies did once every graph is taken."""

    def __init__(self, records: list[DocumentExtraction], index: DocumentIndex,
                 reread: Callable[[DocumentExtraction], DocumentExtraction | None], ns: Namespace,
                 on_graph: Callable[[list[Triple], str], str | None] | None = None,
                 graphs: KeptGraphs | None = None, on_kept: Callable[[str], bool] | None = None,
                 on_made: Callable[[str, list[Triple]], None] | None = None, shared: Sequence[Shared] = ()) -> None:
        self.records, self.index, self.reread, self.ns = records, index, reread, ns
        self.on_graph, self.graphs, self.on_kept, self.on_made, self.shared = on_graph, graphs, on_kept, on_made, shared
        self.named = sorted(((str(source_node(ns, r.doc_id)), i) for i, r in enumerate(records)))
        self._lines_ns = str(ns)
        self._keys: dict[int, str] = {}  # a record's key in graphs, where spread() made it first

    def _key(self, i: int) -> str:
        """The key in ``graphs`` of the graph of ``records[i]`` (:func:`kg.rdf.graph.document_key`)."""
        key = self._keys.pop(i, None)
        if key is None:
            rec = self.records[i]
            key = document_key(rec.doc_id, rec.path, rec.sha256, self.index, self.ns)
        return key

    def make(self, item: tuple[str, int]) -> tuple[bytes, str, str | None]:
        """The graph ``item`` of :attr:`named`: its bytes (a graph's block, :meth:`TrigWriter.block`),
        their SHA-256 and its key in ``graphs`` (None without)."""
        name, i = item
        rec, graphs, on_graph = self.records[i], self.graphs, self.on_graph
        key = self._key(i) if graphs is not None else None
        kept = graphs.get(key) if key is not None else None
        if kept is not None and (on_graph is None or (kept[2] is not None and self.on_kept is not None
                                                      and self.on_kept(kept[2]))):
            return kept[0], kept[1], key
        sentences = None
        if any(not ev.sentence for _, ev in self.index.statements.get(rec.doc_id, ())):
            full = self.reread(rec)
            if full is None:
                raise RunFailed(f"{rec.path}: its extraction is no longer in the cache; build again")
            sentences = {(r.start, r.end): r.sentence_text for r in (full.relations if full else [])}
        triples = list(document_triples(rec.doc_id, rec.path, rec.sha256, self.index, self.ns, sentences))
        by_line = _by_line(triples, self._lines_ns)
        lines = sorted(by_line)  # (sorted_lines, each line's triple kept)
        block = TrigWriter.block(name, lines)
        note = None
        if on_graph is not None:
            note = on_graph(triples, hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest())
        sha256 = graphs.put(key, block, note) if key is not None else hashlib.sha256(block).hexdigest()
        if self.on_made is not None:
            self.on_made(sha256, [by_line[line] for line in lines])
        return block, sha256, key

    def _made_in_copy(self, item: tuple[str, int]) -> tuple[str, str]:
        _, sha256, key = self.make(item)
        return key, sha256  # (the bytes are in graphs, under key)

    def _from_copy(self, answer: tuple[str, str]) -> tuple[bytes, str, str]:
        key, sha256 = answer
        return self.graphs.stored(key, sha256), sha256, key

    @contextmanager
    def spreading(self, processes: int) -> Iterator[Spread | None]:
        """:meth:`spread` for the block; the copies still running when it ends (an error) are ended."""
        spread = None
        try:
            spread = self.spread(processes)
            yield spread
        finally:
            if spread is not None:
                spread.cancel()

    def spread(self, processes: int) -> Spread | None:
        """Start making the graphs in ``processes`` processes, this one and forked copies (fewer when
        there are fewer than :data:`GRAPHS_PER_PROCESS` graphs to make a process); None (they are made
        here, by :meth:`make`) without ``graphs``, with fewer than two, or where no fork is safe
        (:meth:`kg.forked.Spread.start`).

        Where ``graphs`` holds graphs (an update), those to make are counted first: the graphs of
        unchanged documents are only copied, and a copy of the build is worth its memory (what it
        touches of the records and the resolution becomes its own: about 400 MB at 10,000 documents)
        only for graphs to make. The keys counted are kept for :meth:`make`."""
        processes = min(processes, len(self.named) // GRAPHS_PER_PROCESS)
        if self.graphs is None or processes < 2:
            return None
        if not self.graphs.empty():
            self._keys = {i: self._key(i) for _, i in self.named}
            to_make = sum(not self.graphs.held(key) for key in self._keys.values())
            processes = min(processes, to_make // GRAPHS_PER_PROCESS)
            if processes < 2:
                return None
        return Spread.start(self.named, self._made_in_copy, processes, (self.graphs, *self.shared), name="graphs",
                            here=self.make, take=self._from_copy)

    def blocks(self, spread: Spread | None = None) -> Iterator[tuple[tuple[str, int], bytes, str]]:
        """Each graph (its item of :attr:`named`), its bytes and their SHA-256, in :attr:`named`'s order:
        made here, or here and in the copies of ``spread`` (started by :meth:`spread`)."""
        made = map(self.make, self.named) if spread is None else spread.results()
        for j, (block, sha256, _) in enumerate(made):  # (to the end: the copies' shares are merged there)
            yield self.named[j], block, sha256
        self._keys = {}  # (those of the graphs the copies made)


#: The fewest documents' graphs worth a process of their own (:meth:`DocumentGraphs.spread`).
GRAPHS_PER_PROCESS = 64


def write_graphs(trig: BinaryIO, records: list[DocumentExtraction], index: DocumentIndex,
                 reread: Callable[[DocumentExtraction], DocumentExtraction | None], ns: Namespace,
                 ontology: str | None = None,
                 on_graph: Callable[[list[Triple], str], str | None] | None = None,
                 graphs: KeptGraphs | None = None,
                 on_kept: Callable[[str], bool] | None = None,
                 written: dict[str, list] | None = None,
                 on_made: Callable[[str, list[Triple]], None] | None = None,
                 processes: int = 1, shared: Sequence[Shared] = ()) -> Iterator[str]:
    """Write ``graph.trig`` into ``trig``: the ontology's graph, then each document's, in IRI order.

    ``records`` are the documents: only their name, path and content hash are read (what a document's
    graph states is ``index``'s, from the resolution). ``reread`` gives a document's full extraction back
    (from the cache), one document at a time, for the evidence sentences of the statements that have
    none (resolved from records without them: :func:`kg.resolve.compact`). ``written`` (a dict) is filled with each
    graph's name -> ``[SHA-256 of its bytes, offset, length]`` in the file (the store is updated by
    it: :func:`kg.store.update_store`). ``on_graph`` sees each document's triples
    and a hash of their text (SHACL validation, :class:`kg.rdf.shacl_documents.DocumentValidator`)
    and may return a note to keep with the graph (the key of its SHACL results).
    Yields each document id as it is written.

    With ``graphs`` (:class:`KeptGraphs`: :class:`kg.rdf.kept.GraphCache`), a document's graph whose key
    (:func:`kg.rdf.graph.document_key`: everything it is made from) is stored there is copied from
    it, its triples not made, and every graph made is stored. With ``on_graph`` too, a kept graph is
    copied only when ``on_kept(note)`` says its SHACL results are known (otherwise it is made again,
    for the validator to see its triples). The bytes are the same either way.

    ``on_made`` sees each document's graph that is made (not copied): the SHA-256 of its bytes and
    its triples each once, in the order of their lines in the file (what a parser of the file gives).

    With ``processes`` (and ``graphs``), the documents' graphs are made in that many processes, this
    one and forked copies (:meth:`DocumentGraphs.spread`; ``shared``: the objects ``on_graph``,
    ``on_kept`` and ``on_made`` change), forked as the iteration starts when there are enough graphs to
    make (not kept in ``graphs``); the same bytes.
    """
    made = DocumentGraphs(records, index, reread, ns, on_graph, graphs, on_kept, on_made, shared)
    with made.spreading(processes) as spread:
        yield from _write_graphs(trig, made, ontology, written, spread)


def _write_graphs(trig: BinaryIO, made: DocumentGraphs, ontology: str | None, written: dict[str, list] | None,
                  spread: Spread | None) -> Iterator[str]:
    """:func:`write_graphs`, with its graphs (and their copies, if ``spread``) ready."""
    writer = TrigWriter(trig, made.ns)

    def put(name: str, block: bytes, digest: str | None = None) -> None:
        if written is not None and block:
            written[name] = [digest or hashlib.sha256(block).hexdigest(), trig.tell(), len(block)]
        writer.write(block)

    ontology_graph = made.ns["graph/ontology"]
    put(str(ontology_graph), writer.block(ontology_graph, sorted_lines(axioms(load_ontology(ontology)), writer.ns)))
    for (name, i), block, sha256 in made.blocks(spread):
        put(name, block, sha256)
        yield made.records[i].doc_id


def write_facts(f: BinaryIO, entities, positions, relations, ontology: str | None, ns: Namespace,
                on_facts: Callable[[Iterator[PlainTriple]], None] | None = None) -> None:
    """Write ``graph.ttl`` into the binary file ``f``: the prefixes, a blank line, then every fact once
    (:func:`kg.rdf.graph.fact_triples`, written by :func:`fact_lines`), one a line, sorted, encoded and
    written :data:`FACT_LINES_A_WRITE` lines at a time (the file whole, as one string then as bytes, took
    about 100 MB more at 10,000 documents). ``on_facts`` is given the triple of each line, in the
    file's order, as plain terms (:data:`PlainTriple`: what a parser of the file gives), as an iterator
    (each triple is let go once taken)."""
    terms: dict[str, PlainTriple] | None = {} if on_facts is not None else None
    # sorted as UTF-8: the order of the lines' code points, as the strings sort, but compared a byte
    # string at a time (sorting 630,000 lines of Chinese names as str took 1.1 CPU-s, as bytes 0.4)
    lines = sorted(line.encode("utf-8") for line in fact_lines(entities, positions, relations, ontology, ns, terms))
    if terms is not None:
        on_facts(terms.pop(line.decode("utf-8")) for line in lines)
        terms = None
    f.write((_prefix_lines(ns) + "\n").encode("utf-8"))
    if not lines:
        f.write(b"\n")
    for i in range(0, len(lines), FACT_LINES_A_WRITE):
        f.write(b"\n".join(lines[i:i + FACT_LINES_A_WRITE]) + b"\n")


#: The lines of ``graph.ttl`` encoded and written together (:func:`write_facts`).
FACT_LINES_A_WRITE = 10_000


def facts_bytes(entities, positions, relations, ontology: str | None, ns: Namespace,
                on_facts: Callable[[Iterator[PlainTriple]], None] | None = None) -> bytes:
    """The bytes :func:`write_facts` writes: ``graph.ttl``."""
    out = io.BytesIO()
    write_facts(out, entities, positions, relations, ontology, ns, on_facts)
    return out.getvalue()


#: A triple as plain values: each IRI a ``str``; each literal a tuple ``(lexical form, language in
#: lower case or None, datatype IRI or None)`` (None for a language-tagged or an ``xsd:string`` one);
#: a blank node (only an ontology's axioms have them, an OWL restriction) a 1-tuple ``(its label,)``.
PlainTriple = tuple


def fact_lines(entities: Iterable[Entity], positions: Iterable[Position], relations: Iterable[Relation],
               ontology: str | None, ns: Namespace, terms: dict[str, PlainTriple] | None = None) -> set[str]:
    """The lines of ``graph.ttl``: :func:`triple_line` of each triple of :func:`kg.rdf.graph.fact_triples`
    (the same set: a test holds them to it), made from the records' strings instead of rdflib's terms.
    With ``terms`` (a dict), each line's triple is put there as plain terms (:data:`PlainTriple`).

    Every build writes ``graph.ttl`` whole, an incremental one too; at 10,000 documents (775k lines)
    making an rdflib term of each IRI and literal of each triple, then its text, took 9 CPU-s of a
    one-document update's 63; this takes about 3. Each IRI's text is made once a call, labels are
    quoted as :func:`term` quotes them, and the few other literals (dates) still go through :func:`term`.
    """
    n = str(ns)
    lines: set[str] = set()
    if terms is None:
        def add(s: tuple, p: tuple, o: tuple) -> None:  # each term (its text, its plain value)
            lines.add(f"{s[0]} {p[0]} {o[0]} .")
    else:
        def add(s: tuple, p: tuple, o: tuple) -> None:
            line = f"{s[0]} {p[0]} {o[0]} ."
            lines.add(line)
            terms[line] = (s[1], p[1], o[1])
    for t in axioms(load_ontology(ontology)):
        add(*((term(x, n), _plain(x)) for x in t))
    minted: dict[str, tuple] = {}  # local name -> its IRI's text and value
    named: dict[str, tuple] = {}  # entity id -> the same (an entity's recurs in its facts)
    vocabulary: dict[str, tuple] = {}  # a type or predicate name -> the same of its kg: term

    def node(local: str) -> tuple:
        known = minted.get(local)
        if known is None:
            known = minted[local] = (_minted_text(n + local, n), n + local)
        return known

    def entity(entity_id: str) -> tuple:
        known = named.get(entity_id)
        if known is None:
            known = named[entity_id] = node(entity_name(entity_id))
        return known

    def iri(t: URIRef) -> tuple:
        return term(t, n), str(t)

    def kg(name: str) -> tuple:
        known = vocabulary.get(name)
        if known is None:
            known = vocabulary[name] = iri(KG[name])  # KG raises for a name the ontology lacks
        return known

    def vocab(namespace: str, name: str) -> tuple:
        return iri(URIRef(namespace + name))

    def zh(value: str) -> tuple:
        return _zh(value), (value, "zh", None)

    def dated(value: str, datatype: URIRef) -> tuple:
        lit = literal(value, datatype)
        return term(lit, n), _plain(lit)

    a, label, alt = vocab(RDF, "type"), vocab(RDFS, "label"), vocab(SKOS, "altLabel")
    date, end_date, parent = iri(KG.date), iri(KG.endDate), iri(KG.subOrganizationOf)
    day = URIRef(XSD + "date")
    for e in entities:
        s = entity(e.id)
        add(s, a, kg(e.type))
        add(s, label, zh(e.label))
        for alias in e.aliases:
            add(s, alt, zh(alias))
        if e.date:
            add(s, date, dated(e.date, DATE_TYPES[iso_precision(e.date)]))
        if e.end_date:
            add(s, end_date, dated(e.end_date, day))
        if e.parent:
            add(s, parent, entity(e.parent))
    for r in relations:
        add(entity(r.subject), kg(r.predicate), entity(r.object))
    membership_class, member, role_of, role_class, organization = (
        vocab(ORG, name) for name in ("Membership", "member", "role", "Role", "organization"))
    for p in positions:
        membership_name, role_name = membership_names(p)
        m, role = node(membership_name), node(role_name)
        add(m, a, membership_class)
        add(m, member, entity(p.person))
        add(m, role_of, role)
        add(role, a, role_class)
        add(role, label, zh(p.title))
        if p.organization:
            add(m, organization, entity(p.organization))
    return lines


def _plain(t) -> str | tuple:
    """An rdflib term as a plain term (:data:`PlainTriple`), as a parser reads back what :func:`term`
    writes of it (a language tag in lower case, a blank node by the label written)."""
    if isinstance(t, Literal):
        dt = str(t.datatype) if t.datatype is not None else None
        lang = t.language.lower() if t.language else None
        return str(t), lang, None if lang or dt == _XSD_STRING else dt
    if isinstance(t, BNode):
        return (str(t),)
    return str(t)


def _zh(value: str) -> str:
    """:func:`term` of ``Literal(value, lang="zh")``."""
    return _quoted(value) + "@zh"


def write_graph_files(folder: Path, records: list[DocumentExtraction], entities: list[Entity],
                      positions: list[Position], relations: list[Relation],
                      reread: Callable[[DocumentExtraction], DocumentExtraction | None],
                      ontology: str | None = None, base_iri: str | None = None,
                      on_graph: Callable[[list[Triple], str], str | None] | None = None,
                      graphs: KeptGraphs | None = None, on_kept: Callable[[str], bool] | None = None,
                      written: dict[str, list] | None = None,
                      on_made: Callable[[str, list[Triple]], None] | None = None,
                      tee: Callable[[Path], Callable[[bytes], None] | None] | None = None,
                      on_facts: Callable[[Iterator[PlainTriple]], None] | None = None,
                      on_written: Callable[[list[tuple[str, list]]], None] | None = None,
                      processes: int = 1, shared: Sequence[Shared] = (),
                      facts_ready: Callable[[Path], None] | None = None) -> list[str]:
    """Write ``graph.ttl`` (:func:`write_facts`), ``entities.jsonl`` and ``graph.trig``
    (:func:`write_graphs`, documents' graphs kept in ``graphs`` copied from it, ``written`` filled
    with where each graph is, ``on_made`` given those made) into ``folder`` (a staging folder: the
    files are written in place); their names.

    ``tee`` is called with ``folder`` once ``graph.ttl`` is written, before ``graph.trig`` is; what it
    returns (if not None) is given the bytes written to ``graph.trig``, in order, as they are written:
    the header (its prefixes), then each graph's bytes whole (:class:`kg.store.StreamedLoad`).
    ``on_facts`` is given the triples of ``graph.ttl`` as it is written (:func:`write_facts`).
    ``on_written`` (with ``written``) is given the entries of ``written`` as they are made, in the
    file's order, a batch of graphs at a time, each batch once its bytes are in the file (flushed:
    another process may read them), the last before ``graph.trig`` is closed.

    With ``processes`` (and ``graphs``) the documents' graphs are made in that many processes, this one
    and forked copies (:meth:`DocumentGraphs.spread`, ``shared`` as :func:`write_graphs` says), forked
    before ``tee`` (which may start a thread): first thing, so they start while ``graph.ttl`` is
    written, unless ``facts_ready`` is given.

    ``facts_ready``, when given, is called with ``folder`` as soon as ``graph.ttl`` is written, which is
    then written first, before the documents' graphs are indexed, counted and spread: for a process
    that waits for it (an update's page, which makes and lays out its network on a core of its own
    while this process copies the kept graphs)."""
    ns = id_namespace(base_iri)

    def write_ttl() -> None:
        write_atomic(folder / "graph.ttl",
                     lambda f: write_facts(f, entities, positions, relations, ontology, ns, on_facts))

    if facts_ready is not None:
        write_ttl()
        facts_ready(folder)
    index = DocumentIndex(entities, positions, relations)
    made = DocumentGraphs(records, index, reread, ns, on_graph, graphs, on_kept, on_made, shared)
    with made.spreading(processes) as spread:
        if facts_ready is None:
            write_ttl()
        with open(folder / "entities.jsonl", "wb") as f:
            for e in entities:
                f.write(to_jsonl(e.to_dict()).encode("utf-8"))
        also = tee(folder) if tee is not None else None
        with open(folder / "graph.trig", "wb") as f:
            trig = f if also is None else _Tee(f, also)
            handed = 0  # the entries of written handed to on_written

            def hand_on() -> None:
                nonlocal handed
                f.flush()
                batch = list(itertools.islice(reversed(written.items()), len(written) - handed))  # the newest, last first
                on_written(batch[::-1])
                handed = len(written)

            for _ in _write_graphs(trig, made, ontology, written, spread):
                if on_written is not None and len(written) - handed >= WRITTEN_BATCH:
                    hand_on()
            if on_written is not None:
                hand_on()
    return ["graph.ttl", "graph.trig", "entities.jsonl"]


#: The graphs written between two calls of ``on_written`` (:func:`write_graph_files`).
WRITTEN_BATCH = 200


class _Tee:
    """A binary file that also gives each piece of bytes written to it to ``also``."""

    def __init__(self, f: BinaryIO, also: Callable[[bytes], None]) -> None:
        self.f, self.also = f, also

    def write(self, data: bytes) -> int:
        n = self.f.write(data)
        self.also(data)
        return n

    def tell(self) -> int:
        return self.f.tell()
