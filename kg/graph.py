"""Write resolved entities and positions as RDF in the contract vocabulary.

IRIs are stable: an entity's IRI is made from its kind and canonical label, so the same entity
gets the same IRI in every run and every corpus it appears in. Every IRI minted here (entities,
sources, statements, posts, roles) is under ``BASE/id/``; the base is ``https://example.org/cnqkg/``
unless the caller gives its own (``kg build --base-iri``, or ``base_iri`` in ``kg.toml``). The
ontology's terms (``kg:``) keep their own namespace whatever the base.

>>> str(entity_iri("org/中机质协", "https://data.example.com/kg/"))
'https://data.example.com/kg/id/org/中机质协'
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import quote

from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, PROV, SKOS, XSD

from kg.dates import iso_precision
from kg.errors import BadUsage
from kg.lexicon import ontology_dir
from kg.records import DocumentExtraction, Entity, Evidence, Relation
from kg.vocab import KG

#: the base of the IRIs a build mints when none is given (a placeholder: set your own to publish)
DEFAULT_BASE_IRI = "https://example.org/cnqkg/"
ID = Namespace(DEFAULT_BASE_IRI + "id/")
ORG = Namespace("http://www.w3.org/ns/org#")
#: the datatype of an event's kg:date by the precision the text gives it
DATE_TYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f-\x9f]')


def base_iri_problem(base_iri: str) -> str | None:
    """Why ``base_iri`` cannot be the base of minted IRIs, or None if it can.

    >>> [base_iri_problem(b) for b in ("https://data.example.com/kg/", "https://data.example.com/kg")]
    [None, "must end with '/' or '#' (IRIs are made by appending id/…)"]
    """
    if not _SCHEME.match(base_iri):
        return "is not an absolute IRI (it needs a scheme, such as https://)"
    bad = _NOT_IN_IRI.search(base_iri)
    if bad:
        return f"cannot hold {bad.group()!r}"
    if not base_iri.endswith(("/", "#")):
        return "must end with '/' or '#' (IRIs are made by appending id/…)"
    return None


def id_namespace(base_iri: str | None = None) -> Namespace:
    """The namespace of minted IRIs: ``BASE/id/`` (:data:`ID` for the default base).

    Raises :class:`kg.errors.BadUsage` for a base that cannot be one (see :func:`base_iri_problem`).
    """
    if base_iri is None or base_iri == DEFAULT_BASE_IRI:
        return ID
    problem = base_iri_problem(base_iri)
    if problem:
        raise BadUsage(f"base IRI {base_iri!r} {problem}")
    return Namespace(base_iri + "id/")


def entity_iri(entity_id: str, base_iri: str | None = None) -> URIRef:
    """IRI of an entity id such as ``org/中国机械工业质量管理协会`` (IRI characters kept, the rest escaped)."""
    return _entity(id_namespace(base_iri), entity_id)


def _entity(ns: Namespace, entity_id: str) -> URIRef:
    kind, _, label = entity_id.partition("/")
    return ns[kind + "/" + iri_segment(label)]


def iri_segment(text: str) -> str:
    """A path segment keeping non-ASCII letters (IRIs allow them) and %-escaping the rest."""
    return "".join(c if ord(c) > 0x7F and not c.isspace() else quote(c, safe="()-_.~") for c in text)


def load_ontology(path: str | os.PathLike | None = None) -> Graph:
    g = Graph()
    g.parse(Path(ontology_dir(path)) / "kg.ttl", format="turtle")
    return g


def _bind(g: Graph, ns: Namespace) -> None:
    g.bind("kg", KG)
    g.bind("id", ns)
    g.bind("org", ORG)
    g.bind("skos", SKOS)


def build_graph(entities: list[Entity], positions: list[dict] | None = None, ontology: str | None = None,
                relations: list[Relation] | None = None, base_iri: str | None = None) -> Graph:
    """The facts as plain triples: entities with labels and aliases, relations, event dates,
    posts as ``org:Membership`` nodes, and the ontology's subClassOf axioms. IRIs are minted
    under ``base_iri`` (default :data:`DEFAULT_BASE_IRI`)."""
    ns = id_namespace(base_iri)
    g = Graph()
    _bind(g, ns)
    onto = load_ontology(ontology)
    for s, p, o in onto.triples((None, RDFS.subClassOf, None)):
        g.add((s, p, o))
    for cls in (c for c in onto.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)):
        g.add((cls, RDF.type, OWL.Class))
    for e in entities:
        iri = _add_entity(g, e, ns)
        if e.parent:
            g.add((iri, KG.subOrganizationOf, _entity(ns, e.parent)))
    for r in relations or []:
        g.add((_entity(ns, r.subject), KG[r.predicate], _entity(ns, r.object)))
    for p in positions or []:
        _add_membership(g, p, ns)
    return g


ONTOLOGY_GRAPH = ID["graph/ontology"]  # under the default base; id:graph/ontology under another


def source_iri(doc_id: str, base_iri: str | None = None) -> URIRef:
    """The IRI of a source document (and of its named graph in ``graph.trig``): its id, a path
    relative to the inputs, one IRI segment per folder.

    >>> str(source_iri("2021/通知 #1.docx"))
    'https://example.org/cnqkg/id/source/2021/通知%20%231.docx'
    """
    return _source(id_namespace(base_iri), doc_id)


def _source(ns: Namespace, doc_id: str) -> URIRef:
    return ns["source/" + "/".join(iri_segment(part) for part in doc_id.split("/"))]


def build_dataset(extractions: list[DocumentExtraction], entities: list[Entity], positions: list[dict],
                  relations: list[Relation], ontology: str | None = None, base_iri: str | None = None) -> Dataset:
    """One named graph per source document, holding what that document says, with provenance.

    Each relation read in a document is there as a triple and as an ``rdf:Statement`` that
    points to the document (``prov:wasDerivedFrom``) and carries the evidence sentence, its
    offsets in the original file, the extractor and the confidence. A post (``org:Membership``)
    has one ``prov:qualifiedDerivation`` per mention, a ``prov:Derivation`` with the source file
    (``prov:entity``), the phrase's offsets, the extractor and the confidence. The ontology's axioms
    are in the graph ``id:graph/ontology``. IRIs are minted under ``base_iri`` (default
    :data:`DEFAULT_BASE_IRI`).
    """
    ns = id_namespace(base_iri)
    ds = Dataset()
    _bind(ds, ns)
    ds.bind("prov", PROV)
    onto = load_ontology(ontology)
    axioms = ds.graph(ns["graph/ontology"])
    for s, p, o in onto.triples((None, RDFS.subClassOf, None)):
        axioms.add((s, p, o))
    for cls in (c for c in onto.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)):
        axioms.add((cls, RDF.type, OWL.Class))
    graphs: dict[str, Graph] = {}
    for ex in sorted(extractions, key=lambda x: x.doc_id):
        src = _source(ns, ex.doc_id)
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
            g.add((_entity(ns, e.id), PROV.wasDerivedFrom, _source(ns, doc_id)))
    for r in relations:
        for ev in r.evidence:
            g = graphs.get(ev.doc_id)
            if g is None:
                continue
            s, p, o = _entity(ns, r.subject), KG[r.predicate], _entity(ns, r.object)
            g.add((s, p, o))
            st = ns["statement/" + _short_hash(f"{r.subject}|{r.predicate}|{r.object}|{ev.doc_id}|{ev.start}|"
                                                f"{ev.extractor}|{ev.trigger}|{ev.confidence:.3f}")]
            g.add((st, RDF.type, RDF.Statement))
            g.add((st, RDF.subject, s))
            g.add((st, RDF.predicate, p))
            g.add((st, RDF.object, o))
            _add_evidence(g, st, ev, ns)
    for pos in positions:
        for ev in pos["evidence"]:
            g = graphs.get(ev["doc"])
            if g is None:
                continue
            membership = _add_membership(g, pos, ns)
            src = _source(ns, ev["doc"])
            g.add((membership, PROV.wasDerivedFrom, src))
            # one qualified derivation per mention of the post, so that each start is paired with its end
            d = ns["derivation/" + _short_hash(f"{membership}|{ev['doc']}|{ev['start']}|{ev['end']}|{ev['extractor']}")]
            g.add((membership, PROV.qualifiedDerivation, d))
            g.add((d, RDF.type, PROV.Derivation))
            g.add((d, PROV.entity, src))
            g.add((d, KG.startOffset, Literal(ev["start"], datatype=XSD.integer)))
            g.add((d, KG.endOffset, Literal(ev["end"], datatype=XSD.integer)))
            g.add((d, KG.extractor, Literal(ev["extractor"])))
            if pos.get("confidence") is not None:
                g.add((d, KG.confidence, Literal(f"{pos['confidence']:.3f}", datatype=XSD.decimal)))
    return ds


def _add_entity(g: Graph, e: Entity, ns: Namespace) -> URIRef:
    iri = _entity(ns, e.id)
    g.add((iri, RDF.type, KG[e.type]))
    g.add((iri, RDFS.label, Literal(e.label, lang="zh")))
    for a in e.aliases:
        g.add((iri, SKOS.altLabel, Literal(a, lang="zh")))
    if e.date:
        g.add((iri, KG.date, Literal(e.date, datatype=DATE_TYPES[iso_precision(e.date)])))
    if e.end_date:
        g.add((iri, KG.endDate, Literal(e.end_date, datatype=XSD.date)))
    return iri


def _add_membership(g: Graph, p: dict, ns: Namespace) -> URIRef:
    person = _entity(ns, p["person"])
    key = quote(f"{p['person']}|{p['title']}|{p['organization'] or ''}", safe="")
    membership = ns["membership/" + _short_hash(key)]
    role = ns["role/" + iri_segment(p["title"])]
    g.add((membership, RDF.type, ORG.Membership))
    g.add((membership, ORG.member, person))
    g.add((membership, ORG.role, role))
    g.add((role, RDF.type, ORG.Role))
    g.add((role, RDFS.label, Literal(p["title"], lang="zh")))
    if p["organization"]:
        g.add((membership, ORG.organization, _entity(ns, p["organization"])))
    return membership


def _add_evidence(g: Graph, node: URIRef, ev: Evidence, ns: Namespace) -> None:
    g.add((node, PROV.wasDerivedFrom, _source(ns, ev.doc_id)))
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
