"""Moved: the relations' signatures are :mod:`kg.ontology.kinds` (read from ``kg.ttl``), resolution is
:mod:`kg.resolve.relations`. This module keeps the old import path for ``extract/``."""

from kg.ontology.kinds import ORG, SIGNATURES, kind

__all__ = ["ORG", "SIGNATURES", "kind"]
