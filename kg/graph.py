"""Write resolved entities and positions as RDF in the contract vocabulary.

IRIs are stable: an entity's IRI is made from its kind and canonical label, so the same entity
gets the same IRI in every run and every corpus it appears in.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, SKOS, XSD

from kg.lexicon import ontology_dir
from kg.records import Entity, Relation

KG = Namespace("https://example.org/cnqkg/ontology#")
ID = Namespace("https://example.org/cnqkg/id/")
ORG = Namespace("http://www.w3.org/ns/org#")


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
    for cls in onto.subjects(RDF.type, OWL.Class):
        g.add((cls, RDF.type, OWL.Class))
    for e in entities:
        iri = entity_iri(e.id)
        g.add((iri, RDF.type, KG[e.type]))
        g.add((iri, RDFS.label, Literal(e.label, lang="zh")))
        for a in e.aliases:
            g.add((iri, SKOS.altLabel, Literal(a, lang="zh")))
        if e.parent:
            g.add((iri, KG.subOrganizationOf, entity_iri(e.parent)))
        if e.date:
            g.add((iri, KG.date, Literal(e.date, datatype=XSD.date)))
        if e.end_date:
            g.add((iri, KG.endDate, Literal(e.end_date, datatype=XSD.date)))
    for r in relations or []:
        g.add((entity_iri(r.subject), KG[r.predicate], entity_iri(r.object)))
    for p in positions or []:
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
    return g


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


def serialize_turtle(g: Graph) -> bytes:
    data = g.serialize(format="turtle")
    return data.encode("utf-8") if isinstance(data, str) else data
