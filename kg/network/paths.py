"""How two entities are connected: the shortest paths between them, each step with its relation and evidence.

Relations are followed either way on the simple view (:func:`kg.network.views.simple_view`); a step
says which way its relation goes.
"""

from __future__ import annotations

from itertools import islice

import networkx as nx

from kg.errors import Incomplete
from kg.network.lookup import find_node
from kg.network.views import simple_view
from kg.ontology.loader import MEMBER_OF

__all__ = ["connection", "NoConnection", "WEAK_HUBS"]

#: Entities that only link others weakly (two events in the same city): paths avoid them when they can.
WEAK_HUBS = {"Place"}


class NoConnection(Incomplete, LookupError):
    """No path between the two entities (within ``max_hops`` steps, when ``shortest`` is set)."""

    def __init__(self, a: str, b: str, max_hops: int | None, shortest: int | None = None):
        self.a, self.b, self.max_hops, self.shortest = a, b, max_hops, shortest
        if shortest is None:
            msg = f"{a} and {b} are not connected in the graph"
        else:
            msg = f"{a} and {b} are {shortest} steps apart, more than --max-hops {max_hops}"
        super().__init__(msg)


def connection(G: nx.MultiDiGraph, a: str, b: str, *, max_hops: int = 6, limit: int = 3,
               view: nx.Graph | None = None) -> list[dict]:
    """How two entities are connected: up to ``limit`` shortest paths, each step with its evidence.

    ``a`` and ``b`` are names or aliases (:func:`kg.network.lookup.find_node`). Relations are followed either way.
    A path is ``{length, nodes (labels), steps, found}`` (``found``: how many shortest paths there
    are, counting up to 200); a step is ``{from, from_type, to, to_type,
    relation, relation_zh, relation_en, direction, evidence, also}``: ``direction`` is
    ``"forward"`` when the relation goes from ``from`` to ``to`` (王明 讲话 论坛) and
    ``"backward"`` when it goes the other way; ``evidence`` is ``[{doc, sentence, start, end}]``;
    ``also`` lists the other relations between the same two entities. Paths through places (two
    events in one city) come after the others of the same length.
    Raises :class:`NoConnection` when there is no path of at most ``max_hops`` steps.

    >>> from kg.network.examples import example_network
    >>> [p] = connection(example_network(), "王明", "标准化大会")
    >>> [(s["from"], s["relation_zh"], s["direction"], s["to"]) for s in p["steps"]]
    [('王明', '发言', 'forward', '质量论坛'), ('质量论坛', '指导', 'backward', '工业和信息化部'), ('工业和信息化部', '主办', 'forward', '标准化大会')]
    >>> p["steps"][0]["evidence"]
    [{'doc': 'b.txt', 'sentence': '王明在质量论坛上发言。', 'start': 20, 'end': 31}]
    """
    u, v = find_node(G, a), find_node(G, b)
    la, lb = G.nodes[u].get("label", u), G.nodes[v].get("label", v)
    U = view if view is not None else simple_view(G)
    try:
        shortest = nx.shortest_path_length(U, u, v)
    except nx.NetworkXNoPath:
        raise NoConnection(la, lb, None) from None
    if shortest > max_hops:
        raise NoConnection(la, lb, max_hops, shortest)
    paths = list(islice(nx.all_shortest_paths(U, u, v), 200))

    def rank(path):
        weak = sum(G.nodes[n].get("type") in WEAK_HUBS for n in path[1:-1])
        return weak, -sum(U[x][y]["weight"] for x, y in zip(path, path[1:])), [G.nodes[n].get("label", n) for n in path]

    out = []
    for path in sorted(paths, key=rank)[:limit]:
        steps = [_step(G, x, y) for x, y in zip(path, path[1:])]
        out.append({"length": len(steps), "nodes": [G.nodes[n].get("label", n) for n in path], "steps": steps,
                    "found": len(paths)})
    return out


def _step(G: nx.MultiDiGraph, x: str, y: str) -> dict:
    rels = []
    for s, t, direction in ((x, y, "forward"), (y, x, "backward")):
        for key, d in (G.get_edge_data(s, t) or {}).items():
            pred = d.get("predicate", key)
            if pred == "memberOf":
                zh, en = f"{MEMBER_OF['zh']}（{d.get('label_zh', '')}）", d.get("label_en", pred)
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
