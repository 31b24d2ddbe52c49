"""Finding an entity of the networkx graph by name, by the one rule of :mod:`kg.lookup`.

>>> from kg.network.examples import example_network
>>> G = example_network()
>>> find_node(G, "工信部"), find_node(G, "标准化")
('o/工业和信息化部', 'e/标准化大会')
>>> find_node(G, "质量")
Traceback (most recent call last):
...
kg.lookup.AmbiguousName: '质量' names 2 entities: 质量论坛 (Event), 某某省质量协会 (Association); give the full name
"""

from __future__ import annotations

import networkx as nx

from kg.lookup import Candidate, ListedNames, find_entity

__all__ = ["find_node", "names_of"]


def names_of(G: nx.Graph) -> ListedNames:
    """The names of every node of ``G`` (label and aliases), as :func:`kg.lookup.find_entity` asks them."""
    return ListedNames(Candidate(n, a.get("label", str(n)), a.get("type"), tuple(a.get("aliases", ())))
                       for n, a in G.nodes(data=True))


def find_node(G: nx.Graph, name: str) -> str:
    """The node ``name`` stands for: a node itself (its IRI), else by :func:`kg.lookup.find_entity`.

    Raises :class:`kg.lookup.NameNotFound` (with close names) or :class:`kg.lookup.AmbiguousName`.
    """
    if name in G:
        return name
    return find_entity(names_of(G), name).node
