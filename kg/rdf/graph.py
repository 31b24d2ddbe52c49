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

from urllib.parse import quote

from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, SKOS, XSD

from kg.dates import iso_precision
from kg.ontology import axioms, load_ontology
from kg.ontology.vocab import KG
from kg.rdf.iris import ORG, entity_node, id_namespace, iri_segment, short_hash, source_node
from kg.records import DocumentExtraction, Entity, Evidence, Position, Relation

__all__ = ["build_graph", "build_dataset", "DATE_TYPES"]

#: the datatype of an event's kg:date by the precision the text gives it
DATE_TYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}


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
    for t in axioms(load_ontology(ontology)):
        g.add(t)
    for e in entities:
        iri = _add_entity(g, e, ns)
        if e.parent:
            g.add((iri, KG.subOrganizationOf, entity_node(ns, e.parent)))
    for r in relations or []:
        g.add((entity_node(ns, r.subject), KG[r.predicate], entity_node(ns, r.object)))
    for p in positions or []:
        _add_membership(g, p, ns)
    return g


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
    """
    ns = id_namespace(base_iri)
    ds = Dataset()
    _bind(ds, ns)
    ds.bind("prov", PROV)
    ontology_graph = ds.graph(ns["graph/ontology"])
    for t in axioms(load_ontology(ontology)):
        ontology_graph.add(t)
    graphs: dict[str, Graph] = {}
    for ex in sorted(extractions, key=lambda x: x.doc_id):
        src = source_node(ns, ex.doc_id)
        g = graphs[ex.doc_id] = ds.graph(src)
        g.add((src, RDF.type, KG.SourceFile))
        g.add((src, KG.path, Literal(ex.path)))
        g.add((src, KG.contentHash, Literal(ex.sha256)))
    for e in entities:
        for doc_id in e.docs:
            g = graphs.get(doc_id)
            if g is None:
                continue
            _add_entity(g, e, ns)
            g.add((entity_node(ns, e.id), PROV.wasDerivedFrom, source_node(ns, doc_id)))
    for r in relations:
        for ev in r.evidence:
            if ev.doc_id in graphs:
                _add_statement(graphs[ev.doc_id], r, ev, ns)
    for pos in positions:
        for ev in pos.evidence:
            if ev.doc_id in graphs:
                _add_derivation(graphs[ev.doc_id], pos, ev, ns)
    return ds


def _add_statement(g: Graph, r: Relation, ev: Evidence, ns: Namespace) -> None:
    """The fact ``r`` and, as an ``rdf:Statement``, where this document states it."""
    s, p, o = entity_node(ns, r.subject), KG[r.predicate], entity_node(ns, r.object)
    g.add((s, p, o))
    st = ns["statement/" + short_hash(f"{r.subject}|{r.predicate}|{r.object}|{ev.doc_id}|{ev.start}|"
                                      f"{ev.extractor}|{ev.trigger}|{ev.confidence:.3f}")]
    g.add((st, RDF.type, RDF.Statement))
    g.add((st, RDF.subject, s))
    g.add((st, RDF.predicate, p))
    g.add((st, RDF.object, o))
    _add_evidence(g, st, ev, ns)


def _add_derivation(g: Graph, pos: Position, ev: Evidence, ns: Namespace) -> None:
    """The post ``pos`` and one mention of it in this document, as a ``prov:qualifiedDerivation``
    (one a mention, so that each start is paired with its end)."""
    membership = _add_membership(g, pos, ns)
    src = source_node(ns, ev.doc_id)
    g.add((membership, PROV.wasDerivedFrom, src))
    d = ns["derivation/" + short_hash(f"{membership}|{ev.doc_id}|{ev.start}|{ev.end}|{ev.extractor}")]
    g.add((membership, PROV.qualifiedDerivation, d))
    g.add((d, RDF.type, PROV.Derivation))
    g.add((d, PROV.entity, src))
    g.add((d, KG.startOffset, Literal(ev.start, datatype=XSD.integer)))
    g.add((d, KG.endOffset, Literal(ev.end, datatype=XSD.integer)))
    g.add((d, KG.extractor, Literal(ev.extractor)))
    g.add((d, KG.confidence, Literal(f"{pos.confidence:.3f}", datatype=XSD.decimal)))


def _add_entity(g: Graph, e: Entity, ns: Namespace) -> URIRef:
    iri = entity_node(ns, e.id)
    g.add((iri, RDF.type, KG[e.type]))
    g.add((iri, RDFS.label, Literal(e.label, lang="zh")))
    for a in e.aliases:
        g.add((iri, SKOS.altLabel, Literal(a, lang="zh")))
    if e.date:
        g.add((iri, KG.date, Literal(e.date, datatype=DATE_TYPES[iso_precision(e.date)])))
    if e.end_date:
        g.add((iri, KG.endDate, Literal(e.end_date, datatype=XSD.date)))
    return iri


def _add_membership(g: Graph, p: Position, ns: Namespace) -> URIRef:
    person = entity_node(ns, p.person)
    key = quote(f"{p.person}|{p.title}|{p.organization or ''}", safe="")
    membership = ns["membership/" + short_hash(key)]
    role = ns["role/" + iri_segment(p.title)]
    g.add((membership, RDF.type, ORG.Membership))
    g.add((membership, ORG.member, person))
    g.add((membership, ORG.role, role))
    g.add((role, RDF.type, ORG.Role))
    g.add((role, RDFS.label, Literal(p.title, lang="zh")))
    if p.organization:
        g.add((membership, ORG.organization, entity_node(ns, p.organization)))
    return membership


def _add_evidence(g: Graph, node: URIRef, ev: Evidence, ns: Namespace) -> None:
    g.add((node, PROV.wasDerivedFrom, source_node(ns, ev.doc_id)))
    g.add((node, KG.sentenceText, Literal(ev.sentence)))
    g.add((node, KG.startOffset, Literal(ev.start, datatype=XSD.integer)))
    g.add((node, KG.endOffset, Literal(ev.end, datatype=XSD.integer)))
    g.add((node, KG.extractor, Literal(ev.extractor)))
    g.add((node, KG.confidence, Literal(f"{ev.confidence:.3f}", datatype=XSD.decimal)))
