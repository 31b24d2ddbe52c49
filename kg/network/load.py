"""The knowledge graph as a networkx graph: entities as nodes, relations and posts as edges.

The view, the analytics and the exports all start here. It reads what ``kg build`` wrote
(``OUT/graph.trig``, with provenance; ``OUT/graph.ttl`` if there is no TriG, or first when provenance
is not needed: :func:`kg.rdf.graph_source`) or any rdflib graph, so it works on a build output
without the extraction pipeline. Everything is read into memory, unless only the first few evidence
items of each node and edge are asked for, or only the best-connected entities (``evidence=``,
``max_nodes=``: the facts, then the provenance a document's graph at a time, as the page reads it).

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

import hashlib
import itertools
import os
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple
from urllib.parse import unquote

import networkx as nx
from rdflib import Graph, Literal, URIRef

from kg.memory import collections_paused
from kg.ontology import local_name, relation_labels, type_labels
from kg.ontology.vocab import KG
from kg.rdf import ID, graph_source, id_namespace_of
from kg.rdf.files import prefix_lines
from kg.network.digests import DigestCache
from kg.network.facts import (_ALT, _CONFIDENCE, _DATE, _DERIVED, _END, _END_DATE, _ENTITY, _EXTRACTOR, _LABEL,
                              _MEMBER, _MEMBERSHIP, _OBJECT, _ORGANIZATION, _PREDICATE, _PROVENANCE, _QUALIFIED,
                              _ROLE, _SENTENCE, _START, _STATEMENT, _STATEMENT_TYPES, _SUBJECT, _TYPE, _XSD_STRING,
                              _Blank, _Index, _Lit, _add, _index_file, _quads, facts_index)
from kg.network.views import best_connected, joined_counts, most_joined

__all__ = ["load_network", "graph_digest", "facts_index"]

_KG = str(KG)
_SOURCE = str(ID["source/"])
_SKIP_TYPES = {"SourceFile"}




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



def _blocks(path: Path, keep: frozenset, types: frozenset, data: bytes | None = None):
    """The triples of ``path`` whose predicate is in ``keep`` (and the ``rdf:type`` ones whose class is in
    ``types``), an index for each run of quads in one graph (a document's graph in a build's
    ``graph.trig``), with the graph's name (None: the default graph). Memory holds one graph at a time.
    With ``data``, those of these bytes (graphs of ``path`` with its prefixes: :func:`_quads`).

    Every term is its value, a plain ``str`` (an IRI, a blank node's id or a literal's lexical form):
    what the provenance is read for needs no more, and that halves the time a triple takes here.
    """
    import pyoxigraph as ox

    kept = {ox.NamedNode(p): p for p in keep}
    typ, classes = ox.NamedNode(_TYPE), {ox.NamedNode(t) for t in types}
    spo: _Index = {}
    current = None
    for q in _quads(path, data):
        p = q.predicate
        o = q.object
        k = kept.get(p)
        if k is None:
            if p != typ or o not in classes:
                continue
            k = _TYPE
        g = q.graph_name
        if g != current:
            if spo:
                yield _graph_name(current), spo
            spo, current = {}, g
        _add(spo, q.subject.value, k, o.value)
    if spo:
        yield _graph_name(current), spo


def graph_digest(triples: Iterable[tuple], minted: str | None = None) -> _Digest:
    """What the page's evidence pass takes from one document's graph (its :class:`_Digest`, as
    :func:`_digests` makes it from the graph's bytes in ``graph.trig``), from its rdflib triples each
    once in the order of their lines in the file (:func:`kg.rdf.write.write_graphs` gives them as it
    writes the graph: ``kg build`` keeps the digests of the graphs it writes, and its page parses none
    of them). ``minted`` is the namespace the graph's IRIs were minted in (the file's ``id:``)."""
    keep, classes = _PROVENANCE, _STATEMENT_TYPES
    spo: _Index = {}
    for s, p, o in triples:
        p = str(p)
        if p not in keep:
            if p != _TYPE or str(o) not in classes:
                continue
        _add(spo, str(s), p, str(o))
    return _digest(_Triples(spo, minted))


def _graph_name(g) -> str | None:
    return getattr(g, "value", None)


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


def _source_prefix(minted: str | None) -> str:
    """``BASE/id/source/``: what the IRIs of source documents begin with, under the minted namespace
    ``minted`` of a graph file (:func:`kg.rdf.id_namespace_of`; None: the default one)."""
    return (minted or str(ID)) + "source/"


def _doc_id(source, prefix: str = _SOURCE) -> str:
    """A document's id from its source IRI (``prefix`` is ``BASE/id/source/``)."""
    s = str(source)
    return unquote(s[len(prefix):]) if s.startswith(prefix) else s


class _Triples:
    """A graph's triples (:data:`_Index`), asked as :func:`load_network` asks them."""

    _none: dict = {}

    def __init__(self, spo: _Index, minted: str | None):
        self.spo = spo
        self.source_prefix = _source_prefix(minted)
        self.typed = [(s, t) for s, po in spo.items() for t in po.get(_TYPE, ())]

    def objects(self, s, p) -> dict | tuple:
        return self.spo.get(s, self._none).get(p, self._none)

    def value(self, s, p):
        return next(iter(self.objects(s, p)), None)

    def label(self, s) -> str | None:
        """The ``@zh`` label of ``s`` (else any label)."""
        labels = self.objects(s, _LABEL)
        for o in labels:
            if isinstance(o, _Lit) and o[1] == "zh":
                return o[0]
        return str(next(iter(labels))) if labels else None

    def of_type(self, cls: str) -> list:
        return [s for s, t in self.typed if t == cls]

    def doc_id(self, iri) -> str:
        return _doc_id(iri, self.source_prefix)

    def evidence(self, node, sentence: bool = True) -> dict:
        """Where a statement (or a post's derivation) was read, as a plain dict."""
        return {"doc": self.doc_id(self.value(node, _DERIVED if sentence else _ENTITY) or ""),
                "sentence": str(self.value(node, _SENTENCE) or "") if sentence else "",
                "start": _int(self.value(node, _START)), "end": _int(self.value(node, _END)),
                "extractor": str(self.value(node, _EXTRACTOR) or ""), "confidence": _float(self.value(node, _CONFIDENCE))}


def load_network(source, ontology: str | os.PathLike | None = None, *, provenance: bool = True,
                 evidence: int | None = None, max_nodes: int | None = None, graphs: dict[str, list] | None = None,
                 digests: DigestCache | None = None, facts: _Index | None = None,
                 on_network: Callable[[nx.MultiDiGraph], None] | None = None) -> nx.MultiDiGraph:
    """A ``MultiDiGraph`` of the entities and the relations between them.

    ``source`` is a build folder, a ``.trig`` / ``.ttl`` file or an rdflib graph. Each relation
    is one edge however many documents state it; its ``evidence`` lists every statement of it.
    With ``provenance=False`` a build folder is read from its ``graph.ttl`` when there is one (the
    same entities and relations without their evidence and sources: a fraction of the triples).

    ``evidence=k`` keeps the first ``k`` items of each node's and each edge's ``evidence`` (in the
    order above) and puts how many there are in its ``evidence_total``; ``max_nodes=n`` keeps the
    ``n`` entities with the most neighbours (:func:`kg.network.views.best_connected`: the graph's
    ``nodes_total`` and ``edges_total`` say how many there were). A node's evidence is still every
    sentence about it, those that join it to an entity left out included. Either of them read a
    graph file in two passes whose memory does not grow with the evidence: the facts (``graph.ttl``
    when there is one, else the graph file without its provenance), then the provenance a document's
    graph at a time, keeping only the first ``k`` items of each node and edge kept and the number of
    the others (this relies on each document's statements being in one block of the file, as
    ``kg build`` writes them; a file where they are not is read whole, with the same result).

    That second pass can skip the parsing of the documents' graphs a build did not change:
    ``graphs`` is the index of the graph file :func:`kg.rdf.write.write_graph_files` fills in
    (``written``: each named graph's name -> ``[SHA-256 of its bytes, offset, length]``) and
    ``digests`` a :class:`kg.network.digests.DigestCache`, which keeps what the pass takes from each
    graph by that SHA-256: a graph found there is not read at all, the others are read from their
    bytes alone (in the file's order) and put there. The result is the same graph as without them
    (``kg build`` passes them, ``kg viz`` does not: the same page); an index that does not fit the
    file (another file's) is not used. ``graphs`` may also come as the file is written (an iterable
    of ``(name, entry)`` in the file's order that ends when the file is whole: what
    :func:`kg.rdf.write.write_graph_files` hands to ``on_written``): each graph's digest is taken
    as its entry comes. ``facts`` (:func:`facts_index`, made by the build that wrote
    ``source`` as it wrote its ``graph.ttl``) spares that pass the parsing of the facts; it is emptied
    once the network is made of it (its memory given back before the evidence is read).

    ``on_network`` is called with the graph once its nodes and edges are what they will be (what the
    evidence adds are attributes): where the evidence is read a graph at a time (``evidence`` or
    ``max_nodes``, from a file or a folder), before it is read, and with ``facts`` before the graph file
    is waited for and looked at, so a build's page lays the network out while ``graph.trig`` is still
    written; otherwise once the network is whole (on the way back from a file not in blocks, twice).
    """
    rel_names = relation_labels(ontology)
    if provenance and (evidence is not None or max_nodes is not None) and not isinstance(source, Graph):
        try:
            return _load_bounded(source, ontology, rel_names, evidence, max_nodes, graphs, digests, facts,
                                 on_network)
        except _NotInBlocks:
            if graphs is not None and not isinstance(graphs, dict):
                for _ in graphs:  # an index given as the file is written: the file is whole once it ends
                    pass
    G, _, _ = _make_network(_Triples(*_read(source, provenance)), type_labels(ontology), rel_names)
    for _, attrs in G.nodes(data=True):
        attrs["posts"].sort(key=lambda p: (p["title"], p["organization"] or ""))
        attrs["evidence"] = _dedupe(attrs["evidence"])
    if evidence is not None:
        for attrs in [a for _, a in G.nodes(data=True)] + [a for *_, a in G.edges(keys=True, data=True)]:
            attrs["evidence_total"] = len(attrs["evidence"])
            attrs["evidence"] = attrs["evidence"][:evidence]
    G = G if max_nodes is None else best_connected(G, max_nodes)
    if on_network is not None:
        on_network(G)
    return G


class _NotInBlocks(Exception):
    """A document's statements are not all in one block of the graph file."""


def _begun(entries: Iterable) -> Iterator:
    """``entries``, an index handed on as its file is written, once its first entry has come (the file
    has begun: its prefixes and the name of its first graph are there); the same entries, from the first."""
    it = iter(entries)
    first = next(it, None)
    return it if first is None else itertools.chain([first], it)


def _load_bounded(source, ontology, rel_names: dict, limit: int | None, max_nodes: int | None,
                  graphs: dict[str, list] | None = None, digests: DigestCache | None = None,
                  facts: _Index | None = None,
                  on_network: Callable[[nx.MultiDiGraph], None] | None = None) -> nx.MultiDiGraph:
    """:func:`load_network` with ``evidence`` or ``max_nodes``, from the facts and then one streaming
    pass over the provenance (see there). An index ``graphs`` given as the file is written is waited for
    (until its first graph is in the file: the file has begun) before the file is looked at; with
    ``facts``, only after the network is made of them and handed to ``on_network``."""
    def graph_file():
        """The index (waited for until the file has begun, if it comes as the file is written), the
        graph file and the namespace its IRIs were minted in."""
        index = _begun(graphs) if graphs is not None and not isinstance(graphs, dict) else graphs
        prov = graph_source(source, provenance=True)
        return index, prov, id_namespace_of(prov)

    if facts is None:
        graphs, prov, minted = graph_file()
        t = _Triples(_index_file(graph_source(source, provenance=False), skip=_PROVENANCE), minted)
    else:  # (the minted namespace only names the nodes' sources, which the evidence below gives)
        t = _Triples(facts, None)
    G, facts_edges, posts = _make_network(t, type_labels(ontology), rel_names, max_nodes)
    del t
    if facts is not None:
        facts.clear()  # the caller's references to it (the build's) hold nothing from here on
    if on_network is not None:
        on_network(G)
    if facts is not None:
        graphs, prov, minted = graph_file()
    acc = _Evidence(G, facts_edges, {m: e for e, m in posts.items()}, limit, minted)
    with collections_paused():  # the digests are many small containers and no cycle: no collection walks them
        for name, digest in _digests(prov, minted, graphs, digests):
            acc.merge(digest, name)
    acc.finish()
    for _, attrs in G.nodes(data=True):
        attrs["posts"].sort(key=lambda p: (p["title"], p["organization"] or ""))
    return G


def _make_network(t: _Triples, type_names: dict, rel_names: dict, max_nodes: int | None = None):
    """The network of the facts ``t`` (:func:`load_network` without evidence), the relations of all
    its entities ``(subject, predicate, object)`` and the post behind each post edge (``(person,
    body, key)``: membership).

    With ``max_nodes``, what :func:`kg.network.views.best_connected` keeps of it (the ``max_nodes``
    entities joined to the most others, counted over the whole network), made without the whole:
    the nodes left out are never made (a page of 10,000 documents keeps 10,000 of 99,000 entities)."""
    entities: dict[str, str] = {}  # entity -> its kind (the last of a node typed twice, as add_node leaves it)
    for s, cls in t.typed:
        kind = _entity_kind(s, cls)
        if kind is not None:
            entities[s] = kind
    relations = list(_relations(t, entities, rel_names))
    posts = list(_posts(t, entities))
    G = nx.MultiDiGraph()
    keep = None
    if max_nodes is not None and len(entities) > max_nodes:
        post_edges = {(person, org, _post_key(title)) for _, person, org, title in posts if org}
        counts = joined_counts(entities, [(u, v) for u, _, v in relations] + [(u, v) for u, v, _ in post_edges])
        keep = set(most_joined(counts, max_nodes))
        G.graph.update(nodes_total=len(entities), edges_total=len(relations) + len(post_edges))
    _add_entities(G, t, type_names, entities, keep)
    _add_relations(G, t, rel_names, relations)
    return G, set(relations), _add_posts(G, t, rel_names, posts)


def _entity_kind(s, cls) -> str | None:
    """The kind of entity ``s`` is by its type ``cls``: a ``kg:`` class (source files aside), else None."""
    if type(s) is not str or type(cls) is not str or not cls.startswith(_KG) or s.startswith(_KG):
        return None
    kind = local_name(cls)
    return None if kind in _SKIP_TYPES else kind


def _label(t: _Triples, s: str) -> str:
    return t.label(s) or local_name(s)


def _add_entities(G: nx.MultiDiGraph, t: _Triples, type_names: dict, entities: dict[str, str],
                  keep: set | None = None) -> None:
    """A node for each of the ``entities`` (entity -> kind; those in ``keep`` when given), with its names, dates, sources."""
    for s, kind in entities.items():
        if keep is not None and s not in keep:
            continue
        G.add_node(s, iri=s, label=_label(t, s),
                   type=kind, type_zh=type_names.get(kind, {}).get("zh", kind), aliases=[], date=None, end_date=None,
                   posts=[], sources=[], evidence=[])
    for n, attrs in G.nodes(data=True):
        attrs["aliases"] = sorted({str(a) for a in t.objects(n, _ALT)} - {attrs["label"]})
        d, e = t.value(n, _DATE), t.value(n, _END_DATE)
        attrs["date"] = str(d) if d is not None else None
        attrs["end_date"] = str(e) if e is not None else None
        attrs["sources"] = sorted({t.doc_id(o) for o in t.objects(n, _DERIVED)})


def _statement_evidence(t: _Triples) -> dict[tuple[str, str, str], list[dict]]:
    """The evidence of each relation stated in ``t`` (``rdf:Statement``), by (subject, predicate, object)."""
    evidence: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for st in t.of_type(_STATEMENT):
        s, p, o = t.value(st, _SUBJECT), t.value(st, _PREDICATE), t.value(st, _OBJECT)
        if s is not None and p is not None and o is not None:
            evidence[(str(s), local_name(p), str(o))].append(t.evidence(st))
    return evidence


def _node_items(u: str, key: str, v: str, ev: list[dict]):
    """``(node, item)`` for each end of the relation ``u key v`` and each of its evidence items."""
    for end, other, direction in ((u, v, "out"), (v, u, "in")):
        for e in ev:
            yield end, {**e, "predicate": key, "relations": [{"predicate": key, "other": other, "direction": direction}]}


def _relations(t: _Triples, entities: dict, rel_names: dict):
    """``(subject, predicate, object)`` of each relation (a predicate of ``rel_names``) between two ``entities``."""
    for s, po in t.spo.items():
        if type(s) is not str or s not in entities:
            continue
        for p, objs in po.items():
            key = local_name(p) if type(p) is str and p.startswith(_KG) else None
            if key not in rel_names:
                continue
            for o in objs:
                if type(o) is str and o and o in entities:
                    yield s, key, o


def _add_relations(G: nx.MultiDiGraph, t: _Triples, rel_names: dict, relations: list[tuple[str, str, str]]) -> None:
    """An edge for each of the ``relations`` between two nodes of ``G``, with the evidence of its statements (``rdf:Statement``)."""
    evidence = _statement_evidence(t)
    for u, key, v in relations:
        if u not in G or v not in G:
            continue
        ev = sorted(evidence.get((u, key, v), []), key=_evidence_order)
        confs = [e["confidence"] for e in ev if e["confidence"] is not None]
        G.add_edge(u, v, key=key, predicate=key, label_zh=rel_names[key]["zh"],
                   label_en=rel_names[key]["en"], confidence=max(confs) if confs else None, evidence=ev)
        for end, item in _node_items(u, key, v, ev):
            G.nodes[end]["evidence"].append(item)


def _posts(t: _Triples, entities: dict):
    """``(membership, person, body or None, title)`` of each post (``org:Membership``) of one of ``entities``."""
    for m in t.of_type(_MEMBERSHIP):
        person = t.value(m, _MEMBER)
        if type(person) is not str or person not in entities:
            continue
        org = t.value(m, _ORGANIZATION)
        if type(org) is not str or org not in entities:
            org = None
        role = t.value(m, _ROLE)
        yield m, person, org, (t.label(role) or "") if role is not None else ""


def _post_key(title: str) -> str:
    return f"memberOf:{title}"


def _add_posts(G: nx.MultiDiGraph, t: _Triples, rel_names: dict, posts: list[tuple]) -> dict[tuple, str]:
    """The ``posts`` of the people of ``G``: a node attribute of the person, and an edge when the body is
    a node too; the post whose evidence each edge has (``(person, body, key)``: membership)."""
    edges = {}
    for m, person, org, title in posts:
        if person not in G:
            continue
        post = {"title": title, "organization": _label(t, org) if org else None, "organization_iri": org}
        if post not in G.nodes[person]["posts"]:
            G.nodes[person]["posts"].append(post)
        if org and org in G:
            key = _post_key(title)
            G.add_edge(person, org, key=key, predicate="memberOf", label_zh=title,
                       label_en=f"{rel_names['memberOf']['en']} ({title})", confidence=None,
                       evidence=_post_evidence(t, m))
            edges[(person, org, key)] = m
    return edges


def _post_evidence(t: _Triples, m) -> list[dict]:
    """Where a post was read: its derivations (``prov:qualifiedDerivation``), else as older graphs say it."""
    ev = sorted((t.evidence(d, sentence=False) for d in t.objects(m, _QUALIFIED)), key=_evidence_order)
    return ev or _older_post_evidence(t, m)


class _Digest(NamedTuple):
    """What the evidence pass (:class:`_Evidence`) takes from one document's graph, whatever the graph
    it goes into: plain data, kept between builds by the SHA-256 of the graph's bytes
    (:class:`kg.network.digests.DigestCache`). Made by :func:`_digest`, merged by :meth:`_Evidence.merge`.

    Evidence items are ``(order key, item)`` pairs sorted by key, as :meth:`_Evidence.merge` keeps them.
    """

    derived: dict  # subject -> (object, ...) of its prov:wasDerivedFrom (IRIs, as written)
    statements: dict  # (subject, predicate name, object) -> (evidence, items, highest confidence or None, documents)
    nodes: dict  # node -> (the statements' keys above it is an end of, its items: :func:`_dedupe_keyed` of them all)
    qualified: dict  # subject -> items of its prov:qualifiedDerivation (a post's)
    offsets: dict  # subject -> {predicate: (object, ...)} of the offsets and extractors on it (older graphs' posts)


_OFFSETS = (_START, _END, _EXTRACTOR)
_EMPTY = _Digest({}, {}, {}, {}, {})


def _keyed(ev: list[dict]) -> list[tuple[tuple, dict]]:
    """``ev`` as ``(order key, item)`` pairs, sorted by key (:func:`_evidence_order`)."""
    return sorted(((_evidence_order(x), x) for x in ev), key=lambda x: x[0])


def _digest(t: _Triples) -> _Digest:
    """The :class:`_Digest` of a document's graph (a block of :func:`_blocks`). Equal strings are one
    object in it (pickled once: a sentence is in the items of each relation it states, at both ends)."""
    strings: dict[str, str] = {}
    one = strings.setdefault

    def shared(ev: list[dict]) -> list[dict]:
        for x in ev:
            x["doc"], x["sentence"], x["extractor"] = one(x["doc"], x["doc"]), one(x["sentence"], x["sentence"]), \
                one(x["extractor"], x["extractor"])
        return ev

    derived, qualified, offsets = {}, {}, {}
    for s, po in t.spo.items():
        objs = po.get(_DERIVED)
        if objs:
            derived[s] = tuple(one(o, o) for o in objs)
        objs = po.get(_QUALIFIED)
        if objs:
            qualified[s] = _keyed(shared([t.evidence(d, sentence=False) for d in objs]))
        own = {p: tuple(po[p]) for p in _OFFSETS if p in po}
        if own:
            offsets[s] = own
    statements, nodes = {}, {}
    evidence = {(one(u, u), key, one(v, v)): shared(ev) for (u, key, v), ev in _statement_evidence(t).items()}
    for (u, key, v), ev in evidence.items():
        confs = [x["confidence"] for x in ev if x["confidence"] is not None]
        statements[(u, key, v)] = (ev, _keyed(ev), max(confs) if confs else None, frozenset(x["doc"] for x in ev))
    node_items: dict[str, list] = defaultdict(list)
    node_keys: dict[str, list] = defaultdict(list)
    for (u, key, v), ev in evidence.items():
        for end, item in _node_items(u, key, v, ev):
            node_items[end].append(item)
        for end in (u, v) if u != v else (u,):
            node_keys[end].append((u, key, v))
    for n, items in node_items.items():
        nodes[n] = (tuple(node_keys[n]), _dedupe_keyed(items))
    return _Digest(derived, statements, nodes, qualified, offsets)


#: The bytes of the documents' graphs parsed at once when they are not in the cache (:func:`_digests`).
_CHUNK_BYTES = 8 << 20


def _digests(path: Path, minted: str | None, graphs: dict[str, list] | Iterable | None, cache: DigestCache | None):
    """``(graph name, digest)`` for each document's graph of ``path`` (:func:`_blocks`, the file's order):
    with the index ``graphs`` (see :func:`load_network`), the digests ``cache`` holds, the other
    graphs read from their bytes and their digests put there; without it, the whole file parsed.

    ``graphs`` may also be the index as the file is written (:func:`kg.rdf.write.write_graph_files`'s
    ``on_written``): ``(name, entry)`` pairs in the file's order, each once its bytes are in the file,
    the iteration ending when the file is whole. Each graph must follow the last, and the file end
    with the last one: else :class:`_NotInBlocks` (the caller reads the whole file instead)."""
    if graphs is not None and not isinstance(graphs, dict):
        yield from _indexed(path, minted, _contiguous(path, graphs), cache)
        return
    entries = sorted(graphs.items(), key=lambda kv: kv[1][1]) if graphs else []
    try:
        fits = bool(entries) and path.stat().st_size == entries[-1][1][1] + entries[-1][1][2]
    except OSError:
        fits = False
    if not fits:
        for name, spo in _blocks(path, _PROVENANCE, _STATEMENT_TYPES):
            yield name, _digest(_Triples(spo, minted))
        return
    yield from _indexed(path, minted, entries, cache)


def _contiguous(path: Path, entries: Iterable):
    """``entries`` (a streamed index of ``path``), checked: each graph after the last, the file ending with the last."""
    end = None
    for name, entry in entries:
        _, offset, length = entry
        if end is not None and offset != end:
            raise _NotInBlocks(name)
        end = offset + length
        yield name, entry
    if end is None or path.stat().st_size != end:
        raise _NotInBlocks(None)


def _indexed(path: Path, minted: str | None, entries: Iterable, cache: DigestCache | None):
    """:func:`_digests` of the index ``entries`` (``(name, [SHA-256, offset, length])`` in the file's order)."""
    with path.open("rb") as f:
        head = None
        missed: list[tuple[str, str, bytes]] = []  # (name, SHA-256, bytes) of graphs not in the cache, in order
        size = 0
        for name, (sha256, offset, length) in entries:
            found = cache.get(sha256, minted) if cache is not None else None
            if isinstance(found, _Digest):
                yield from _parsed(path, head, missed, minted, cache)
                missed, size = [], 0
                yield name, found
                continue
            if head is None:
                head = prefix_lines(f)
            f.seek(offset)
            missed.append((name, sha256, f.read(length)))
            size += length
            if size >= _CHUNK_BYTES:
                yield from _parsed(path, head, missed, minted, cache)
                missed, size = [], 0
        yield from _parsed(path, head, missed, minted, cache)


def _parsed(path: Path, head: bytes | None, missed: list[tuple[str, str, bytes]], minted: str | None,
            cache: DigestCache | None):
    """``(name, digest)`` of the graphs ``missed`` (their bytes parsed at once, behind the file's
    prefixes ``head``), each put in ``cache`` when its bytes are those of its SHA-256."""
    if not missed:
        return
    names = {name for name, _, _ in missed}
    found: dict[str | None, _Digest] = {}
    for name, spo in _blocks(path, _PROVENANCE, _STATEMENT_TYPES, data=head + b"".join(b for _, _, b in missed)):
        if name not in names or name in found:
            raise _NotInBlocks(name)  # not the graphs the index says: the whole file is read instead
        found[name] = _digest(_Triples(spo, minted))
    for name, sha256, data in missed:
        digest = found.get(name, _EMPTY)  # a graph with no provenance (the ontology's)
        if cache is not None and hashlib.sha256(data).hexdigest() == sha256:
            cache.put(sha256, minted, digest)
        yield name, digest


class _Evidence:
    """The first ``limit`` evidence items of the nodes and edges of ``G`` and their number, from the
    provenance read a block (:func:`_blocks`) at a time: what :func:`load_network` makes of all of it.

    ``facts_edges`` (``(subject, predicate, object)``) are the relations of the whole graph, those
    between entities left out of ``G`` too (a node's evidence is every statement of a relation
    between two entities), ``posts`` the membership behind each post edge of ``G``.
    """

    def __init__(self, G: nx.MultiDiGraph, facts_edges: set, posts: dict, limit: int | None,
                 minted: str | None = None):
        self.G, self.facts_edges, self.posts, self.limit = G, facts_edges, posts, limit
        self.minted = minted
        self.source_prefix = _source_prefix(minted)
        self.sources: dict[str, set] = {n: set() for n in G}
        self.node_top: dict[str, list] = {n: [] for n in G}  # [(key, item)], at most limit, smallest keys
        self.edge_top: dict[tuple, list] = {e: [] for e in G.edges(keys=True)}
        self.node_total = dict.fromkeys(G, 0)
        self.edge_total = dict.fromkeys(self.edge_top, 0)
        self.confidence: dict[tuple, float] = {}
        self.older: _Index = {}  # the posts' own provenance (older graphs)
        self.docs: set[str] = set()  # the documents of the blocks read

    def _keep(self, top: list, items: list) -> list:
        """The first ``limit`` of ``top`` and ``items`` (both sorted by key), equal keys in that order."""
        if not items or (self.limit is not None and len(top) >= self.limit
                         and (not top or not items[0][0] < top[-1][0])):
            return top  # nothing comes before the last kept
        top = sorted(top + items, key=lambda x: x[0])
        return top if self.limit is None else top[:self.limit]

    def merge(self, d: _Digest, graph: str | None) -> None:
        """Take in the evidence of one document's graph ``graph`` (its :class:`_Digest`)."""
        G, facts_edges = self.G, self.facts_edges
        prefix = self.source_prefix
        for n in d.derived.keys() & self.sources.keys():
            self.sources[n].update(_doc_id(o, prefix) for o in d.derived[n])
        docs = set()
        for (u, key, v), (_, items, confidence, stated_in) in d.statements.items():
            if (u, key, v) not in facts_edges:
                continue
            docs |= stated_in
            if G.has_edge(u, v, key):
                e = (u, v, key)
                self.edge_total[e] += len(items)
                self.edge_top[e] = self._keep(self.edge_top[e], items)
                if confidence is not None:
                    self.confidence[e] = max(confidence, self.confidence.get(e, confidence))
        if docs & self.docs:
            raise _NotInBlocks(graph)
        self.docs |= docs
        for n in d.nodes.keys() & self.node_top.keys():
            stated, groups = d.nodes[n]
            if not all(k in facts_edges for k in stated):  # relations of the graph not among the facts
                groups = _dedupe_keyed([item for u, key, v in stated if (u, key, v) in facts_edges
                                        for end, item in _node_items(u, key, v, d.statements[(u, key, v)][0]) if end == n])
            # one item per (document, sentence): a document's are all in this block
            self.node_total[n] += len(groups)
            self.node_top[n] = self._keep(self.node_top[n], groups)
        posts = self.posts.keys()
        for m in (d.derived.keys() & posts) | (d.qualified.keys() & posts) | (d.offsets.keys() & posts):
            e = self.posts[m]
            items = d.qualified.get(m, [])
            self.edge_total[e] += len(items)
            self.edge_top[e] = self._keep(self.edge_top[e], items)
            for p, objs in d.offsets.get(m, {}).items():
                for o in objs:
                    _add(self.older, m, p, o)
            for o in d.derived.get(m, ()):
                _add(self.older, m, _DERIVED, o)

    def finish(self) -> None:
        G = self.G
        for n, attrs in G.nodes(data=True):
            attrs["sources"] = sorted(self.sources[n])
            attrs["evidence"] = [x for _, x in self.node_top[n]]
            if self.limit is not None:
                attrs["evidence_total"] = self.node_total[n]
        older = _Triples(self.older, self.minted)
        by_edge = {e: m for m, e in self.posts.items()}
        for u, v, k, attrs in G.edges(keys=True, data=True):
            e = (u, v, k)
            attrs["evidence"] = [x for _, x in self.edge_top[e]]
            total = self.edge_total[e]
            if not attrs["evidence"] and e in by_edge:
                attrs["evidence"] = _older_post_evidence(older, by_edge[e])
                total = len(attrs["evidence"])
                attrs["evidence"] = attrs["evidence"][:self.limit]
            if attrs["predicate"] != "memberOf":
                attrs["confidence"] = self.confidence.get(e)
            if self.limit is not None:
                attrs["evidence_total"] = total


def _older_post_evidence(t: _Triples, m) -> list[dict]:
    """Older graphs put the offsets and extractors on the post itself, not tied to their documents:
    the first of each (the same whatever order the triples came in), for each document."""
    start = min((int(str(x)) for x in t.objects(m, _START)), default=None)
    end = min((int(str(x)) for x in t.objects(m, _END)), default=None)
    extractor = min((str(x) for x in t.objects(m, _EXTRACTOR)), default="")
    ev = [{"doc": t.doc_id(d), "sentence": "", "start": start, "end": end, "extractor": extractor, "confidence": None}
          for d in sorted(set(t.objects(m, _DERIVED)))]
    return sorted(ev, key=_evidence_order)


def _int(v) -> int | None:
    return int(str(v)) if v is not None else None


def _float(v) -> float | None:
    return float(str(v)) if v is not None else None


def _evidence_order(e: dict) -> tuple:
    """A total order of evidence items, so that the network does not depend on the order of the triples."""
    return (e["doc"], e["start"] or 0, e["extractor"], e["end"] or 0, e["sentence"], -(e["confidence"] or 0))


def _node_order(e: dict) -> tuple:
    """The order of a node's evidence items: by document, offset and sentence."""
    return (e["doc"], e["start"] or 0, e["sentence"], e["predicate"], *_evidence_order(e))


def _dedupe(items: list[dict]) -> list[dict]:
    """One item per (document, sentence), holding every relation the sentence states about the node,
    in the :func:`_node_order` of their first items."""
    return [e for _, e in _dedupe_keyed(items)]


def _dedupe_keyed(items: list[dict]) -> list[tuple[tuple, dict]]:
    """:func:`_dedupe`, each item with the :func:`_node_order` key of the first item of its sentence."""
    first: dict[tuple, tuple[tuple, dict]] = {}
    for key, e in sorted(((_node_order(e), e) for e in items), key=lambda x: x[0]):
        k = (e["doc"], e["sentence"])
        if k not in first:
            first[k] = (key, {**e, "relations": list(e["relations"])})
        else:
            rels = first[k][1]["relations"]
            rels.extend(r for r in e["relations"] if r not in rels)
    out = list(first.values())
    for _, e in out:
        e["relations"].sort(key=lambda r: (r["predicate"], r["other"], r["direction"]))
        e["predicate"] = e["relations"][0]["predicate"]
    return out


