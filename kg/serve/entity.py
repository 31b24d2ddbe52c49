"""What the entity page shows, as plain records: an entity's type, names, dates, posts, every relation
in and out grouped by predicate with the evidence of each, its documents, a timeline of an
organization's events and a small neighbourhood graph.

Everything comes from a few indexed queries on the store (:class:`kg.serve.graph.Snapshot`): the facts
from the default graph, the evidence from the documents' named graphs (``rdf:Statement`` s and
``prov:qualifiedDerivation`` s, see :mod:`kg.rdf.graph`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox

from kg.ontology import relation_labels, type_labels
from kg.ontology.namespaces import KG_NAMESPACE, ORG, RDF, RDFS, SKOS
from kg.records import ORG_TYPES
from kg.serve.graph import Snapshot

__all__ = ["Evidence", "Link", "Group", "Post", "EntityPage", "entity_page", "is_known", "MAX_ROWS", "MAX_NEIGHBOURS",
           "SHOWN", "SHOWN_EVIDENCE"]

MAX_ROWS = 5000  # relations or evidence rows read for one page
MAX_NEIGHBOURS = 60  # nodes of the neighbourhood graph besides the entity
SHOWN = 100  # entities listed under one relation, events in the timeline (the page says how many there are)
SHOWN_EVIDENCE = 5  # evidence sentences under one link


@dataclass
class Evidence:
    doc: str  # the source document's IRI
    doc_name: str
    sentence: str
    start: int
    end: int
    confidence: str = ""
    extractor: str = ""


@dataclass
class Link:
    other: str
    label: str
    type: str | None
    date: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    evidence_total: int = 0


@dataclass
class Group:
    predicate: str
    direction: str  # "out": this entity is the subject; "in": the object
    zh: str
    en: str
    links: list[Link] = field(default_factory=list)
    total: int = 0


@dataclass
class Post:
    title: str
    person: str | None
    person_label: str | None
    org: str | None
    org_label: str | None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class EntityPage:
    iri: str
    label: str
    type: str | None
    type_zh: str
    aliases: list[str]
    date: str | None
    end_date: str | None
    groups: list[Group]
    posts: list[Post]
    documents: list[tuple[str, str]]  # (IRI, name)
    timeline: list[Link]
    graph: dict
    truncated: bool = False
    timeline_total: int = 0


@lru_cache(maxsize=8)
def names_of_relations(ontology=None) -> dict[str, dict[str, str]]:
    """:func:`kg.ontology.relation_labels`, read once (it walks the ontology graph)."""
    return relation_labels(ontology)


@lru_cache(maxsize=8)
def names_of_types(ontology=None) -> dict[str, dict[str, str]]:
    return type_labels(ontology)


def _iri(x: str) -> str:
    return str(ox.NamedNode(x))


def is_known(snap: Snapshot, iri: str) -> str | None:
    """``"entity"``, ``"document"`` (a source file) or None for an IRI the graph does not hold."""
    node = _iri(iri)
    rows = snap.select(f"""SELECT ?kind WHERE {{
        {{ GRAPH {node} {{ {node} a kg:SourceFile }} BIND("document" AS ?kind) }}
        UNION {{ {{ SELECT * WHERE {{ {node} ?p ?o }} LIMIT 1 }} BIND("entity" AS ?kind) }}
        UNION {{ {{ SELECT * WHERE {{ ?s ?p {node} }} LIMIT 1 }} BIND("entity" AS ?kind) }}
    }}""")
    kinds = {r[0].value for r in rows}
    return "document" if "document" in kinds else "entity" if kinds else None


def doc_name(snap: Snapshot, doc: str) -> str:
    short = snap.short(doc)
    return short[len("source/"):] if short and short.startswith("source/") else doc


def _local(iri: str) -> str | None:
    return iri[len(KG_NAMESPACE):] if iri.startswith(KG_NAMESPACE) else None


def _labels(snap: Snapshot, iris: set[str]) -> dict[str, tuple[str, str | None, str | None]]:
    """IRI -> (label, kg: type, kg:date) for ``iris``: an entity's from the snapshot's index, the others asked."""
    out: dict[str, tuple[str, str | None, str | None]] = {}
    known = snap.names.entities
    for x in iris:
        c = known.get(x)
        if c is not None:
            out[x] = (c.label, c.type, snap.dates.get(x))
    items = sorted(iris - out.keys())
    for i in range(0, len(items), 500):
        values = " ".join(_iri(x) for x in items[i:i + 500])
        for x, label, t, d in snap.select(
                f"SELECT ?x (SAMPLE(?l) AS ?label) (SAMPLE(?t) AS ?type) (SAMPLE(?d) AS ?date) WHERE {{"
                f" VALUES ?x {{ {values} }} OPTIONAL {{ ?x <{RDFS}label> ?l }}"
                f" OPTIONAL {{ ?x a ?t FILTER(STRSTARTS(STR(?t), STR(kg:))) }} OPTIONAL {{ ?x kg:date ?d }} }} GROUP BY ?x"):
            out[x.value] = (label.value if label else x.value, _local(t.value) if t else None, d.value if d else None)
    return out


def _evidence_rows(snap: Snapshot, node: str) -> list[tuple]:
    return snap.select(f"""
        SELECT ?g ?s ?p ?o ?text ?a ?b ?c ?x WHERE {{
          GRAPH ?g {{
            {{ ?st <{RDF}subject> {node} }} UNION {{ ?st <{RDF}object> {node} }}
            ?st <{RDF}subject> ?s ; <{RDF}predicate> ?p ; <{RDF}object> ?o ;
                kg:sentenceText ?text ; kg:startOffset ?a ; kg:endOffset ?b .
            OPTIONAL {{ ?st kg:confidence ?c }} OPTIONAL {{ ?st kg:extractor ?x }}
          }}
        }} LIMIT {MAX_ROWS}""")


def entity_page(snap: Snapshot, iri: str) -> EntityPage:
    """The records of the page of the entity ``iri`` (the caller checked it exists: :func:`is_known`)."""
    node = _iri(iri)
    rel_names = names_of_relations()
    type_names = names_of_types()
    own = snap.select(f"SELECT ?p ?o WHERE {{ {node} ?p ?o }} LIMIT {MAX_ROWS}")
    incoming = snap.select(f"SELECT ?s ?p WHERE {{ ?s ?p {node} FILTER(isIRI(?s)) }} LIMIT {MAX_ROWS}")
    truncated = len(own) >= MAX_ROWS or len(incoming) >= MAX_ROWS
    label, etype, aliases, date, end_date = None, None, [], None, None
    edges: dict[tuple[str, str, str], Link] = {}
    for p, o in own:
        pv = p.value
        if pv == RDFS + "label":
            label = o.value
        elif pv == SKOS + "altLabel":
            aliases.append(o.value)
        elif pv == RDF + "type" and _local(o.value):
            etype = _local(o.value)
        elif pv == KG_NAMESPACE + "date":
            date = o.value
        elif pv == KG_NAMESPACE + "endDate":
            end_date = o.value
        elif _local(pv) and isinstance(o, ox.NamedNode):
            edges.setdefault((_local(pv), "out", o.value), Link(o.value, o.value, None))
    for s, p in incoming:
        if _local(p.value):
            edges.setdefault((_local(p.value), "in", s.value), Link(s.value, s.value, None))
    posts = _posts(snap, node, etype)
    others = {k[2] for k in edges} | {x for p in posts for x in (p.person, p.org) if x}
    for e in _evidence_rows(snap, node):
        g, s, p, o, text, a, b, c, x = e
        pred = _local(p.value)
        if pred is None:
            continue
        key = (pred, "out", o.value) if s.value == iri else (pred, "in", s.value)
        link = edges.setdefault(key, Link(key[2], key[2], None))
        link.evidence.append(Evidence(g.value, doc_name(snap, g.value), text.value, int(a.value), int(b.value),
                                      c.value if c else "", x.value if x else ""))
    others |= {k[2] for k in edges}
    names = _labels(snap, others)
    for (pred, _, other), link in edges.items():
        link.label, link.type, link.date = names.get(other, (other, None, None))
        link.evidence.sort(key=lambda ev: (ev.doc_name, ev.start))
        link.evidence_total = len(link.evidence)
        del link.evidence[SHOWN_EVIDENCE:]
    for p in posts:
        p.person_label = names.get(p.person, (p.person,))[0] if p.person else None
        p.org_label = names.get(p.org, (p.org,))[0] if p.org else None
    groups: dict[tuple[str, str], Group] = {}
    for (pred, direction, _), link in sorted(edges.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[1].date or "",
                                                                            kv[1].label)):
        names_of = rel_names.get(pred, {})
        g = groups.setdefault((pred, direction), Group(pred, direction, names_of.get("zh", pred),
                                                       names_of.get("en", pred)))
        g.links.append(link)
    for g in groups.values():
        g.total = len(g.links)
        del g.links[SHOWN:]
    docs = sorted({r[0].value for r in snap.select(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {node} <http://www.w3.org/ns/prov#wasDerivedFrom> ?src }} }}")}
        | {ev.doc for link in edges.values() for ev in link.evidence})
    timeline = []
    if etype in ORG_TYPES:
        seen = set()
        for (pred, direction, other), link in edges.items():
            if link.type == "Event" and other not in seen:
                seen.add(other)
                timeline.append(link)
        timeline.sort(key=lambda l: (l.date is None, l.date or "", l.label))
    timeline_total = len(timeline)
    del timeline[SHOWN:]
    return EntityPage(iri, label or iri, etype, type_names.get(etype or "", {}).get("zh", etype or ""),
                      sorted(set(aliases)), date, end_date, list(groups.values()), posts,
                      [(d, doc_name(snap, d)) for d in docs], timeline,
                      _neighbourhood(iri, label or iri, etype, edges, rel_names), truncated, timeline_total)


def _posts(snap: Snapshot, node: str, etype: str | None) -> list[Post]:
    if etype == "Person":
        pattern = f"?m <{ORG}member> {node} . BIND({node} AS ?person) OPTIONAL {{ ?m <{ORG}organization> ?org }}"
    elif etype in ORG_TYPES:
        pattern = f"?m <{ORG}organization> {node} ; <{ORG}member> ?person . BIND({node} AS ?org)"
    else:
        return []
    rows = snap.select(f"""
        SELECT ?m ?title ?person ?org ?g ?a ?b WHERE {{
          {pattern}
          ?m <{ORG}role> ?r . ?r <{RDFS}label> ?title .
          OPTIONAL {{ GRAPH ?g {{ ?m <http://www.w3.org/ns/prov#qualifiedDerivation> ?d .
                                 ?d kg:startOffset ?a ; kg:endOffset ?b }} }}
        }} LIMIT {MAX_ROWS}""")
    posts: dict[str, Post] = {}
    for m, title, person, org, g, a, b in rows:
        p = posts.setdefault(m.value, Post(title.value, term(person), None, term(org), None))
        if g is not None:
            p.evidence.append(Evidence(g.value, doc_name(snap, g.value), "", int(a.value), int(b.value)))
    for p in posts.values():
        p.evidence.sort(key=lambda ev: (ev.doc_name, ev.start))
    return sorted(posts.values(), key=lambda p: (p.title, p.person or "", p.org or ""))


def term(t) -> str | None:
    return t.value if t is not None else None


def _neighbourhood(iri: str, label: str, etype: str | None, edges: dict, rel_names: dict) -> dict:
    """Nodes and edges of the entity and its nearest neighbours, for vis-network."""
    nodes = {iri: {"id": iri, "label": label, "type": etype or "", "centre": True}}
    out_edges = []
    for (pred, direction, other), link in edges.items():
        if other not in nodes:
            if len(nodes) > MAX_NEIGHBOURS:
                continue
            nodes[other] = {"id": other, "label": link.label, "type": link.type or ""}
        a, b = (iri, other) if direction == "out" else (other, iri)
        out_edges.append({"from": a, "to": b, "label": rel_names.get(pred, {}).get("zh", pred)})
    return {"nodes": list(nodes.values()), "edges": out_edges}
