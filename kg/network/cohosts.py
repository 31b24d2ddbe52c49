"""Pairs of organizations that organized the same events.

>>> from kg.network.examples import example_network
>>> G = example_network()
>>> cohosts(G)
[]
>>> G.add_edge("o/某某省质量协会", "e/质量论坛", key="coHosted", predicate="coHosted")
'coHosted'
>>> [(r["a"], r["b"], r["events"]) for r in cohosts(G)]
[('中国某某协会', '某某省质量协会', 1)]
"""

from __future__ import annotations

import itertools
from collections import Counter

import networkx as nx

__all__ = ["cohosts"]


def cohosts(G: nx.MultiDiGraph, top: int | None = 10, predicates: tuple[str, ...] = ("hosted", "coHosted")) -> list[dict]:
    """Pairs of organizations that organized (主办 or 承办/协办) the same events, most events first.

    The whole-graph form of the stored query ``cohosts`` (which takes one organization: counting
    every pair in SPARQL takes seconds on a large store; here it is one pass over the events).
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
