"""Names of entities in the store, asked by the rule of :mod:`kg.lookup`: what a ``name`` parameter
of a stored query stands for (``kg query org-events -p org=中机质协``).

An exact name or alias is one indexed lookup; only a name no entity has makes the store search
the names that contain it, then every name for the closest ones.

>>> sorted(entity_types("Organization")) == sorted(ORG_TYPES)
True
"""

from __future__ import annotations

import re
from typing import Callable

import pyoxigraph as ox

from kg.lookup import Candidate, find_entity
from kg.ontology.namespaces import KG_NAMESPACE
from kg.records import ENTITY_TYPES, ORG_TYPES, IRI

__all__ = ["StoreNames", "entity_types", "name_lookup"]

Select = Callable[[str], list[tuple]]  # SPARQL SELECT text -> rows of plain values


def entity_types(cls: str | None) -> tuple[str, ...]:
    """The ``kg:`` types of the entities of class ``cls`` (None: every entity type)."""
    if cls is None:
        return ENTITY_TYPES
    return ORG_TYPES if cls == "Organization" else (cls,)


def _literal(text: str) -> str:
    return f"{ox.Literal(text, language='zh')} {ox.Literal(text)}"


class StoreNames:
    """:class:`kg.lookup.Names` of the entities of some types, asked of a SPARQL store through ``select``."""

    def __init__(self, select: Select, types: tuple[str, ...] = ENTITY_TYPES):
        self.select = select
        self.types = " ".join(f"<{KG_NAMESPACE}{t}>" for t in types)

    def _candidates(self, pattern: str) -> list[Candidate]:
        rows = self.select(
            "SELECT ?e (SAMPLE(?l) AS ?label) (SAMPLE(?t) AS ?type) WHERE {\n"
            f"  {pattern}\n"
            f"  VALUES ?t {{ {self.types} }}\n"
            "  ?e a ?t .\n"
            "  OPTIONAL { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l }\n"
            "} GROUP BY ?e")
        return [Candidate(str(e), str(label or e), str(t)[len(KG_NAMESPACE):]) for e, label, t in rows]

    def named(self, name: str) -> list[Candidate]:
        return self._candidates(f"VALUES ?n {{ {_literal(name)} }} ?e {_NAMES} ?n .")

    def containing(self, name: str) -> list[Candidate]:
        return self._candidates(f"?e {_NAMES} ?n . FILTER(CONTAINS(STR(?n), {ox.Literal(name)}))")

    def all_names(self) -> dict[str, str]:
        rows = self.select(
            "SELECT DISTINCT ?n ?l WHERE {\n"
            f"  VALUES ?t {{ {self.types} }}\n"
            f"  ?e a ?t ; {_NAMES} ?n .\n"
            "  OPTIONAL { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l }\n"
            "}")
        out: dict[str, str] = {}
        for n, label in sorted(rows, key=lambda r: (str(r[0]), str(r[1] or ""))):
            out.setdefault(str(n), str(label or n))
        return out


_NAMES = "<http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#altLabel>"


def _what(cls: str | None) -> str:
    """``GovernmentBody`` -> ``government body``: the kind of entity an error message names."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", cls).lower() if cls else "entity"


def name_lookup(select: Select) -> Callable[[str, str], IRI]:
    """``lookup(name, type)`` for :func:`kg.query.parameters.bind_parameters`: the IRI of the entity of
    the parameter's class (``name:Organization``) that ``name`` stands for in the store ``select`` asks."""

    def lookup(name: str, ptype: str) -> IRI:
        cls = ptype.partition(":")[2] or None
        return IRI(find_entity(StoreNames(select, entity_types(cls)), name, _what(cls)).node)

    return lookup
