"""The most central entities: by degree (distinct neighbours) and by betweenness (share of the
shortest paths between other entities that go through one), exact on small graphs, estimated from
a fixed-seed sample of sources on large ones.

>>> from kg.network.examples import example_network
>>> G = example_network()
>>> [r["label"] for r in central(G, "Organization", "degree", top=2)]
['中国某某协会', '工业和信息化部']
>>> [(r["label"], r["score"]) for r in central(G, "Person", "degree")]
[('王明', 3), ('李华', 1), ('赵强', 1)]
>>> [(r["label"], round(r["score"], 3)) for r in central(G, None, "betweenness", top=2)]
[('质量论坛', 0.667), ('中国某某协会', 0.286)]
"""

from __future__ import annotations

import networkx as nx

from kg.network.views import of_kind, simple_view

__all__ = ["central", "betweenness", "betweenness_sample_size", "BETWEENNESS_BUDGET", "BETWEENNESS_MIN_SAMPLE"]

#: Work allowed for betweenness, in sources x (entities + links): exact while a graph fits, else
#: estimated from as many sampled sources as fit (about 2 s of networkx on one core).
BETWEENNESS_BUDGET = 1_500_000
#: The fewest sources an estimate samples, however large the graph.
BETWEENNESS_MIN_SAMPLE = 32


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


def betweenness(U: nx.Graph, seed: int = 0) -> dict:
    """Normalized betweenness of every node of the simple view ``U`` (sampled sources on a large graph)."""
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
    """
    if measure not in ("degree", "betweenness"):
        raise ValueError(f"measure must be 'degree' or 'betweenness', not {measure!r}")
    U = view if view is not None else simple_view(G)
    if measure == "degree":
        scores = dict(U.degree())
    elif scores is None:
        scores = betweenness(U, seed)
    rows = [{"node": n, "label": G.nodes[n].get("label", n), "type": G.nodes[n].get("type"),
             "score": scores.get(n, 0), "degree": U.degree(n)} for n in of_kind(G, kind)]
    rows.sort(key=lambda r: (-r["score"], -r["degree"], r["label"], r["node"]))
    return rows[:top]
