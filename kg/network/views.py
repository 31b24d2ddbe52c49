"""Views of the knowledge graph that the measures work on: the simple undirected graph of the
entities, the entities of one kind, the neighbourhood of one.

>>> from kg.network.examples import example_network
>>> U = simple_view(example_network())
>>> U.number_of_nodes(), U.number_of_edges(), U["p/李华"]["o/中国某某协会"]["weight"]
(8, 8, 2)
>>> sorted(neighbourhood(example_network(), "p/李华", 1))
['o/中国某某协会', 'p/李华']
>>> B = best_connected(example_network(), 2)
>>> sorted(B), B.graph["nodes_total"]
(['e/质量论坛', 'o/中国某某协会'], 8)
"""

from __future__ import annotations

from typing import Iterable

import networkx as nx

from kg.records import ORGANIZATION_TYPES

__all__ = ["simple_view", "of_kind", "neighbourhood", "neighbour_counts", "joined_counts", "most_joined",
           "best_connected", "release"]


def simple_view(G: nx.MultiDiGraph) -> nx.Graph:
    """The undirected simple graph of the entities: an edge where any relation joins two of them.

    ``weight`` is the number of relations (either way) between the two; self-loops are dropped.
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


def of_kind(G: nx.Graph, kind: str | None) -> list:
    """Nodes of a type; ``"Organization"`` is any of :data:`kg.records.ORGANIZATION_TYPES`; None is every node."""
    if kind is None:
        return list(G)
    kinds = set(ORGANIZATION_TYPES) if kind == "Organization" else {kind}
    return [n for n, t in G.nodes(data="type") if t in kinds]


def neighbourhood(G: nx.MultiDiGraph, centre: str, hops: int = 1) -> nx.MultiDiGraph:
    """The subgraph of the nodes at most ``hops`` steps from ``centre``, edges taken either way."""
    if centre not in G:
        raise KeyError(centre)
    keep = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), centre, cutoff=hops)
    return G.subgraph(keep).copy()


def neighbour_counts(G: nx.MultiDiGraph) -> dict:
    """``{node: number of other nodes it is joined to}``, by a relation either way (the measure of
    :func:`best_connected`, and the page's node sizes)."""
    return joined_counts(G, G.edges())


def joined_counts(nodes: Iterable, pairs: Iterable[tuple]) -> dict:
    """:func:`neighbour_counts` of the graph of ``nodes`` whose edges join the ``pairs`` ``(u, v)`` (both
    among ``nodes``), without making that graph."""
    joined: dict = {n: set() for n in nodes}
    for u, v in pairs:
        if u != v:
            joined[u].add(v)
            joined[v].add(u)
    return {n: len(others) for n, others in joined.items()}


def most_joined(counts: dict, max_nodes: int) -> list:
    """The ``max_nodes`` nodes of ``counts`` (:func:`neighbour_counts`) joined to the most others, ties
    by node id (so the same graph keeps the same nodes): those :func:`best_connected` keeps."""
    return sorted(counts, key=lambda n: (-counts[n], str(n)))[:max_nodes]


def release(G: nx.Graph) -> None:
    """Empty ``G``, a graph made here and no longer needed, so that its nodes' and edges' data are freed
    at once: a networkx graph that was read through its views (``G.nodes``, ``G.edges``) is in a
    reference cycle with them, which only a garbage collection frees, and a large one is kept until
    then (the build pauses collections: a pass over a page's million objects takes seconds)."""
    G.clear()


def best_connected(G: nx.MultiDiGraph, max_nodes: int) -> nx.MultiDiGraph:
    """``G`` itself when it has at most ``max_nodes`` nodes, else the subgraph of the ``max_nodes``
    nodes with the most neighbours (:func:`neighbour_counts`; ties by node id, so the same graph keeps
    the same nodes), with ``graph["nodes_total"]`` and ``graph["edges_total"]`` the numbers in ``G``."""
    if len(G) <= max_nodes:
        return G
    H = G.subgraph(most_joined(neighbour_counts(G), max_nodes)).copy()
    H.graph.update(nodes_total=G.graph.get("nodes_total", len(G)),
                   edges_total=G.graph.get("edges_total", G.number_of_edges()))
    return H
