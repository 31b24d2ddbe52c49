"""Groups of entities more linked among themselves than to the rest: Louvain communities.

>>> from kg.network.examples import example_network
>>> [(c["size"], c["members"]) for c in communities(example_network())]
[(4, ['质量论坛', '工业和信息化部', '标准化大会', '赵强']), (2, ['中国某某协会', '李华']), (2, ['王明', '某某省质量协会'])]
"""

from __future__ import annotations

from collections import Counter

import networkx as nx

from kg.network.counts import ranked
from kg.network.views import simple_view

__all__ = ["communities"]


def communities(G: nx.MultiDiGraph, *, seed: int = 0, min_size: int = 2, top: int = 5, resolution: float = 1.0,
                view: nx.Graph | None = None) -> list[dict]:
    """Groups of entities more linked among themselves than to the rest (Louvain, fixed ``seed``).

    networkx's ``louvain_communities`` on :func:`simple_view` (weighted by the number of relations).
    Each community is ``{size, members, top, types}``: ``members`` are labels, best linked first;
    ``top`` the ``top`` best linked as ``{node, label, type, degree}``; ``types`` counts per type.
    Largest first; communities smaller than ``min_size`` (isolated entities) are left out.
    """
    U = view if view is not None else simple_view(G)
    parts = nx.community.louvain_communities(U, weight="weight", resolution=resolution, seed=seed)
    out = []
    for part in parts:
        if len(part) < min_size:
            continue
        best = sorted(part, key=lambda n: (-U.degree(n), G.nodes[n].get("label", n), n))
        out.append({
            "size": len(part),
            "members": [G.nodes[n].get("label", n) for n in best],
            "top": [{"node": n, "label": G.nodes[n].get("label", n), "type": G.nodes[n].get("type"),
                     "degree": U.degree(n)} for n in best[:top]],
            "types": ranked(Counter(G.nodes[n].get("type") for n in part)),
        })
    out.sort(key=lambda c: (-c["size"], c["members"]))
    return out
