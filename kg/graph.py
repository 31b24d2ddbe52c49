"""Write resolved entities and positions as RDF in the contract vocabulary.

IRIs are stable: an entity's IRI is made from its kind and canonical label, so the same entity
gets the same IRI in every run and every corpus it appears in.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, PROV, SKOS, XSD

from kg.dates import iso_precision
from kg.lexicon import ontology_dir
from kg.records import DocumentExtraction, Entity, Evidence, Relation
from kg.vocab import KG

ID = Namespace("https://example.org/cnqkg/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
#: the datatype of an event's kg:date by the precision the text gives it
DATE_TYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}


def entity_iri(entity_id: str) -> URIRef:
    """IRI of an entity id such as ``org/中国机械工业质量管理协会`` (IRI characters kept, the rest escaped)."""
    kind, _, label = entity_id.partition("/")
    return ID[kind + "/" + iri_segment(label)]


def iri_segment(text: str) -> str:
    """A path segment keeping non-ASCII letters (IRIs allow them) and %-escaping the rest."""
    return "".join(c if ord(c) > 0x7F and not c.isspace() else quote(c, safe="()-_.~") for c in text)


def load_ontology(path: str | os.PathLike | None = None) -> Graph:
    g = Graph()
    g.parse(Path(ontology_dir(path)) / "kg.ttl", format="turtle")
    return g


def _bind(g: Graph) -> None:
    g.bind("kg", KG)
    g.bind("id", ID)
    g.bind("org", ORG)
    g.bind("skos", SKOS)


def build_graph(entities: list[Entity], positions: list[dict] | None = None, ontology: str | None = None,
                relations: list[Relation] | None = None) -> Graph:
    """The facts as plain triples: entities with labels and aliases, relations, event dates,
    posts as ``org:Membership`` nodes, and the ontology's subClassOf axioms."""
    g = Graph()
    _bind(g)
    onto = load_ontology(ontology)
    for s, p, o in onto.triples((None, RDFS.subClassOf, None)):
        g.add((s, p, o))
    for cls in (c for c in onto.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)):
        g.add((cls, RDF.type, OWL.Class))
    for e in entities:
        iri = _add_entity(g, e)
        if e.parent:
            g.add((iri, KG.subOrganizationOf, entity_iri(e.parent)))
    for r in relations or []:
        g.add((entity_iri(r.subject), KG[r.predicate], entity_iri(r.object)))
    for p in positions or []:
        _add_membership(g, p)
    return g


ONTOLOGY_GRAPH = ID["graph/ontology"]


def source_iri(doc_id: str) -> URIRef:
    """The IRI of a source document (and of its named graph in ``graph.trig``): its id, a path
    relative to the inputs, one IRI segment per folder.

    >>> str(source_iri("2021/通知 #1.docx"))
    'https://example.org/cnqkg/id/source/2021/通知%20%231.docx'
    """
    return ID["source/" + "/".join(iri_segment(part) for part in doc_id.split("/"))]


def build_dataset(extractions: list[DocumentExtraction], entities: list[Entity], positions: list[dict],
                  relations: list[Relation], ontology: str | None = None) -> Dataset:
    """One named graph per source document, holding what that document says, with provenance.

    Each relation read in a document is there as a triple and as an ``rdf:Statement`` that
    points to the document (``prov:wasDerivedFrom``) and carries the evidence sentence, its
    offsets in the original file, the extractor and the confidence. A post (``org:Membership``)
    has one ``prov:qualifiedDerivation`` per mention, a ``prov:Derivation`` with the source file
    (``prov:entity``), the phrase's offsets, the extractor and the confidence. The ontology's axioms
    are in the graph ``id:graph/ontology``.
    """
    ds = Dataset()
    _bind(ds)
    ds.bind("prov", PROV)
    onto = load_ontology(ontology)
    axioms = ds.graph(ONTOLOGY_GRAPH)
    for s, p, o in onto.triples((None, RDFS.subClassOf, None)):
        axioms.add((s, p, o))
    for cls in (c for c in onto.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)):
        axioms.add((cls, RDF.type, OWL.Class))
    graphs: dict[str, Graph] = {}
    for ex in sorted(extractions, key=lambda x: x.doc_id):
        src = source_iri(ex.doc_id)
        g = graphs[ex.doc_id] = ds.graph(src)
        g.add((src, RDF.type, KG.SourceFile))
        g.add((src, KG.path, Literal(ex.path)))
        g.add((src, KG.contentHash, Literal(ex.sha256)))
    for e in entities:
        for doc_id in e.docs:
            g = graphs.get(doc_id)
            if g is None:
                continue
            _add_entity(g, e)
            g.add((entity_iri(e.id), PROV.wasDerivedFrom, source_iri(doc_id)))
    for r in relations:
        for ev in r.evidence:
            g = graphs.get(ev.doc_id)
            if g is None:
                continue
            s, p, o = entity_iri(r.subject), KG[r.predicate], entity_iri(r.object)
            g.add((s, p, o))
            st = ID["statement/" + _short_hash(f"{r.subject}|{r.predicate}|{r.object}|{ev.doc_id}|{ev.start}|"
                                                f"{ev.extractor}|{ev.trigger}|{ev.confidence:.3f}")]
            g.add((st, RDF.type, RDF.Statement))
            g.add((st, RDF.subject, s))
            g.add((st, RDF.predicate, p))
            g.add((st, RDF.object, o))
            _add_evidence(g, st, ev)
    for pos in positions:
        for ev in pos["evidence"]:
            g = graphs.get(ev["doc"])
            if g is None:
                continue
            membership = _add_membership(g, pos)
            src = source_iri(ev["doc"])
            g.add((membership, PROV.wasDerivedFrom, src))
            # one qualified derivation per mention of the post, so that each start is paired with its end
            d = ID["derivation/" + _short_hash(f"{membership}|{ev['doc']}|{ev['start']}|{ev['end']}|{ev['extractor']}")]
            g.add((membership, PROV.qualifiedDerivation, d))
            g.add((d, RDF.type, PROV.Derivation))
            g.add((d, PROV.entity, src))
            g.add((d, KG.startOffset, Literal(ev["start"], datatype=XSD.integer)))
            g.add((d, KG.endOffset, Literal(ev["end"], datatype=XSD.integer)))
            g.add((d, KG.extractor, Literal(ev["extractor"])))
            if pos.get("confidence") is not None:
                g.add((d, KG.confidence, Literal(f"{pos['confidence']:.3f}", datatype=XSD.decimal)))
    return ds


def _add_entity(g: Graph, e: Entity) -> URIRef:
    iri = entity_iri(e.id)
    g.add((iri, RDF.type, KG[e.type]))
    g.add((iri, RDFS.label, Literal(e.label, lang="zh")))
    for a in e.aliases:
        g.add((iri, SKOS.altLabel, Literal(a, lang="zh")))
    if e.date:
        g.add((iri, KG.date, Literal(e.date, datatype=DATE_TYPES[iso_precision(e.date)])))
    if e.end_date:
        g.add((iri, KG.endDate, Literal(e.end_date, datatype=XSD.date)))
    return iri


def _add_membership(g: Graph, p: dict) -> URIRef:
    person = entity_iri(p["person"])
    key = quote(f"{p['person']}|{p['title']}|{p['organization'] or ''}", safe="")
    membership = ID["membership/" + _short_hash(key)]
    role = ID["role/" + iri_segment(p["title"])]
    g.add((membership, RDF.type, ORG.Membership))
    g.add((membership, ORG.member, person))
    g.add((membership, ORG.role, role))
    g.add((role, RDF.type, ORG.Role))
    g.add((role, RDFS.label, Literal(p["title"], lang="zh")))
    if p["organization"]:
        g.add((membership, ORG.organization, entity_iri(p["organization"])))
    return membership


def _add_evidence(g: Graph, node: URIRef, ev: Evidence) -> None:
    g.add((node, PROV.wasDerivedFrom, source_iri(ev.doc_id)))
    g.add((node, KG.sentenceText, Literal(ev.sentence)))
    g.add((node, KG.startOffset, Literal(ev.start, datatype=XSD.integer)))
    g.add((node, KG.endOffset, Literal(ev.end, datatype=XSD.integer)))
    g.add((node, KG.extractor, Literal(ev.extractor)))
    g.add((node, KG.confidence, Literal(f"{ev.confidence:.3f}", datatype=XSD.decimal)))


def serialize_trig(ds: Dataset) -> bytes:
    """TriG with the named graphs in IRI order (rdflib's writer orders them by hash), each graph
    written by the sorted Turtle writer, so the same dataset always gives the same bytes."""
    prefixes: set[str] = set()
    blocks = []
    for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        if len(g) == 0:
            continue
        part = Graph()
        for prefix, ns in ds.namespaces():
            part.bind(prefix, ns)
        for t in g:
            part.add(t)
        lines = serialize_turtle(part).decode("utf-8").splitlines()
        body = []
        for line in lines:
            if line.startswith("@prefix"):
                prefixes.add(line)
            elif line.strip():
                body.append("    " + line)
            elif body and body[-1]:
                body.append("")
        while body and not body[-1]:
            body.pop()
        blocks.append(f"<{g.identifier}> {{\n" + "\n".join(body) + "\n}\n")
    return ("\n".join(sorted(prefixes)) + "\n\n" + "\n".join(blocks)).encode("utf-8")


def _short_hash(s: str) -> str:
    import hashlib

    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:16]


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_dataset(path: str | os.PathLike) -> Dataset:
    """A TriG, N-Quads or Turtle file (by its suffix) as an rdflib :class:`~rdflib.Dataset` whose default graph is the union
    of the named graphs.

    The file is parsed with pyoxigraph: rdflib's own TriG parser warns on every call in rdflib 7.6
    (it builds a deprecated ``ConjunctiveGraph``), and is slower.
    """
    import pyoxigraph as ox
    from rdflib import BNode

    def term(t):
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return BNode(t.value)
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype.value == str(XSD.string):
            return Literal(t.value)  # a plain literal, as rdflib's parsers give it
        return Literal(t.value, datatype=URIRef(t.datatype.value))

    path = Path(path)
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
    ds = Dataset(default_union=True)
    graphs: dict = {}
    with path.open("rb") as f:
        parser = ox.parse(f, format=fmt)
        for q in parser:
            name = q.graph_name
            key = None if isinstance(name, ox.DefaultGraph) else name.value
            g = graphs.get(key)
            if g is None:
                g = graphs[key] = ds.default_graph if key is None else ds.graph(URIRef(key))
            g.add((term(q.subject), term(q.predicate), term(q.object)))
        for prefix, ns in parser.prefixes.items():
            ds.bind(prefix, ns, override=True)
    return ds


def serialize_turtle(g: Graph) -> bytes:
    data = g.serialize(format="turtle")
    return data.encode("utf-8") if isinstance(data, str) else data
