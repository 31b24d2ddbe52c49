"""The RDF stage: the resolved corpus as a graph in the contract vocabulary, and its files.

- :mod:`kg.rdf.iris`: the IRIs a build mints (base IRI, entities, sources);
- :mod:`kg.rdf.graph`: :func:`build_graph` (facts, ``graph.ttl``) and :func:`build_dataset`
  (a named graph per document with the provenance of every fact, ``graph.trig``);
- :mod:`kg.rdf.serialize`: deterministic Turtle and TriG, :func:`read_dataset`;
- :mod:`kg.rdf.files`: which graph file of a build folder to read (:func:`graph_file`) and its errors;
- :mod:`kg.rdf.shacl`: :func:`validate` against ``ontology/shapes.ttl``.
"""

from kg.rdf.files import (GraphError, GraphNotFoundError, GraphUnreadable, graph_file, graph_source,
                          id_namespace_of)
from kg.rdf.graph import build_dataset, build_graph
from kg.rdf.iris import DEFAULT_BASE_IRI, ID, ORG, base_iri_problem, entity_iri, id_namespace, source_iri
from kg.rdf.serialize import read_dataset, serialize_trig, serialize_turtle

__all__ = ["GraphError", "GraphNotFoundError", "GraphUnreadable", "graph_file", "graph_source", "id_namespace_of",
           "build_dataset", "build_graph", "DEFAULT_BASE_IRI", "ID", "ORG", "base_iri_problem", "entity_iri",
           "id_namespace", "source_iri", "read_dataset", "serialize_trig", "serialize_turtle"]
