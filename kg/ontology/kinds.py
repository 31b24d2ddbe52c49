"""What a relation may join, in the types mentions and entities carry: the ontology's domains and
ranges (:mod:`kg.ontology.relations`, generated from ``kg.ttl``) with every kind of organization
as one kind, :data:`ORG`.

>>> SIGNATURES["attended"] == (frozenset({"Person", ORG}), frozenset({"Event"}))
True
>>> kind("Association"), kind("Organization"), kind("Event")
('Org', 'Org', 'Event')
"""

from __future__ import annotations

from kg.ontology.relations import DOMAIN_RANGE, SUPER_PROPERTIES
from kg.records import ORG_TYPES

__all__ = ["ORG", "kind", "SIGNATURES", "SUPER_PROPERTIES"]

#: Any kind of organization (``kg:Organization`` and its subclasses).
ORG = "Org"


def kind(entity_type: str) -> str:
    """The kind a relation's signature names for an entity of ``entity_type``."""
    return ORG if entity_type in ORG_TYPES else entity_type


#: relation -> (kinds of its subject, kinds of its object)
SIGNATURES: dict[str, tuple[frozenset, frozenset]] = {
    p: (frozenset(map(kind, domain)), frozenset(map(kind, range_))) for p, (domain, range_) in DOMAIN_RANGE.items()
}
