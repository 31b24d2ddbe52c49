"""Parameters are data: each value becomes one RDF term in the query's ``VALUES`` block, never SPARQL.

``run_query("org-events", params={"org": "中机质协"})`` (``kg query org-events --param org=中机质协``)
replaces the *content* of every ``VALUES ?org { … }`` block by the value, converted to an RDF term of
the declared type and written by the RDF library's serializer (quotes, backslashes and line breaks
escaped), so a value is always one literal (or IRI) and never SPARQL syntax. Repeat a parameter to give
several values. Types: ``name`` and ``name:CLASS`` (an entity, of that ``kg:`` class, given by its name
or alias and looked up by the rule of :mod:`kg.lookup`: bound as its IRI; an unknown or ambiguous name
is an error that lists close names or the candidates), ``text`` (xsd:string), ``text@LANG``
(language-tagged, e.g. ``text@zh``, which is how labels are written), ``date`` (a day ``YYYY-MM-DD``,
month ``YYYY-MM`` or year ``YYYY``: xsd:date, xsd:gYearMonth or xsd:gYear), ``first-day`` and
``last-day`` (the same forms, bound as the xsd:date of the first or the last day of that day, month or
year), ``integer``, ``decimal``, ``boolean``, ``iri``. An undeclared parameter of an ad-hoc query is a
plain string (or, from Python, typed from the value: int, float, bool, date, or a pyoxigraph term as is).
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable, Mapping

import pyoxigraph as ox

from kg.dates import day_bounds, iso_precision
from kg.ontology.namespaces import XSD
from kg.query.catalogue import PARAM_TYPES, StoredQuery
from kg.query.errors import StoredQueryError
from kg.query.sparql import markers as find_markers
from kg.query.sparql import values_blocks
from kg.records import IRI

__all__ = ["to_term", "bind_parameters", "parse_param_args"]

_DATE_TYPES = {"day": "date", "month": "gYearMonth", "year": "gYear"}  # a date parameter: 2020-09-12, 2020-09, 2020


def to_term(value: Any, ptype: str | None = None) -> Any:
    """A parameter value as a pyoxigraph term of the declared type (a Python value's own type if None).

    >>> str(to_term('中机质协" } ; DROP ALL', "text@zh"))
    '"中机质协\\\\" } ; DROP ALL"@zh'
    >>> str(to_term("2020-09-12", "date"))
    '"2020-09-12"^^<http://www.w3.org/2001/XMLSchema#date>'
    >>> str(to_term("2020-09", "date")), str(to_term("2020", "date"))
    ('"2020-09"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>', '"2020"^^<http://www.w3.org/2001/XMLSchema#gYear>')
    >>> str(to_term("2020-02", "first-day")), str(to_term("2020-02", "last-day"))
    ('"2020-02-01"^^<http://www.w3.org/2001/XMLSchema#date>', '"2020-02-29"^^<http://www.w3.org/2001/XMLSchema#date>')

    A ``name`` parameter is bound as the IRI of the entity the name stands for: its value is that IRI
    (:func:`bind_parameters` looks names up with its ``lookup``).
    """
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    if isinstance(value, IRI):
        return ox.NamedNode(value)
    try:
        if ptype is None:
            return _term_of_python(value)
        if ptype.startswith("text"):
            _, _, lang = ptype.partition("@")
            return ox.Literal(str(value), language=lang) if lang else ox.Literal(str(value))
        if ptype in ("date", "first-day", "last-day"):
            return _date_term(value, ptype)
        if ptype == "integer":
            return ox.Literal(int(str(value).strip()))
        if ptype == "decimal":
            return ox.Literal(str(Decimal(str(value).strip())), datatype=ox.NamedNode(XSD + "decimal"))
        if ptype == "boolean":
            v = str(value).strip().lower()
            if v not in ("true", "false", "1", "0"):
                raise ValueError("expected true or false")
            return ox.Literal(v in ("true", "1"))
        if ptype == "iri":
            return ox.NamedNode(str(value).strip())
        if ptype.startswith("name"):
            raise StoredQueryError(f"a name is bound as the IRI of the entity it names: look {value!r} up first "
                                   "(bind_parameters' lookup, as run_query does)")
    except (ValueError, InvalidOperation) as e:
        kind = "date" if ptype in ("first-day", "last-day") else ptype
        raise StoredQueryError(f"value {value!r} is not a valid {kind}: {e}") from None
    raise StoredQueryError(f"unknown parameter type {ptype!r} (types: {', '.join(PARAM_TYPES)})")


def _term_of_python(value: Any) -> ox.Literal:
    """A Python value as the literal of its own type (a string as a plain string)."""
    if isinstance(value, (bool, int, float)):
        return ox.Literal(value)
    if isinstance(value, _dt.datetime):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))
    if isinstance(value, _dt.date):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if isinstance(value, Decimal):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "decimal"))
    return ox.Literal(str(value))


def _date_term(value: Any, ptype: str) -> ox.Literal:
    """A day, month or year (``date``: of its own precision; ``first-day``/``last-day``: the xsd:date
    of its first or last day). Raises ValueError for what is none."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    text = str(value).strip()
    if ptype == "date":
        return ox.Literal(text, datatype=ox.NamedNode(XSD + _DATE_TYPES[iso_precision(text)]))
    first, last = day_bounds(text)
    return ox.Literal(first if ptype == "first-day" else last, datatype=ox.NamedNode(XSD + "date"))


def bind_parameters(q: StoredQuery, params: Mapping[str, Any] | None, *, markers: bool = True,
                    lookup: Callable[[str, str], Any] | None = None) -> str:
    """The query text with each parameter's ``VALUES`` blocks holding its value(s) as RDF terms.

    A value may be a list (several values). A line whose comment starts with ``# if ?name`` is
    blanked when ``name`` is not given (line numbers are kept); ``markers=False`` keeps such lines,
    as another SPARQL engine would. A value of a ``name`` parameter given as text is looked up with
    ``lookup(value, type)``, which returns the IRI of the entity it stands for (or raises
    :class:`kg.lookup.NameNotFound` or :class:`kg.lookup.AmbiguousName`). Raises
    :class:`StoredQueryError` for a parameter the query has no ``VALUES ?name { … }`` block for.
    """
    given = {k for k, v in (params or {}).items() if not (isinstance(v, (list, tuple)) and not v)}
    missing = [p.name for p in q.params if p.required and p.name not in given]
    if missing:
        raise StoredQueryError(f"{q.name or 'the query'} needs " + " and ".join(
            f"a value for {n!r} (--param {n}=…)" for n in missing))
    text = q.text
    for start, end, _, name in sorted(find_markers(text) if markers else [], reverse=True):
        if name not in given:
            text = text[:start] + text[end:]
    edits: list[tuple[int, int, str]] = []
    for name, value in (params or {}).items():
        spans = values_blocks(text, name)
        if not spans:
            declared = ", ".join(p.name for p in q.params) or "none"
            raise StoredQueryError(
                f"{q.name or 'the query'} takes no parameter {name!r} (parameters: {declared}; "
                f"a parameter is bound in a 'VALUES ?{name} {{ … }}' block)")
        p = q.param(name)
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if not values:
            raise StoredQueryError(f"parameter {name!r} has no value")
        if p and p.type.startswith("name") and lookup is not None:
            values = [lookup(v, p.type) if isinstance(v, str) and not isinstance(v, IRI) else v for v in values]
        terms = " ".join(str(to_term(v, p.type if p else None)) for v in values)
        edits.extend((s, e, f" {terms} ") for s, e in spans)
    for s, e, new in sorted(edits, reverse=True):
        text = text[:s] + new + text[e:]
    return text


def parse_param_args(items: Iterable[str]) -> dict[str, list[str]]:
    """``["org=中机质协", "org=工信部"]`` -> ``{"org": ["中机质协", "工信部"]}`` (``NAME=VALUE``, split at the first ``=``).

    >>> parse_param_args(["from=2020-01-01", "org=a=b"])
    {'from': ['2020-01-01'], 'org': ['a=b']}
    """
    out: dict[str, list[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not re.fullmatch(r"\w+", name):
            raise StoredQueryError(f"bad parameter {item!r}: expected NAME=VALUE")
        out.setdefault(name, []).append(value)
    return out
