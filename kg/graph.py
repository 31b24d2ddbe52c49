"""Moved to :mod:`kg.rdf`; this module keeps the old import path for ``extract/``."""

from kg.rdf.graph import build_dataset, build_graph

__all__ = ["build_dataset", "build_graph"]
