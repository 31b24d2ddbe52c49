"""Graph analytics over :func:`kg.network.load_network`: counts, centrality, communities, paths, export.

Small functions on the ``MultiDiGraph`` of the knowledge graph that return plain dicts and lists,
in the manner of networkx's own algorithms. Structural measures (degree, betweenness,
communities, paths) work on :func:`simple_view`: the undirected simple graph of the entities, one
edge per pair of entities however many relations join them (``weight`` counts them).

>>> G = _example()
>>> counts(G)["types"]
{'Person': 3, 'Association': 2, 'Event': 2, 'GovernmentBody': 1}
>>> [r["label"] for r in central(G, "Organization", "degree", top=2)]
['中国某某协会', '工业和信息化部']
>>> [p["nodes"] for p in connection(G, "李华", "赵强")]
[['李华', '中国某某协会', '质量论坛', '赵强']]
"""

from __future__ import annotations

import difflib
import itertools
import io
import json
import re
from collections import Counter
from itertools import islice
from pathlib import Path

import networkx as nx

from kg.errors import BadUsage, Incomplete
from kg.network import GraphNotFound, find_nodes, load_network, relation_labels
from kg.store import GraphUnreadable

__all__ = [
    "load", "ORGANIZATION_TYPES", "simple_view", "counts", "central", "betweenness_sample_size", "communities",
    "resolve", "connection", "summary", "format_summary", "format_connection", "flatten", "export_graph",
    "GraphNotFound", "GraphUnreadable", "AnalyticsError", "NameNotFound", "AmbiguousName", "NoConnection",
]

#: The types that are kinds of ``kg:Organization``.
ORGANIZATION_TYPES = ("GovernmentBody", "Association", "Company", "ResearchInstitute")
#: Work allowed for betweenness, in sources x (entities + links): exact while a graph fits, else
#: estimated from as many sampled sources as fit (about 2 s of networkx on one core).
BETWEENNESS_BUDGET = 1_500_000
#: The fewest sources an estimate samples, however large the graph.
BETWEENNESS_MIN_SAMPLE = 32
#: Entities that only link others weakly (two events in the same city): paths avoid them when they can.
_WEAK_HUBS = {"Place"}


class AnalyticsError(LookupError):
    """A question about the graph that has no answer (unknown or ambiguous name, no connection)."""


class NameNotFound(BadUsage, AnalyticsError):
    """No entity has this name or alias, nor one containing it; ``suggestions`` are close names."""

    def __init__(self, name: str, suggestions: list[str]):
        self.name, self.suggestions = name, suggestions
        hint = f"; close matches: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"no entity named {name!r}{hint}")


class AmbiguousName(BadUsage, AnalyticsError):
    """Several entities have this name or contain it; ``candidates`` are ``{node, label, type}``."""

    def __init__(self, name: str, candidates: list[dict]):
        self.name, self.candidates = name, candidates
        shown = ", ".join(f"{c['label']} ({c['type']})" for c in candidates[:10])
        more = f" and {len(candidates) - 10} more" if len(candidates) > 10 else ""
        super().__init__(f"{name!r} names {len(candidates)} entities: {shown}{more}; give the full name")


class NoConnection(Incomplete, AnalyticsError):
    """No path between the two entities (within ``max_hops`` steps, when ``shortest`` is set)."""

    def __init__(self, a: str, b: str, max_hops: int | None, shortest: int | None = None):
        self.a, self.b, self.max_hops, self.shortest = a, b, max_hops, shortest
        if shortest is None:
            msg = f"{a} and {b} are not connected in the graph"
        else:
            msg = f"{a} and {b} are {shortest} steps apart, more than --max-hops {max_hops}"
        super().__init__(msg)


def load(source, *, provenance: bool = True, ontology=None) -> nx.MultiDiGraph:
    """:func:`kg.network.load_network` of a build folder or graph file, with a clear error if missing.

    With ``provenance=False`` a build folder is read from its ``graph.ttl`` (the same entities and
    relations without their evidence and sources: a fraction of the triples) when there is one.
    """
    path = Path(source)
    if path.is_dir() and not provenance and (path / "graph.ttl").is_file():
        path = path / "graph.ttl"
    return load_network(path, ontology)


# --- views and counts -----------------------------------------------------------------------------


def simple_view(G: nx.MultiDiGraph) -> nx.Graph:
    """The undirected simple graph of the entities: an edge where any relation joins two of them.

    ``weight`` is the number of relations (either way) between the two; self-loops are dropped.

    >>> U = simple_view(_example())
    >>> U.number_of_nodes(), U.number_of_edges(), U["p/李华"]["o/中国某某协会"]["weight"]
    (8, 8, 2)
    """
    U = nx.Graph()
    U.add_nodes_from(G)
    for u, v in G.edges():
        if u == v:
            continue
        if U.has_edge(u, v):
            U[u][v]["weight"] += 1
        else:
            U.add_edge(u, v, weight=1)
    return U


def counts(G: nx.MultiDiGraph) -> dict:
    """Entities per type and relations per predicate (most frequent first; a post is ``memberOf``).

    >>> c = counts(_example())
    >>> c["nodes"], c["edges"], c["relations"]
    (8, 9, {'memberOf': 4, 'hosted': 2, 'attended': 1, 'guided': 1, 'spokeAt': 1})
    """
    types = Counter(a.get("type", "") for _, a in G.nodes(data=True))
    rels = Counter(d.get("predicate", k) for _, _, k, d in G.edges(keys=True, data=True))
    return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
            "types": _ranked(types), "relations": _ranked(rels)}


def _ranked(c: Counter) -> dict:
    return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def _of_kind(G: nx.Graph, kind: str | None):
    """Nodes of a type; ``"Organization"`` is any of :data:`ORGANIZATION_TYPES`; None is every node."""
    if kind is None:
        return list(G)
    kinds = set(ORGANIZATION_TYPES) if kind == "Organization" else {kind}
    return [n for n, t in G.nodes(data="type") if t in kinds]


# --- centrality -----------------------------------------------------------------------------------


def betweenness_sample_size(n: int, m: int) -> int | None:
    """Sources :func:`central` samples for betweenness with ``n`` entities and ``m`` links (None: all).

    Brandes' algorithm walks the whole graph once per source; all ``n`` sources fit in
    :data:`BETWEENNESS_BUDGET` for a few hundred entities.

    >>> betweenness_sample_size(300, 400), betweenness_sample_size(10_000, 34_000)
    (None, 34)
    """
    per_source = n + m
    if n * per_source <= BETWEENNESS_BUDGET:
        return None
    return min(n, max(BETWEENNESS_MIN_SAMPLE, BETWEENNESS_BUDGET // per_source))


def _betweenness(U: nx.Graph, seed: int) -> dict:
    k = betweenness_sample_size(U.number_of_nodes(), U.number_of_edges())
    return nx.betweenness_centrality(U, k=k, seed=seed if k else None, normalized=True)


def central(G: nx.MultiDiGraph, kind: str | None = "Organization", measure: str = "degree", top: int = 10,
            *, seed: int = 0, view: nx.Graph | None = None, scores: dict | None = None) -> list[dict]:
    """The ``top`` entities of a ``kind`` by ``measure``, as ``{node, label, type, score, degree}``.

    ``kind`` is a type name, ``"Organization"`` (its four subtypes) or None (every entity).
    ``degree`` is the number of distinct entities linked to one; ``betweenness`` the share of
    shortest paths between other entities that go through it (networkx's normalized betweenness
    on :func:`simple_view`). In a large graph it is estimated from a sample of source entities
    drawn with ``seed`` (see :func:`betweenness_sample_size`).
    Ties are broken by degree, then label. ``view`` and ``scores`` reuse work already done.

    >>> G = _example()
    >>> [(r["label"], r["score"]) for r in central(G, "Person", "degree")]
    [('王明', 3), ('李华', 1), ('赵强', 1)]
    >>> [(r["label"], round(r["score"], 3)) for r in central(G, None, "betweenness", top=2)]
    [('质量论坛', 0.667), ('中国某某协会', 0.286)]
    """
    if measure not in ("degree", "betweenness"):
        raise ValueError(f"measure must be 'degree' or 'betweenness', not {measure!r}")
    U = view if view is not None else simple_view(G)
    if measure == "degree":
        scores = dict(U.degree())
    elif scores is None:
        scores = _betweenness(U, seed)
    rows = [{"node": n, "label": G.nodes[n].get("label", n), "type": G.nodes[n].get("type"),
             "score": scores.get(n, 0), "degree": U.degree(n)} for n in _of_kind(G, kind)]
    rows.sort(key=lambda r: (-r["score"], -r["degree"], r["label"], r["node"]))
    return rows[:top]


# --- communities ----------------------------------------------------------------------------------


def communities(G: nx.MultiDiGraph, *, seed: int = 0, min_size: int = 2, top: int = 5, resolution: float = 1.0,
                view: nx.Graph | None = None) -> list[dict]:
    """Groups of entities more linked among themselves than to the rest (Louvain, fixed ``seed``).

    networkx's ``louvain_communities`` on :func:`simple_view` (weighted by the number of relations).
    Each community is ``{size, members, top, types}``: ``members`` are labels, best linked first;
    ``top`` the ``top`` best linked as ``{node, label, type, degree}``; ``types`` counts per type.
    Largest first; communities smaller than ``min_size`` (isolated entities) are left out.

    >>> [(c["size"], c["members"]) for c in communities(_example())]
    [(4, ['质量论坛', '工业和信息化部', '标准化大会', '赵强']), (2, ['中国某某协会', '李华']), (2, ['王明', '某某省质量协会'])]
    """
    U = view if view is not None else simple_view(G)
    parts = nx.community.louvain_communities(U, weight="weight", resolution=resolution, seed=seed)
    out = []
    for part in parts:
        if len(part) < min_size:
            continue
        ranked = sorted(part, key=lambda n: (-U.degree(n), G.nodes[n].get("label", n), n))
        out.append({
            "size": len(part),
            "members": [G.nodes[n].get("label", n) for n in ranked],
            "top": [{"node": n, "label": G.nodes[n].get("label", n), "type": G.nodes[n].get("type"),
                     "degree": U.degree(n)} for n in ranked[:top]],
            "types": _ranked(Counter(G.nodes[n].get("type") for n in part)),
        })
    out.sort(key=lambda c: (-c["size"], c["members"]))
    return out


# --- paths ----------------------------------------------------------------------------------------


def resolve(G: nx.Graph, name: str) -> str:
    """The one node named ``name`` (IRI, label or alias; else the one label containing it).

    Raises :class:`NameNotFound` (with close names) or :class:`AmbiguousName` (with candidates).

    >>> G = _example()
    >>> resolve(G, "某某协会"), resolve(G, "赵")
    ('o/中国某某协会', 'p/赵强')
    >>> resolve(G, "协会")
    Traceback (most recent call last):
    ...
    kg.analytics.AmbiguousName: '协会' names 2 entities: 中国某某协会 (Association), 某某省质量协会 (Association); give the full name
    >>> resolve(G, "赵刚")
    Traceback (most recent call last):
    ...
    kg.analytics.NameNotFound: no entity named '赵刚'; close matches: 赵强
    """
    if name in G:
        return name
    found = find_nodes(G, name)
    if len(found) == 1:
        return found[0]
    if found:
        exact = [n for n in found if G.nodes[n].get("label") == name.strip()]
        if len(exact) == 1:  # the entity's own name wins over others' aliases
            return exact[0]
        raise AmbiguousName(name, [{"node": n, "label": G.nodes[n].get("label", n), "type": G.nodes[n].get("type")}
                                   for n in found])
    names = {}
    for n, a in G.nodes(data=True):
        for x in [a.get("label", "")] + list(a.get("aliases", ())):
            names.setdefault(x, a.get("label", n))
    close = difflib.get_close_matches(name.strip(), list(names), n=5, cutoff=0.5)
    raise NameNotFound(name, list(dict.fromkeys(names[c] for c in close)))


def connection(G: nx.MultiDiGraph, a: str, b: str, *, max_hops: int = 6, limit: int = 3,
               view: nx.Graph | None = None) -> list[dict]:
    """How two entities are connected: up to ``limit`` shortest paths, each step with its evidence.

    ``a`` and ``b`` are names or aliases (see :func:`resolve`). Relations are followed either way.
    A path is ``{length, nodes (labels), steps, found}`` (``found``: how many shortest paths there
    are, counting up to 200); a step is ``{from, from_type, to, to_type,
    relation, relation_zh, relation_en, direction, evidence, also}``: ``direction`` is
    ``"forward"`` when the relation goes from ``from`` to ``to`` (王明 讲话 论坛) and
    ``"backward"`` when it goes the other way; ``evidence`` is ``[{doc, sentence, start, end}]``;
    ``also`` lists the other relations between the same two entities. Paths through places (two
    events in one city) come after the others of the same length.
    Raises :class:`NoConnection` when there is no path of at most ``max_hops`` steps.

    >>> [p] = connection(_example(), "王明", "标准化大会")
    >>> [(s["from"], s["relation_zh"], s["direction"], s["to"]) for s in p["steps"]]
    [('王明', '发言', 'forward', '质量论坛'), ('质量论坛', '指导', 'backward', '工业和信息化部'), ('工业和信息化部', '主办', 'forward', '标准化大会')]
    >>> p["steps"][0]["evidence"]
    [{'doc': 'b.txt', 'sentence': '王明在质量论坛上发言。', 'start': 20, 'end': 31}]
    """
    u, v = resolve(G, a), resolve(G, b)
    la, lb = G.nodes[u].get("label", u), G.nodes[v].get("label", v)
    U = view if view is not None else simple_view(G)
    try:
        shortest = nx.shortest_path_length(U, u, v)
    except nx.NetworkXNoPath:
        raise NoConnection(la, lb, None) from None
    if shortest > max_hops:
        raise NoConnection(la, lb, max_hops, shortest)
    names = relation_labels()
    paths = list(islice(nx.all_shortest_paths(U, u, v), 200))

    def rank(path):
        weak = sum(G.nodes[n].get("type") in _WEAK_HUBS for n in path[1:-1])
        return weak, -sum(U[x][y]["weight"] for x, y in zip(path, path[1:])), [G.nodes[n].get("label", n) for n in path]

    out = []
    for path in sorted(paths, key=rank)[:limit]:
        steps = [_step(G, x, y, names) for x, y in zip(path, path[1:])]
        out.append({"length": len(steps), "nodes": [G.nodes[n].get("label", n) for n in path], "steps": steps,
                    "found": len(paths)})
    return out


def _step(G: nx.MultiDiGraph, x: str, y: str, names: dict) -> dict:
    rels = []
    for s, t, direction in ((x, y, "forward"), (y, x, "backward")):
        for key, d in (G.get_edge_data(s, t) or {}).items():
            pred = d.get("predicate", key)
            if pred == "memberOf":
                zh, en = f"{names['memberOf']['zh']}（{d.get('label_zh', '')}）", d.get("label_en", pred)
            else:
                zh, en = d.get("label_zh", pred), d.get("label_en", pred)
            ev = [{"doc": e.get("doc"), "sentence": e.get("sentence") or _sentence_at(G, s, t, e),
                   "start": e.get("start"), "end": e.get("end")} for e in d.get("evidence", ())]
            rels.append({"relation": pred, "relation_zh": zh, "relation_en": en, "direction": direction,
                         "confidence": d.get("confidence"), "evidence": ev})
    rels.sort(key=lambda r: (not any(e["sentence"] for e in r["evidence"]), -(r["confidence"] or 0),
                             r["relation"], r["direction"]))
    first = rels[0]
    return {"from": G.nodes[x].get("label", x), "from_type": G.nodes[x].get("type"),
            "to": G.nodes[y].get("label", y), "to_type": G.nodes[y].get("type"), **first, "also": rels[1:]}


def _sentence_at(G: nx.MultiDiGraph, s: str, t: str, e: dict) -> str:
    """A post's evidence keeps offsets but no sentence: borrow one of its entities' sentences there."""
    if e.get("start") is None:
        return ""
    for n in (s, t):
        for other in G.nodes[n].get("evidence", ()):
            if (other.get("doc") == e.get("doc") and other.get("sentence") and other.get("start") is not None
                    and other["start"] <= e["start"] < (other.get("end") or other["start"])):
                return other["sentence"]
    return ""


def cohosts(G: nx.MultiDiGraph, top: int | None = 10, predicates: tuple[str, ...] = ("hosted", "coHosted")) -> list[dict]:
    """Pairs of organizations that organized (主办 or 承办/协办) the same events, most events first.

    The whole-graph form of the stored query ``cohosts`` (which takes one organization: counting
    every pair in SPARQL takes seconds on a large store; here it is one pass over the events).

    >>> G = _example()
    >>> cohosts(G)
    []
    >>> G.add_edge("o/某某省质量协会", "e/质量论坛", key="coHosted", predicate="coHosted")
    'coHosted'
    >>> [(r["a"], r["b"], r["events"]) for r in cohosts(G)]
    [('中国某某协会', '某某省质量协会', 1)]
    """
    hosts: dict[str, set[str]] = {}
    for u, v, key, d in G.edges(keys=True, data=True):
        if d.get("predicate", key) in predicates:
            hosts.setdefault(v, set()).add(u)
    pairs: Counter = Counter()
    for orgs in hosts.values():
        for a, b in itertools.combinations(sorted(orgs), 2):
            pairs[(a, b)] += 1
    rows = []
    for pair, n in pairs.items():
        (la, a), (lb, b) = sorted((G.nodes[x].get("label", x), x) for x in pair)  # each pair by name
        rows.append({"a": la, "b": lb, "events": n, "a_node": a, "b_node": b})
    rows.sort(key=lambda r: (-r["events"], r["a"], r["b"]))
    return rows[:top] if top else rows


# --- summary --------------------------------------------------------------------------------------


def summary(G: nx.MultiDiGraph, *, top: int = 10, seed: int = 0, n_communities: int = 5) -> dict:
    """Everything ``kg stats`` reports: counts, components, central organizations and people, communities.

    >>> s = summary(_example(), top=3)
    >>> s["components"], s["betweenness"]["sampled_sources"]
    ({'count': 1, 'largest': 8, 'isolated': 0}, None)
    >>> [r["label"] for r in s["central"]["Person"]["betweenness"]]
    ['王明', '李华', '赵强']
    """
    U = simple_view(G)
    comps = sorted((len(c) for c in nx.connected_components(U)), reverse=True)
    k = betweenness_sample_size(U.number_of_nodes(), U.number_of_edges())
    between = _betweenness(U, seed)
    central_ = {kind: {m: central(G, kind, m, top, seed=seed, view=U, scores=between if m == "betweenness" else None)
                       for m in ("degree", "betweenness")} for kind in ("Organization", "Person")}
    comms = communities(G, seed=seed, view=U, top=top)
    names_t = {a.get("type"): a.get("type_zh", a.get("type")) for _, a in G.nodes(data=True)}
    names_r = {}
    for _, _, key, d in G.edges(keys=True, data=True):
        pred = d.get("predicate", key)
        if pred not in names_r:
            names_r[pred] = ([relation_labels()["memberOf"][x] for x in ("zh", "en")] if pred == "memberOf"
                             else [d.get("label_zh", pred), d.get("label_en", pred)])
    return {
        "counts": counts(G),
        "names": {"types": names_t, "relations": names_r},
        "components": {"count": len(comps), "largest": comps[0] if comps else 0,
                       "isolated": sum(1 for c in comps if c == 1)},
        "central": central_,
        "betweenness": {"exact": k is None, "sampled_sources": k, "seed": seed, "entities": U.number_of_nodes()},
        "communities": {"method": f"Louvain, networkx, seed {seed}", "count": len(comms),
                        "largest": comms[:n_communities]},
        "cohosts": cohosts(G, top),
    }


def _width(s: str) -> int:
    from kg.query import display_width  # the tables of kg query count columns the same way

    return display_width(s)


def _fit(s: str, width: int) -> str:
    """``s`` cut to ``width`` terminal columns (CJK characters take two) and padded to it."""
    if _width(s) > width:
        out = ""
        for c in s:
            if _width(out + c) > width - 1:
                break
            out += c
        s = out + "…"
    return s + " " * (width - _width(s))


_WIDTH = 100  # columns of the text reports


def _wrap(items: list[str], indent: str = "  ") -> list[str]:
    lines, line = [], indent
    for item in items:
        if line.strip() and _width(line) + 2 + _width(item) > _WIDTH:
            lines.append(line)
            line = indent
        line += ("  " if line.strip() else "") + item
    return lines + ([line] if line.strip() else [])


def format_summary(s: dict) -> str:
    """The text report of ``kg stats``: one screen for the default ``--top 10``."""
    c, names = s["counts"], s["names"]
    lines = [f"实体 entities: {c['nodes']}   关系 relations: {c['edges']}   "
             f"连通分量 components: {s['components']['count']} (largest {s['components']['largest']}, "
             f"{s['components']['isolated']} isolated)"]
    lines += _wrap([f"{names['types'].get(t, t)} {t} {n}" for t, n in c["types"].items()])
    lines += _wrap([f"{names['relations'].get(p, [p, p])[0]} {p} {n}" for p, n in c["relations"].items()])
    b = s["betweenness"]
    how = ("exact" if b["exact"] else
           f"estimated from {b['sampled_sources']} of {b['entities']} sources, seed {b['seed']}")
    col = 34
    for kind, title in (("Organization", "机构 organizations"), ("Person", "人物 people")):
        deg, btw = s["central"][kind]["degree"], s["central"][kind]["betweenness"]
        w = max([3] + [len(str(r["score"])) for r in deg])
        lines.append("")
        lines.append(_fit(f"{title} by degree", col + w + 6) + f"by betweenness ({how})")
        if not deg:
            lines.append("  (none)")
        for i in range(max(len(deg), len(btw))):
            left = (f"{i + 1:>3} {_fit(deg[i]['label'], col)}{deg[i]['score']:>{w}}" if i < len(deg)
                    else " " * (col + w + 4))
            right = f"{i + 1:>3} {_fit(btw[i]['label'], col)}{btw[i]['score']:.3f}" if i < len(btw) else ""
            lines.append(f"{left}  {right}".rstrip())
    if s.get("cohosts"):
        lines.append("")
        lines.append("共同主办 organizations that organized events together (events):")
        lines += _wrap([f"{r['a']} + {r['b']} {r['events']}" for r in s["cohosts"]])
    cm = s["communities"]
    lines.append("")
    lines.append(f"社区 communities: {cm['count']} of 2+ entities ({cm['method']}); largest:")
    for i, com in enumerate(cm["largest"], 1):
        kinds = ", ".join(f"{t} {n}" for t, n in list(com["types"].items())[:3])
        lines.append(f"{i:>3} {com['size']:>5} entities ({kinds})")
        lines.append("      " + _fit("、".join(com["members"][:12]), _WIDTH - 6).rstrip())
    return "\n".join(lines)


def format_connection(paths: list[dict], max_evidence: int = 2) -> str:
    """The text of ``kg path``: each step with its relation in Chinese and English and its evidence."""
    lines = []
    for i, p in enumerate(paths, 1):
        found = p.get("found", len(paths))
        head = f"path {i} of {found}{'+' if found >= 200 else ''}: " if found > 1 else ""
        lines.append(f"{head}{p['nodes'][0]} → {p['nodes'][-1]}: {p['length']} step(s)")
        for j, st in enumerate(p["steps"], 1):
            rel = f"{st['relation_zh']} {st['relation_en']}"
            arrow = f"—[{rel}]→" if st["direction"] == "forward" else f"←[{rel}]—"
            lines.append(f"  {j}. {st['from']} ({st['from_type']}) {arrow} {st['to']} ({st['to_type']})")
            if not st["evidence"]:
                lines.append("       (no evidence recorded)")
            for e in st["evidence"][:max_evidence]:
                where = f"{e['doc']} [{e['start']}–{e['end']}]" if e["start"] is not None else e["doc"]
                lines.append(f"       {where}: {e['sentence'] or '(no sentence recorded)'}")
            if len(st["evidence"]) > max_evidence:
                lines.append(f"       (+{len(st['evidence']) - max_evidence} more)")
            for r in st["also"]:
                arrow = "→" if r["direction"] == "forward" else "←"
                lines.append(f"       also {arrow} {r['relation_zh']} {r['relation_en']} ({len(r['evidence'])} evidence)")
        if i < len(paths):
            lines.append("")
    return "\n".join(lines)


# --- export ---------------------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FORMATS = ("graphml", "gexf")


def _scalar(v):
    return _XML_BAD.sub("", v) if isinstance(v, str) else v


def _flat_node(a: dict) -> dict:
    out = {"label": a.get("label"), "type": a.get("type"), "type_zh": a.get("type_zh"), "iri": a.get("iri"),
           "aliases": "|".join(a.get("aliases", ())), "date": a.get("date"), "end_date": a.get("end_date"),
           "posts": json.dumps(a.get("posts", []), ensure_ascii=False) if a.get("posts") else None,
           "n_posts": len(a.get("posts", ())), "sources": "|".join(a.get("sources", ())),
           "n_sources": len(a.get("sources", ())), "n_evidence": len(a.get("evidence", ()))}
    return {k: _scalar(v) for k, v in out.items() if v not in (None, "")}


def _flat_edge(key, d: dict) -> dict:
    ev = [{k: e.get(k) for k in ("doc", "sentence", "start", "end", "extractor", "confidence")}
          for e in d.get("evidence", ())]
    out = {"label": d.get("label_zh"), "predicate": d.get("predicate", key), "relation": str(key),
           "label_zh": d.get("label_zh"), "label_en": d.get("label_en"), "confidence": d.get("confidence"),
           "n_evidence": len(ev), "evidence": json.dumps(ev, ensure_ascii=False) if ev else None}
    return {k: _scalar(v) for k, v in out.items() if v not in (None, "")}


def flatten(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``G`` with only scalar attributes, as GraphML and GEXF require.

    Aliases and sources are joined with ``|``; posts and edge evidence become JSON strings
    (with ``n_posts`` / ``n_evidence`` counts); node evidence only its count; None is dropped.
    An edge keeps its key as ``relation`` and its Chinese name as ``label`` (shown by Gephi).

    >>> F = flatten(_example())
    >>> F.nodes["p/李华"]["posts"], F.nodes["p/李华"]["n_posts"]
    ('[{"title": "会长", "organization": "中国某某协会", "organization_iri": "o/中国某某协会"}]', 1)
    >>> e = F.edges["p/李华", "o/中国某某协会", "memberOf:会长"]
    >>> e["label"], e["predicate"], e["n_evidence"], json.loads(e["evidence"])[0]["sentence"]
    ('会长', 'memberOf', 1, '中国某某协会会长李华致辞。')
    >>> "confidence" in e  # None is dropped
    False
    """
    F = nx.MultiDiGraph()
    for n, a in G.nodes(data=True):
        F.add_node(n, **_flat_node(a))
    for u, v, k, d in G.edges(keys=True, data=True):
        F.add_edge(u, v, key=k, **_flat_edge(k, d))
    return F


def export_graph(G: nx.MultiDiGraph, path, format: str | None = None) -> Path:
    """Write ``G`` as GraphML or GEXF (Gephi opens both); ``format`` defaults to the file's suffix.

    Attributes are flattened (:func:`flatten`); the file is written to a temporary file and renamed.
    """
    from kg.graph import write_atomic

    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"{path}: unknown export format {fmt!r} (use .graphml or .gexf, or --format)")
    F = flatten(G)
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(F, buf, encoding="utf-8", named_key_ids=True)
    else:
        nx.write_gexf(F, buf, encoding="utf-8")
    write_atomic(path, buf.getvalue())
    return path


# --- the doctests' graph --------------------------------------------------------------------------


def _example() -> nx.MultiDiGraph:
    """Eight entities: an association with its people, a forum, a ministry and a second event."""
    G = nx.MultiDiGraph()

    zh = {"Person": "人物", "Association": "社会团体", "GovernmentBody": "政府机构", "Event": "事件"}

    def node(n, label, t, **kw):
        G.add_node(n, iri=n, label=label, type=t, type_zh=zh[t], aliases=kw.get("aliases", []), date=None,
                   end_date=None, posts=kw.get("posts", []), sources=["a.txt"], evidence=[])

    def edge(u, v, key, zh, sentence, doc="a.txt", start=0):
        ev = [{"doc": doc, "sentence": sentence, "start": start, "end": start + len(sentence),
               "extractor": "test", "confidence": 0.8}]
        if key.startswith("memberOf:"):
            G.add_edge(u, v, key=key, predicate="memberOf", label_zh=zh, label_en=f"holds a post in ({zh})",
                       confidence=None, evidence=ev)
        else:
            G.add_edge(u, v, key=key, predicate=key, label_zh=zh, label_en=key, confidence=0.8, evidence=ev)

    node("o/中国某某协会", "中国某某协会", "Association", aliases=["某某协会"])
    node("o/某某省质量协会", "某某省质量协会", "Association")
    node("o/工业和信息化部", "工业和信息化部", "GovernmentBody", aliases=["工信部"])
    node("p/李华", "李华", "Person", posts=[{"title": "会长", "organization": "中国某某协会",
                                            "organization_iri": "o/中国某某协会"}])
    node("p/王明", "王明", "Person")
    node("p/赵强", "赵强", "Person")
    node("e/质量论坛", "质量论坛", "Event")
    node("e/标准化大会", "标准化大会", "Event")
    edge("p/李华", "o/中国某某协会", "memberOf:会长", "会长", "中国某某协会会长李华致辞。")
    edge("p/李华", "o/中国某某协会", "memberOf:党委书记", "党委书记", "中国某某协会党委书记李华。", start=20)
    edge("p/王明", "o/某某省质量协会", "memberOf:秘书长", "秘书长", "某某省质量协会秘书长王明。")
    edge("p/王明", "o/中国某某协会", "memberOf:理事", "理事", "王明任中国某某协会理事。", start=40)
    edge("o/中国某某协会", "e/质量论坛", "hosted", "主办", "中国某某协会主办质量论坛。", doc="b.txt")
    edge("p/王明", "e/质量论坛", "spokeAt", "发言", "王明在质量论坛上发言。", doc="b.txt", start=20)
    G.add_edge("o/工业和信息化部", "e/质量论坛", key="guided", predicate="guided", label_zh="指导",
               label_en="guided", confidence=None, evidence=[])
    edge("o/工业和信息化部", "e/标准化大会", "hosted", "主办", "工信部主办标准化大会。", doc="c.txt")
    edge("p/赵强", "e/质量论坛", "attended", "出席", "赵强出席质量论坛。", doc="b.txt", start=40)
    return G
