"""The graph of a corpus in the contract vocabulary: its facts (:func:`build_graph`, ``graph.ttl``)
and the same facts per source document with their provenance (:func:`build_dataset`, ``graph.trig``).

Entities get a type, one ``rdfs:label`` and a ``skos:altLabel`` per other name; events their dates
(a day, month or year, as precise as read); relations are plain triples; posts ``org:Membership``
nodes. IRIs are minted by :mod:`kg.rdf.iris`.

>>> from kg.records import Entity
>>> from kg.rdf.iris import entity_iri
>>> g = build_graph([Entity("org/中机质协", "Association", "中国机械工业质量管理协会", ["中机质协"], 2, ["a.txt"])])
>>> sorted(str(o) for o in g.objects(entity_iri("org/中机质协"), SKOS.altLabel))
['中机质协']
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace
from typing import Iterable, Iterator
from urllib.parse import quote

from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, SKOS, XSD

from kg.dates import iso_precision
from kg.ontology import axioms, load_ontology
from kg.ontology.vocab import KG
from kg.rdf.iris import ORG, entity_id_of, entity_node, id_namespace, iri_segment, short_hash, source_node
from kg.records import DocumentExtraction, Entity, Evidence, Position, Relation

__all__ = ["build_graph", "build_dataset", "DATE_TYPES", "DocumentIndex", "fact_triples", "document_triples", "document_key",
           "entity_triples", "entity_descriptions", "statement_triples", "derivation_triples", "membership_triples",
           "membership_names", "Triple"]

Triple = tuple

#: the datatype of an event's kg:date by the precision the text gives it
DATE_TYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}

_LITERALS: dict[tuple, Literal] = {}
_LITERALS_MAX = 1 << 14


def literal(value, datatype: URIRef | None = None, lang: str | None = None) -> Literal:
    """``Literal(value, lang=lang, datatype=datatype)``, made once per value: rdflib's constructor
    checks and converts each value (most of the cost of a document's triples), and the same labels,
    offsets, extractors and confidences recur in every document. Literals are immutable; the memo is
    emptied when it reaches ``_LITERALS_MAX`` values, so its size does not grow with the corpus.

    >>> literal(12, XSD.integer) is literal(12, XSD.integer), literal(1, XSD.integer) == literal(True)
    (True, False)
    """
    key = (value, type(value), datatype, lang)  # the type: 1, 1.0 and True are equal keys otherwise
    lit = _LITERALS.get(key)
    if lit is None:
        if len(_LITERALS) >= _LITERALS_MAX:
            _LITERALS.clear()
        lit = _LITERALS[key] = Literal(value, lang=lang, datatype=datatype)
    return lit


def _bind(g: Graph, ns: Namespace) -> None:
    g.bind("kg", KG)
    g.bind("id", ns)
    g.bind("org", ORG)
    g.bind("skos", SKOS)


def build_graph(entities: list[Entity], positions: list[Position] | None = None, ontology: str | None = None,
                relations: list[Relation] | None = None, base_iri: str | None = None) -> Graph:
    """The facts as plain triples: entities with labels and aliases, relations, event dates,
    posts as ``org:Membership`` nodes, and the ontology's subClassOf axioms. IRIs are minted
    under ``base_iri`` (default :data:`kg.rdf.iris.DEFAULT_BASE_IRI`)."""
    ns = id_namespace(base_iri)
    g = Graph()
    _bind(g, ns)
    for t in fact_triples(entities, positions or [], relations or [], ontology, ns):
        g.add(t)
    return g


def fact_triples(entities: Iterable[Entity], positions: Iterable[Position], relations: Iterable[Relation],
                 ontology: str | None, ns: Namespace) -> Iterator[Triple]:
    """The triples of :func:`build_graph` (``graph.ttl``), in no particular order, possibly repeated."""
    yield from axioms(load_ontology(ontology))
    for e in entities:
        yield from entity_triples(e, ns)
        if e.parent:
            yield entity_node(ns, e.id), KG.subOrganizationOf, entity_node(ns, e.parent)
    for r in relations:
        yield entity_node(ns, r.subject), KG[r.predicate], entity_node(ns, r.object)
    for p in positions:
        yield from membership_triples(p, ns)[1]


def build_dataset(extractions: list[DocumentExtraction], entities: list[Entity], positions: list[Position],
                  relations: list[Relation], ontology: str | None = None, base_iri: str | None = None) -> Dataset:
    """One named graph per source document, holding what that document says, with provenance.

    Each relation read in a document is there as a triple and as an ``rdf:Statement`` that
    points to the document (``prov:wasDerivedFrom``) and carries the evidence sentence, its
    offsets in the original file, the extractor and the confidence. A post (``org:Membership``)
    has one ``prov:qualifiedDerivation`` per mention, a ``prov:Derivation`` with the source file
    (``prov:entity``), the phrase's offsets, the extractor and the confidence. The ontology's axioms
    are in the graph ``id:graph/ontology``. IRIs are minted under ``base_iri`` (default
    :data:`kg.rdf.iris.DEFAULT_BASE_IRI`).

    The whole corpus in memory: :mod:`kg.rdf.write` writes the same graphs a document at a time.
    """
    ns = id_namespace(base_iri)
    ds = Dataset()
    _bind(ds, ns)
    ds.bind("prov", PROV)
    ontology_graph = ds.graph(ns["graph/ontology"])
    for t in axioms(load_ontology(ontology)):
        ontology_graph.add(t)
    index = DocumentIndex(entities, positions, relations)
    for ex in sorted(extractions, key=lambda x: x.doc_id):
        g = ds.graph(source_node(ns, ex.doc_id))
        for t in document_triples(ex.doc_id, ex.path, ex.sha256, index, ns):
            g.add(t)
    return ds


def entity_descriptions(entities: Iterable[Entity], ns: Namespace):
    """``describe(iri)``: the triples of :func:`entity_triples` of the entity with that IRI (none for
    another IRI), for validating a document that refers to an entity it does not describe. The entity is
    found by the id the IRI is made of (:func:`kg.rdf.iris.entity_id_of`): no IRI is minted for the
    entities no document asks about (most of them, when most graphs are kept from the last build)."""
    by_id = {e.id: e for e in entities}

    def describe(iri) -> Iterator[Triple]:
        e = by_id.get(entity_id_of(ns, iri))
        return entity_triples(e, ns) if e is not None and entity_node(ns, e.id) == iri else iter(())

    return describe


class DocumentIndex:
    """Which entities, relation evidence and post mentions each document states (references to the
    resolved records, grouped by document id): what :func:`document_triples` writes of a document."""

    def __init__(self, entities: Iterable[Entity], positions: Iterable[Position], relations: Iterable[Relation]):
        self.entities: dict[str, list[Entity]] = defaultdict(list)
        self.statements: dict[str, list[tuple[Relation, Evidence]]] = defaultdict(list)
        self.derivations: dict[str, list[tuple[Position, Evidence]]] = defaultdict(list)
        self.by_id: dict[str, Entity] = {}
        self._described: dict[str, str] = {}  # entity id -> the repr of what entity_triples writes of it
        for e in entities:
            self.by_id[e.id] = e
            for doc_id in e.docs:
                self.entities[doc_id].append(e)
        for r in relations:
            for ev in r.evidence:
                self.statements[ev.doc_id].append((r, ev))
        for pos in positions:
            for ev in pos.evidence:
                self.derivations[ev.doc_id].append((pos, ev))

    def described(self, entity_id: str) -> str:
        """The ``repr`` of what :func:`entity_triples` writes of the entity of this id (``'None'`` for an id
        not here), made once: an entity is described in every document that names it."""
        r = self._described.get(entity_id)
        if r is None:
            r = self._described[entity_id] = repr(_entity_fields(self.by_id.get(entity_id)))
        return r


def document_triples(doc_id: str, path: str, sha256: str, index: DocumentIndex, ns: Namespace,
                     sentences: dict[tuple[int, int], str] | None = None) -> Iterator[Triple]:
    """The triples of the named graph of one source document (see :func:`build_dataset`).

    ``sentences`` gives the evidence sentence of a relation by its offsets, for relations resolved
    without their sentences (:func:`kg.resolve.compact`)."""
    src = source_node(ns, doc_id)
    yield src, RDF.type, KG.SourceFile
    yield src, KG.path, literal(path)
    yield src, KG.contentHash, literal(sha256)
    for e in index.entities.get(doc_id, ()):
        yield from entity_triples(e, ns)
        yield entity_node(ns, e.id), PROV.wasDerivedFrom, src
    for r, ev in index.statements.get(doc_id, ()):
        if sentences is not None and not ev.sentence:
            ev = replace(ev, sentence=sentences.get((ev.start, ev.end), ""))
        yield from statement_triples(r, ev, ns)
    for pos, ev in index.derivations.get(doc_id, ()):
        yield from derivation_triples(pos, ev, ns)


def document_key(doc_id: str, path: str, sha256: str, index: DocumentIndex, ns: Namespace) -> str:
    """A hash of everything :func:`document_triples` reads of the corpus for this document, and of
    the descriptions of the entities its graph refers to (what SHACL validation adds to it:
    :meth:`kg.rdf.shacl_documents.DocumentValidator.add`): equal keys, the same graph, validated alike.

    It covers the document's name, path and content hash, the namespace, the fields of each entity
    it describes that :func:`entity_triples` writes, each relation it states (subject, predicate,
    object and this document's evidence), each post it mentions (person, title, organization,
    highest confidence: a fact across documents, and this mention) and the same fields of every
    entity those name. The evidence sentences are not resolution's: they come from the document's
    extraction, which its content hash names (for the code's fingerprint, which the caller keys
    its cache by). Change this with :func:`document_triples`.
    """
    entities = index.entities.get(doc_id, ())
    statements = index.statements.get(doc_id, ())
    derivations = index.derivations.get(doc_id, ())
    named = {r.subject for r, _ in statements} | {r.object for r, _ in statements}
    named.update(p.person for p, _ in derivations)
    named.update(p.organization for p, _ in derivations if p.organization)
    described = index.described
    # one repr a line (a repr holds no line break), the entities' made once a build
    lines = [repr((str(ns), doc_id, path, sha256)), *(described(e.id) for e in entities), "|",
             repr([(r.subject, r.predicate, r.object, ev.doc_id, ev.sentence, ev.start, ev.end, ev.extractor,
                    ev.confidence, ev.trigger) for r, ev in statements]),
             repr([(p.person, p.title, p.organization, p.confidence, ev.doc_id, ev.start, ev.end, ev.extractor)
                   for p, ev in derivations]), "|", *(described(i) for i in sorted(named))]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _entity_fields(e: Entity | None) -> tuple | None:
    """What :func:`entity_triples` writes of ``e``."""
    return None if e is None else (e.id, e.type, e.label, tuple(e.aliases), e.date, e.end_date)


_TYPE, _STATEMENT, _SUBJECT, _PREDICATE, _OBJECT = RDF.type, RDF.Statement, RDF.subject, RDF.predicate, RDF.object


def statement_triples(r: Relation, ev: Evidence, ns: Namespace) -> Iterator[Triple]:
    """The fact ``r`` and, as an ``rdf:Statement``, where this document states it."""
    s, p, o = entity_node(ns, r.subject), KG[r.predicate], entity_node(ns, r.object)
    yield s, p, o
    st = ns["statement/" + short_hash(f"{r.subject}|{r.predicate}|{r.object}|{ev.doc_id}|{ev.start}|"
                                      f"{ev.extractor}|{ev.trigger}|{ev.confidence:.3f}")]
    yield st, _TYPE, _STATEMENT
    yield st, _SUBJECT, s
    yield st, _PREDICATE, p
    yield st, _OBJECT, o
    yield from _evidence_triples(st, ev, ns)


def derivation_triples(pos: Position, ev: Evidence, ns: Namespace) -> Iterator[Triple]:
    """The post ``pos`` and one mention of it in this document, as a ``prov:qualifiedDerivation``
    (one a mention, so that each start is paired with its end)."""
    membership, triples = membership_triples(pos, ns)
    yield from triples
    src = source_node(ns, ev.doc_id)
    yield membership, PROV.wasDerivedFrom, src
    d = ns["derivation/" + short_hash(f"{membership}|{ev.doc_id}|{ev.start}|{ev.end}|{ev.extractor}")]
    yield membership, PROV.qualifiedDerivation, d
    yield d, RDF.type, PROV.Derivation
    yield d, PROV.entity, src
    yield d, KG.startOffset, literal(ev.start, XSD.integer)
    yield d, KG.endOffset, literal(ev.end, XSD.integer)
    yield d, KG.extractor, literal(ev.extractor)
    yield d, KG.confidence, literal(f"{pos.confidence:.3f}", XSD.decimal)


def entity_triples(e: Entity, ns: Namespace) -> Iterator[Triple]:
    """An entity's type, label, aliases and dates."""
    iri = entity_node(ns, e.id)
    yield iri, RDF.type, KG[e.type]
    yield iri, RDFS.label, literal(e.label, lang="zh")
    for a in e.aliases:
        yield iri, SKOS.altLabel, literal(a, lang="zh")
    if e.date:
        yield iri, KG.date, literal(e.date, DATE_TYPES[iso_precision(e.date)])
    if e.end_date:
        yield iri, KG.endDate, literal(e.end_date, XSD.date)


def membership_names(p: Position) -> tuple[str, str]:
    """The local names (under the minted namespace) of a post's ``org:Membership`` node and of its role."""
    key = quote(f"{p.person}|{p.title}|{p.organization or ''}", safe="")
    return "membership/" + short_hash(key), "role/" + iri_segment(p.title)


def membership_triples(p: Position, ns: Namespace) -> tuple[URIRef, list[Triple]]:
    """A post's ``org:Membership`` node and its triples (member, role and its label, organization)."""
    person = entity_node(ns, p.person)
    membership_name, role_name = membership_names(p)
    membership, role = ns[membership_name], ns[role_name]
    triples = [(membership, RDF.type, ORG.Membership), (membership, ORG.member, person), (membership, ORG.role, role),
               (role, RDF.type, ORG.Role), (role, RDFS.label, literal(p.title, lang="zh"))]
    if p.organization:
        triples.append((membership, ORG.organization, entity_node(ns, p.organization)))
    return membership, triples


# The terms written for every piece of evidence, looked up once (a DefinedNamespace's attribute is a call).
_DERIVED, _SENTENCE, _START, _END = PROV.wasDerivedFrom, KG.sentenceText, KG.startOffset, KG.endOffset
_EXTRACTOR, _CONFIDENCE, _INTEGER, _DECIMAL = KG.extractor, KG.confidence, XSD.integer, XSD.decimal


def _evidence_triples(node: URIRef, ev: Evidence, ns: Namespace) -> Iterator[Triple]:
    yield node, _DERIVED, source_node(ns, ev.doc_id)
    yield node, _SENTENCE, literal(ev.sentence)
    yield node, _START, literal(ev.start, _INTEGER)
    yield node, _END, literal(ev.end, _INTEGER)
    yield node, _EXTRACTOR, literal(ev.extractor)
    yield node, _CONFIDENCE, literal(f"{ev.confidence:.3f}", _DECIMAL)
