"""The kg: relations as Python: what each may join and what it implies, ``from kg.ontology.relations
import DOMAIN_RANGE``.

GENERATED from ontology/kg.ttl by ``python -m kg.ontology.vocab_gen``: do not edit, edit kg.ttl and
regenerate (a test fails when this file is out of date).
"""

#: relation -> (classes of its subject, classes of its object): ``rdfs:domain`` and ``rdfs:range``,
#: a union listed member by member (local names of kg: classes).
DOMAIN_RANGE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "attended": (("Organization", "Person"), ("Event",)),
    "awarded": (("Event", "Organization"), ("Award",)),
    "chaired": (("Person",), ("Event",)),
    "coHosted": (("Organization",), ("Event",)),
    "guided": (("Organization",), ("Event",)),
    "heldIn": (("Event",), ("Place",)),
    "hosted": (("Organization",), ("Event",)),
    "issued": (("Organization",), ("Document",)),
    "receivedAward": (("Organization", "Person"), ("Award",)),
    "spokeAt": (("Person",), ("Event",)),
    "subOrganizationOf": (("Organization",), ("Organization",)),
    "supported": (("Organization",), ("Event",)),
}

#: relation -> the kg: relations it is an ``rdfs:subPropertyOf`` (each of its facts is a fact of those).
SUPER_PROPERTIES: dict[str, tuple[str, ...]] = {
    "chaired": ("attended",),
    "spokeAt": ("attended",),
}
