"""The one rule for finding an entity by its name, for every command that takes a name.

``kg path A B``, ``kg viz --focus NAME`` and the name parameters of stored queries (``kg query
org-events -p org=NAME``) all call :func:`find_entity`, over the graph they read (a networkx graph,
:mod:`kg.network.lookup`, or the SPARQL store, :mod:`kg.query.names`):

1. the entities whose ``rdfs:label`` or an alias (``skos:altLabel``) is the name: one is the answer;
   of several, the one whose own label it is (an entity's name wins over other entities' aliases);
   else the name is ambiguous;
2. failing that, the entities whose label or an alias contains the name: one is the answer; several:
   ambiguous;
3. failing that, no entity has the name.

An ambiguous name raises :class:`AmbiguousName` listing the candidates, an unknown one
:class:`NameNotFound` with the closest names: both are usage errors (exit status 2); nothing is ever
picked silently.

>>> names = ListedNames([Candidate("o/1", "中国某某协会", "Association", ("某某协会",)),
...                      Candidate("o/2", "某某省质量协会", "Association"), Candidate("p/1", "赵强", "Person")])
>>> find_entity(names, "某某协会").node, find_entity(names, "赵").node
('o/1', 'p/1')
>>> find_entity(names, "协会")
Traceback (most recent call last):
...
kg.lookup.AmbiguousName: '协会' names 2 entities: 中国某某协会 (Association), 某某省质量协会 (Association); give the full name
>>> find_entity(names, "赵刚")
Traceback (most recent call last):
...
kg.lookup.NameNotFound: no entity named '赵刚'; close matches: 赵强
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Protocol

from kg.errors import BadUsage

__all__ = ["Candidate", "Names", "ListedNames", "find_entity", "close_names", "NameNotFound", "AmbiguousName"]

#: How alike a name must be to be suggested (difflib's ratio).
CLOSE_CUTOFF = 0.5
#: How many close names or candidates a message lists.
SHOWN = 10


@dataclass(frozen=True)
class Candidate:
    """An entity a name may stand for: its node (IRI), label, type and other names."""

    node: str
    label: str
    type: str | None = None
    aliases: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"node": self.node, "label": self.label, "type": self.type}


class Names(Protocol):
    """What :func:`find_entity` asks of a graph."""

    def named(self, name: str) -> list[Candidate]:
        """The entities whose label or an alias is ``name``."""

    def containing(self, name: str) -> list[Candidate]:
        """The entities whose label or an alias contains ``name``."""

    def all_names(self) -> dict[str, str]:
        """Every label and alias, with the label of an entity that has it."""


class NameNotFound(BadUsage, LookupError):
    """No entity has this name or alias, nor one containing it; ``suggestions`` are close names."""

    def __init__(self, name: str, suggestions: list[str], what: str = "entity"):
        self.name, self.suggestions = name, suggestions
        hint = f"; close matches: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"no {what} named {name!r}{hint}")

    def __str__(self) -> str:  # LookupError would quote the message as a KeyError does
        return self.args[0]


class AmbiguousName(BadUsage, LookupError):
    """Several entities have this name or contain it; ``candidates`` are ``{node, label, type}``."""

    def __init__(self, name: str, candidates: list[dict]):
        self.name, self.candidates = name, candidates
        shown = ", ".join(f"{c['label']} ({c['type']})" for c in candidates[:SHOWN])
        more = f" and {len(candidates) - SHOWN} more" if len(candidates) > SHOWN else ""
        super().__init__(f"{name!r} names {len(candidates)} entities: {shown}{more}; give the full name")

    def __str__(self) -> str:
        return self.args[0]


def _ordered(candidates: Iterable[Candidate]) -> list[Candidate]:
    return sorted(set(candidates), key=lambda c: (len(c.label), c.label, c.node))


def find_entity(names: Names, name: str, what: str = "entity") -> Candidate:
    """The one entity ``name`` stands for, by the rule of the module doc (``what`` names the kind in
    the message: ``organization``, ``event``…)."""
    name = name.strip()
    exact = _ordered(names.named(name)) if name else []
    if len(exact) == 1:
        return exact[0]
    if exact:
        own = [c for c in exact if c.label == name]
        if len(own) == 1:
            return own[0]
        raise AmbiguousName(name, [c.as_dict() for c in exact])
    partial = _ordered(names.containing(name)) if name else []
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise AmbiguousName(name, [c.as_dict() for c in partial])
    raise NameNotFound(name, close_names(name, names.all_names()), what)


def close_names(name: str, names: dict[str, str], n: int = 5) -> list[str]:
    """The labels of the entities with the names most like ``name`` (``names``: name -> label).

    >>> close_names("中国机械工业质量协会", {"中国机械工业质量管理协会": "中国机械工业质量管理协会", "中机质协": "中国机械工业质量管理协会"})
    ['中国机械工业质量管理协会']
    """
    close = difflib.get_close_matches(name.strip(), sorted(names), n=n, cutoff=CLOSE_CUTOFF)
    return list(dict.fromkeys(names[c] for c in close))


class ListedNames:
    """:class:`Names` over a list of candidates (a graph held in memory)."""

    def __init__(self, candidates: Iterable[Candidate]):
        self.candidates = list(candidates)

    def named(self, name: str) -> list[Candidate]:
        return [c for c in self.candidates if c.label == name or name in c.aliases]

    def containing(self, name: str) -> list[Candidate]:
        return [c for c in self.candidates if name in c.label or any(name in a for a in c.aliases)]

    def all_names(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in self.candidates:
            for x in (c.label, *c.aliases):
                out.setdefault(x, c.label)
        return out
