"""How much the graph holds: entities per type, relations per predicate.

>>> from kg.network.examples import example_network
>>> c = counts(example_network())
>>> c["nodes"], c["edges"], c["types"]
(8, 9, {'Person': 3, 'Association': 2, 'Event': 2, 'GovernmentBody': 1})
>>> c["relations"]
{'memberOf': 4, 'hosted': 2, 'attended': 1, 'guided': 1, 'spokeAt': 1}
"""

from __future__ import annotations

from collections import Counter

import networkx as nx

__all__ = ["counts", "ranked"]


def counts(G: nx.MultiDiGraph) -> dict:
    """Entities per type and relations per predicate (most frequent first; a post is ``memberOf``)."""
    types = Counter(a.get("type", "") for _, a in G.nodes(data=True))
    rels = Counter(d.get("predicate", k) for _, _, k, d in G.edges(keys=True, data=True))
    return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
            "types": ranked(types), "relations": ranked(rels)}


def ranked(c: Counter) -> dict:
    """A counter as a dict, most frequent first, ties by key."""
    return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
