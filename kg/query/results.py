"""What a query returns: plain Python values (:func:`to_python`) in a :class:`QueryResult`."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator

import pyoxigraph as ox

from kg.ontology.namespaces import RDF, XSD
from kg.records import IRI, BNode
from kg.report import format_html

__all__ = ["IRI", "BNode", "to_python", "QueryResult"]

RDF_LANG_STRING = RDF + "langString"

_INTEGER_TYPES = {XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}


def to_python(term: Any) -> Any:
    """A pyoxigraph term as a plain Python value.

    IRIs become :class:`IRI`, blank nodes :class:`BNode`, literals their value: ``str`` (language tags
    dropped), ``int``, ``float``, ``Decimal``, ``bool``, ``datetime.date``/``datetime.datetime``;
    a literal of any other datatype, or not valid for its datatype, is its lexical form.
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return IRI(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode("_:" + term.value)
    if isinstance(term, ox.Literal):
        v, dt = term.value, term.datatype.value
        try:
            if dt in (XSD + "string", RDF_LANG_STRING):
                return v
            if dt in _INTEGER_TYPES:
                return int(v)
            if dt in (XSD + "double", XSD + "float"):
                return float(v)
            if dt == XSD + "decimal":
                return Decimal(v)
            if dt == XSD + "boolean":
                return v in ("true", "1")
            if dt == XSD + "date":
                return _dt.date.fromisoformat(v)
            if dt == XSD + "dateTime":
                return _dt.datetime.fromisoformat(v)
        except (ValueError, InvalidOperation):
            pass
        return v
    return str(term)  # RDF-star triple terms


@dataclass
class QueryResult:
    """What a query returned.

    ``kind`` is ``"select"`` (``columns`` and ``rows``), ``"ask"`` (``boolean``), ``"construct"``
    (CONSTRUCT/DESCRIBE: ``rows`` of (subject, predicate, object), see ``triples``) or ``"update"``.
    ``seconds`` is the time the engine took; ``query`` the text run, parameters bound.
    """

    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    seconds: float = 0.0
    query: str = ""

    @property
    def triples(self) -> list[tuple]:
        return self.rows if self.kind == "construct" else []

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r)) for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.rows)

    def _repr_html_(self) -> str:
        """An HTML table, as Jupyter shows a result (every value escaped: :func:`kg.report.format_html`).

        >>> print(QueryResult("select", ["org"], [("<b>中机质协</b>",)])._repr_html_())
        <table><thead><tr><th>org</th></tr></thead><tbody><tr><td>&lt;b&gt;中机质协&lt;/b&gt;</td></tr></tbody></table><p>1 row(s)</p>
        """
        return format_html(self)
