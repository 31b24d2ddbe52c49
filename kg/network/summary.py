"""Everything ``kg stats`` reports, in one pass: counts, components, central entities, communities, cohosts."""

from __future__ import annotations

import networkx as nx

from kg.network.centrality import betweenness, betweenness_sample_size, central
from kg.network.cohosts import cohosts
from kg.network.communities import communities
from kg.network.counts import counts
from kg.network.views import simple_view
from kg.ontology.loader import MEMBER_OF

__all__ = ["summary"]


def summary(G: nx.MultiDiGraph, *, top: int = 10, seed: int = 0, n_communities: int = 5) -> dict:
    """Everything ``kg stats`` reports: counts, components, central organizations and people, communities.

    >>> from kg.network.examples import example_network
    >>> s = summary(example_network(), top=3)
    >>> s["components"], s["betweenness"]["sampled_sources"]
    ({'count': 1, 'largest': 8, 'isolated': 0}, None)
    >>> [r["label"] for r in s["central"]["Person"]["betweenness"]]
    ['王明', '李华', '赵强']
    """
    U = simple_view(G)
    comps = sorted((len(c) for c in nx.connected_components(U)), reverse=True)
    k = betweenness_sample_size(U.number_of_nodes(), U.number_of_edges())
    between = betweenness(U, seed)
    central_ = {kind: {m: central(G, kind, m, top, seed=seed, view=U, scores=between if m == "betweenness" else None)
                       for m in ("degree", "betweenness")} for kind in ("Organization", "Person")}
    comms = communities(G, seed=seed, view=U, top=top)
    names_t = {a.get("type"): a.get("type_zh", a.get("type")) for _, a in G.nodes(data=True)}
    names_r = {}
    for _, _, key, d in G.edges(keys=True, data=True):
        pred = d.get("predicate", key)
        if pred not in names_r:
            names_r[pred] = ([MEMBER_OF[x] for x in ("zh", "en")] if pred == "memberOf"
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
