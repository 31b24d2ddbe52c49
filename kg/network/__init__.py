"""The knowledge graph as a networkx ``MultiDiGraph``, and the questions asked of it.

One concept a module, small functions that take the graph and return plain data (dicts and lists),
as networkx's own algorithms do; :mod:`kg.report` prints them for ``kg stats`` and ``kg path``:

- :mod:`~kg.network.load`: :func:`load_network` (a build folder, a graph file or an rdflib graph);
- :mod:`~kg.network.digests`: :class:`~kg.network.digests.DigestCache`, what a build keeps of each
  document's graph for the evidence of its page (:func:`load_network`'s ``graphs`` and ``digests``);
- :mod:`~kg.network.lookup`: :func:`find_node`, an entity by name (the rule of :mod:`kg.lookup`);
- :mod:`~kg.network.views`: :func:`simple_view`, :func:`neighbourhood`, :func:`best_connected`;
- :mod:`~kg.network.counts`, :mod:`~kg.network.centrality`, :mod:`~kg.network.communities`,
  :mod:`~kg.network.cohosts`, :mod:`~kg.network.paths` (:func:`connection`);
- :mod:`~kg.network.summary`: everything ``kg stats`` reports;
- :mod:`~kg.network.export`: GraphML and GEXF for Gephi.

>>> from kg.network.examples import example_network
>>> G = example_network()
>>> [p["nodes"] for p in connection(G, "李华", "赵强")]
[['李华', '中国某某协会', '质量论坛', '赵强']]
"""

from kg.lookup import AmbiguousName, NameNotFound
from kg.network.centrality import betweenness_sample_size, central
from kg.network.cohosts import cohosts
from kg.network.communities import communities
from kg.network.counts import counts
from kg.network.export import export_graph, flatten
from kg.network.load import load_network
from kg.network.lookup import find_node
from kg.network.paths import NoConnection, connection
from kg.network.summary import summary
from kg.network.views import best_connected, neighbour_counts, neighbourhood, simple_view

__all__ = ["load_network", "find_node", "simple_view", "neighbourhood", "best_connected", "neighbour_counts", "counts", "central", "betweenness_sample_size",
           "communities", "cohosts", "connection", "summary", "flatten", "export_graph", "NoConnection",
           "NameNotFound", "AmbiguousName"]
