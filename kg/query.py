"""SPARQL over the embedded store: ad-hoc queries, stored queries with parameters, a timeout.

:func:`run_query` takes SPARQL text, a path to a ``.rq`` file or the name of a stored query, makes
sure ``OUT/store`` is current (:func:`kg.store.load_store`), runs the query and returns a
:class:`QueryResult` of plain Python values.

What a query sees
    The default graph holds every fact once (the merged facts of all documents, as in ``graph.ttl``);
    each source document is a named graph with its facts and their provenance (see :mod:`kg.store`).
    So a plain ``SELECT ?e ?l WHERE { ?e a kg:Event ; rdfs:label ?l }`` returns each event once, and
    provenance is matched inside ``GRAPH ?doc { … }`` (as ``ontology/queries/evidence.rq`` does).
    Labels are language-tagged (``"中机质协"@zh``): compare with ``?l = "中机质协"@zh`` or
    ``STR(?l) = "中机质协"``; a plain ``"中机质协"`` is another literal and matches nothing.

Stored queries
    ``.rq`` files in ``ontology/queries/`` (or ``$KG_ONTOLOGY/queries/``, which takes precedence; users
    add their own there). A file starts with comment lines::

        # title: 机构的活动 — the events of an organization
        # description: Events an organization hosted, co-hosted, guided, supported or attended.
        # param: org text@zh  Organization name or alias; all organizations if not given.

    and binds each parameter in a ``VALUES`` block of its body, whose content is the default::

        VALUES ?org { UNDEF }                  # UNDEF: unbound, i.e. no restriction
        ?o rdfs:label|skos:altLabel ?org .  # if ?org

    ``run_query("org-events", params={"org": "中机质协"})`` (``kg query org-events --param org=中机质协``)
    replaces the *content* of every ``VALUES ?org { … }`` block by the value, converted to an RDF term
    of the declared type and written by the RDF library's serializer (quotes, backslashes and line
    breaks escaped), so a value is always one literal (or IRI) and never SPARQL syntax: a name such
    as ``x" } ; DROP ALL`` only matches an entity of that name. Repeat a parameter to give several
    values. Types: ``text`` (xsd:string), ``text@LANG`` (language-tagged, e.g. ``text@zh``, which is
    how labels are written), ``date`` (a day ``YYYY-MM-DD``, month ``YYYY-MM`` or year ``YYYY``: xsd:date,
    xsd:gYearMonth or xsd:gYear), ``first-day`` and ``last-day`` (the same forms, bound as the
    xsd:date of the first or the last day of that day, month or year), ``integer``, ``decimal``, ``boolean``,
    ``iri``. An undeclared parameter of an ad-hoc query is a plain string (or, from Python, typed from
    the value: int, float, bool, date, or a pyoxigraph term as is). Blocks are found with a small
    SPARQL tokenizer that skips strings, IRIs and comments.

    A line whose comment starts with ``# if ?org`` is left out when ``org`` is not given. This is only
    for speed: matching every label against an unbound name makes Oxigraph start from all labels
    instead of from the relations. Other SPARQL engines ignore the comment, and the file as written
    (``UNDEF``) gives the same rows (a test checks this for every stored query).

Read-only and timeout
    Queries run in a worker process that opens the store read-only (``Store.read_only``). SPARQL
    UPDATE is refused (:class:`UpdateRefusedError`) unless ``allow_update=True``, which runs it in a
    short-lived worker that opens the store for writing (changes last until the graph file changes
    and the store is rebuilt). pyoxigraph has no query timeout and cannot interrupt a running query,
    and a Python thread cannot be stopped (a runaway query would keep a core and the open store until
    the process ends), so the timeout kills the worker process (SIGKILL) and raises
    :class:`QueryTimeoutError`; the next query starts a new worker.

    Measured here (2 shared cores): a new process per query costs 15-35 ms with ``fork`` (unsafe
    once the parent has opened a store: RocksDB threads) and 150-200 ms with ``spawn``. So the worker
    is started once per Python process (``python -c`` over a socket pair: no re-import of the
    caller's ``__main__``) and kept: the first query pays about 80 ms (interpreter, pyoxigraph,
    opening the store), each later one about 0.7 ms plus pickling its rows (about 2.5 µs a row) on
    top of Oxigraph's own time. ``bench/bench_query.py`` prints both times for every stored query.
    Workers are POSIX-only (``pass_fds``) and stop with the process.

A malformed query raises :class:`QuerySyntaxError` with the line and column in the text the user
wrote (not in the text run, which has parameters bound and a page clause added), and a short reason:
an undeclared prefix is named in one line, and the parser's list of expected tokens keeps the
keywords and punctuation, not its character classes.
"""

from __future__ import annotations

import atexit
import csv
import datetime as _dt
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import pyoxigraph as ox

from kg.errors import BadUsage, RunFailed
from kg.store import graph_file, id_namespace_of, load_store, read_manifest, store_lock

DEFAULT_TIMEOUT = 30.0
WORKER_START_TIMEOUT = 120.0
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Prefixes ad-hoc queries may use without declaring them (stored queries declare their own, so
#: they also run on any other SPARQL store).
PREFIXES = {
    "kg": "https://example.org/cnqkg/ontology#",
    "id": "https://example.org/cnqkg/id/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": XSD,
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}


# --- errors ---------------------------------------------------------------------------------------
class QueryError(RunFailed):
    """A query could not be run (the subclasses that are the caller's mistake are :class:`BadUsage`)."""


class QuerySyntaxError(BadUsage, QueryError):
    """The query does not parse; ``line`` and ``column`` (1-based, characters) locate the error."""

    def __init__(self, detail: str, line: int | None = None, column: int | None = None, source: str | None = None):
        self.detail, self.line, self.column, self.source = detail, line, column, source
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"{source + ': ' if source else ''}SPARQL syntax error at {where}{detail}")


class UpdateRefusedError(BadUsage, QueryError):
    """SPARQL UPDATE was given without ``allow_update=True``."""


class QueryTimeoutError(QueryError):
    """The query ran longer than its timeout and was stopped."""


class StoredQueryError(BadUsage, QueryError):
    """Unknown stored query, bad header, or a parameter that the query cannot take."""


# --- values -----------------------------------------------------------------------------------------
class IRI(str):
    """An IRI in a result (a ``str``; ``QueryResult`` cells keep IRIs apart from string literals)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"IRI({str.__repr__(self)})"


class BNode(str):
    """A blank node in a result, as ``_:id``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"BNode({str.__repr__(self)})"


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
        """An HTML table, as Jupyter shows a result (every value escaped).

        >>> print(QueryResult("select", ["org"], [("<b>中机质协</b>",)])._repr_html_())
        <table><thead><tr><th>org</th></tr></thead><tbody><tr><td>&lt;b&gt;中机质协&lt;/b&gt;</td></tr></tbody></table><p>1 row(s)</p>
        """
        import html

        if self.kind == "ask":
            return f"<p>{self.boolean}</p>"
        if self.kind == "update":
            return "<p>updated</p>"
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell_text(v, True))}</td>" for v in row) + "</tr>"
                       for row in self.rows)
        return (f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                f"<p>{len(self.rows)} row(s)</p>")


# --- a small SPARQL tokenizer (enough to skip strings, IRIs and comments) -------------------------------
_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                  |\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*')
      | (?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)
      | (?P<var>[?$]\w+)
      | (?P<word>[A-Za-z_][\w-]*(?::[\w.%-]*)?)
      | (?P<ws>\s+)
      | (?P<other>.)""",
    re.X | re.S,
)

_UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_QUERY_KEYWORDS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}


def _tokens(text: str) -> Iterator[re.Match]:
    return _TOKEN.finditer(text)


def query_form(text: str) -> str | None:
    """The first keyword after the prologue, upper case (``SELECT``, ``INSERT``…), or None.

    >>> query_form("PREFIX kg: <https://e/#> # c\\n select * {}")
    'SELECT'
    >>> query_form('BASE <http://e/> DROP ALL')
    'DROP'
    """
    skip = 0
    for m in _tokens(text):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        if skip:
            skip -= 1
            continue
        if kind != "word":
            return None
        word = m.group().upper()
        if word == "PREFIX":
            skip = 2  # name: <iri>
            continue
        if word == "BASE":
            skip = 1
            continue
        return word
    return None


def is_update(text: str) -> bool:
    """True if the text is a SPARQL UPDATE request (INSERT, DELETE, LOAD, CLEAR, DROP…)."""
    return query_form(text) in _UPDATE_KEYWORDS


def _values_blocks(text: str, name: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the content of each ``VALUES ?name { … }`` block."""
    toks = [m for m in _tokens(text) if m.lastgroup not in ("ws", "comment")]
    spans = []
    for i in range(len(toks) - 2):
        if (toks[i].lastgroup == "word" and toks[i].group().upper() == "VALUES"
                and toks[i + 1].lastgroup == "var" and toks[i + 1].group()[1:] == name
                and toks[i + 2].group() == "{"):
            for j in range(i + 3, len(toks)):
                if toks[j].group() == "}":
                    spans.append((toks[i + 2].end(), toks[j].start()))
                    break
    return spans


# --- stored queries --------------------------------------------------------------------------------------
PARAM_TYPES = ("text", "text@LANG", "date", "first-day", "last-day", "integer", "decimal", "boolean", "iri")
_DATE_TYPES = {"day": "date", "month": "gYearMonth", "year": "gYear"}  # a date parameter: 2020-09-12, 2020-09, 2020
_PARAM_TYPE = re.compile(r"text(?:@[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)?|date|first-day|last-day|integer|decimal|boolean|iri")
_HEADER = re.compile(r"#\s*(title|description|param)\s*:\s*(.*)")


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "text"
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class StoredQuery:
    """A query with its header: ``name`` (file stem, or None for ad-hoc text), title, description, params."""

    text: str
    name: str | None = None
    path: Path | None = None
    title: str = ""
    description: str = ""
    params: tuple[Param, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_query_text(text: str, name: str | None = None, path: Path | None = None) -> StoredQuery:
    """Read the ``# title:`` / ``# description:`` / ``# param:`` header of a query and check it."""
    title, desc, params = "", [], []
    where = str(path or name or "query")
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if not s.startswith("#"):
            break
        m = _HEADER.fullmatch(s)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "title":
            title = value
        elif key == "description":
            desc.append(value)
        else:
            parts = value.split(None, 2)
            if len(parts) < 2 or not re.fullmatch(r"\??\w+", parts[0]) or not _PARAM_TYPE.fullmatch(parts[1]):
                raise StoredQueryError(
                    f"{where}: bad '# param:' line {value!r}; expected '# param: NAME TYPE description' "
                    f"with TYPE one of {', '.join(PARAM_TYPES)}")
            pname = parts[0].lstrip("?")
            if not _values_blocks(text, pname):
                raise StoredQueryError(f"{where}: parameter {pname!r} has no 'VALUES ?{pname} {{ … }}' block to bind")
            rest = parts[2] if len(parts) > 2 else ""
            required = rest == "required" or rest.startswith(("required ", "required\t"))
            params.append(Param(pname, parts[1], rest[len("required"):].strip() if required else rest, required))
    declared = {p.name for p in params}
    for _, _, kind, pname in _markers(text):
        if pname not in declared:
            raise StoredQueryError(f"{where}: '# {kind} ?{pname}' names no declared parameter")
    return StoredQuery(text=text, name=name, path=path, title=title, description=" ".join(desc), params=tuple(params))


def query_dirs(ontology: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for stored queries: ``<ontology>/queries`` (``--ontology``/``KG_ONTOLOGY``),
    then the project's own ``ontology/queries``."""
    from kg.lexicon import DEFAULT_ONTOLOGY_DIR

    dirs = []
    chosen = ontology or os.environ.get("KG_ONTOLOGY")
    if chosen:
        dirs.append(Path(chosen) / "queries")
    dirs.append(DEFAULT_ONTOLOGY_DIR / "queries")
    out: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [o.resolve() for o in out]:
            out.append(d)
    return out


def list_queries(ontology: str | os.PathLike | None = None) -> list[StoredQuery]:
    """Every stored query, by name (a name in the user's folder hides the project's)."""
    found: dict[str, StoredQuery] = {}
    for d in query_dirs(ontology):
        for p in sorted(d.glob("*.rq")):
            if p.stem not in found:
                found[p.stem] = parse_query_text(p.read_text(encoding="utf-8"), p.stem, p)
    return [found[k] for k in sorted(found)]


_NAME = re.compile(r"[\w.-]+")


def resolve_query(query: str | os.PathLike, ontology: str | os.PathLike | None = None) -> StoredQuery:
    """SPARQL text, a path to a query file, or a stored query's name, as a :class:`StoredQuery`."""
    if isinstance(query, os.PathLike) or (isinstance(query, str) and "\n" not in query and "{" not in query
                                          and (query.endswith(".rq") or Path(query).is_file())):
        p = Path(query)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise StoredQueryError(f"{p}: cannot read the query file: {e}") from None
        return parse_query_text(text, p.stem, p)
    if _NAME.fullmatch(query):
        for d in query_dirs(ontology):
            p = d / f"{query}.rq"
            if p.is_file():
                return parse_query_text(p.read_text(encoding="utf-8"), query, p)
        names = ", ".join(q.name for q in list_queries(ontology))
        raise StoredQueryError(f"no stored query named {query!r} (stored queries: {names}; `kg query --list`)")
    return parse_query_text(query)


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
    """
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    try:
        if ptype is None:
            if isinstance(value, bool):
                return ox.Literal(value)
            if isinstance(value, (int, float)):
                return ox.Literal(value)
            if isinstance(value, _dt.datetime):
                return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))
            if isinstance(value, _dt.date):
                return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
            if isinstance(value, Decimal):
                return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "decimal"))
            return ox.Literal(str(value))
        if ptype.startswith("text"):
            _, _, lang = ptype.partition("@")
            return ox.Literal(str(value), language=lang) if lang else ox.Literal(str(value))
        if ptype == "date":
            if isinstance(value, _dt.datetime):
                value = value.date()
            if isinstance(value, _dt.date):
                return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
            from kg.dates import iso_precision

            text = str(value).strip()
            return ox.Literal(text, datatype=ox.NamedNode(XSD + _DATE_TYPES[iso_precision(text)]))
        if ptype in ("first-day", "last-day"):
            if isinstance(value, _dt.datetime):
                value = value.date()
            if not isinstance(value, _dt.date):
                from kg.dates import day_bounds

                first, last = day_bounds(str(value))
                value = _dt.date.fromisoformat(first if ptype == "first-day" else last)
            return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
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
    except (ValueError, InvalidOperation) as e:
        kind = "date" if ptype in ("first-day", "last-day") else ptype
        raise StoredQueryError(f"value {value!r} is not a valid {kind}: {e}") from None
    raise StoredQueryError(f"unknown parameter type {ptype!r} (types: {', '.join(PARAM_TYPES)})")


_MARKER = re.compile(r"#\s*(if)\s+[?$](\w+)\b.*")


def _markers(text: str) -> list[tuple[int, int, str, str]]:
    """``(line start, line end, "if", name)`` of each line whose comment starts with ``# if ?name``."""
    out = []
    for m in _tokens(text):
        if m.lastgroup == "comment":
            mk = _MARKER.fullmatch(m.group())
            if mk:
                start = text.rfind("\n", 0, m.start()) + 1
                out.append((start, m.end(), mk.group(1), mk.group(2)))
    return out


def bind_parameters(q: StoredQuery, params: Mapping[str, Any] | None, *, markers: bool = True) -> str:
    """The query text with each parameter's ``VALUES`` blocks holding its value(s) as RDF terms.

    A value may be a list (several values). A line whose comment starts with ``# if ?name`` is
    blanked when ``name`` is not given (line numbers are kept); ``markers=False`` keeps such lines,
    as another SPARQL engine would. Raises
    :class:`StoredQueryError` for a parameter the query has no ``VALUES ?name { … }`` block for.
    """
    given = {k for k, v in (params or {}).items() if not (isinstance(v, (list, tuple)) and not v)}
    missing = [p.name for p in q.params if p.required and p.name not in given]
    if missing:
        raise StoredQueryError(f"{q.name or 'the query'} needs " + " and ".join(
            f"a value for {n!r} (--param {n}=…)" for n in missing))
    text = q.text
    for start, end, _, name in sorted(_markers(text) if markers else [], reverse=True):
        if name not in given:
            text = text[:start] + text[end:]
    edits: list[tuple[int, int, str]] = []
    for name, value in (params or {}).items():
        spans = _values_blocks(text, name)
        if not spans:
            declared = ", ".join(p.name for p in q.params) or "none"
            raise StoredQueryError(
                f"{q.name or 'the query'} takes no parameter {name!r} (parameters: {declared}; "
                f"a parameter is bound in a 'VALUES ?{name} {{ … }}' block)")
        p = q.param(name)
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if not values:
            raise StoredQueryError(f"parameter {name!r} has no value")
        terms = " ".join(str(to_term(v, p.type if p else None)) for v in values)
        edits.extend((s, e, f" {terms} ") for s, e in spans)
    for s, e, new in sorted(edits, reverse=True):
        text = text[:s] + new + text[e:]
    return text


_PAGE = re.compile(r"#\s*page\b.*")


def paginate(text: str, limit: int | None, offset: int = 0) -> str:
    r"""The query with ``LIMIT limit OFFSET offset`` added: on the line whose comment is ``# page``
    (a stored query pages its inner, cheap part there, before labels are looked up), else at the end.

    A query with its own top-level ``LIMIT``/``OFFSET``, a trailing ``VALUES`` clause, or that is not
    a SELECT, CONSTRUCT or DESCRIBE is returned as it is.

    >>> paginate("SELECT * WHERE { ?s ?p ?o }", 10, 20)
    'SELECT * WHERE { ?s ?p ?o }\nLIMIT 10 OFFSET 20'
    >>> paginate("SELECT * WHERE { ?s ?p ?o } LIMIT 5", 10)
    'SELECT * WHERE { ?s ?p ?o } LIMIT 5'
    >>> print(paginate("SELECT * WHERE {\n  { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s  # page\n  }\n}", 10))
    SELECT * WHERE {
      { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 10 # page
      }
    }
    """
    if (limit is None and not offset) or query_form(text) not in ("SELECT", "CONSTRUCT", "DESCRIBE"):
        return text
    clause = (f" LIMIT {int(limit)}" if limit is not None else "") + (f" OFFSET {int(offset)}" if offset else "")
    depth, closed, tail_words = 0, False, []
    for m in _tokens(text):
        kind, tok = m.lastgroup, m.group()
        if kind == "comment" and _PAGE.fullmatch(tok):
            return text[:m.start()].rstrip(" \t") + clause + " " + text[m.start():]
        if kind == "other" and tok == "{":
            depth += 1
        elif kind == "other" and tok == "}":
            depth -= 1
            closed = closed or depth == 0
        elif kind == "word" and depth == 0 and closed:
            tail_words.append(tok.upper())
    if {"LIMIT", "OFFSET", "VALUES"} & set(tail_words):
        return text
    return text.rstrip() + "\n" + clause.lstrip()


# --- the worker process -------------------------------------------------------------------------------
def _execute(store: ox.Store, req: dict) -> tuple:
    started = time.perf_counter()
    try:
        prefixes = req.get("prefixes", PREFIXES)
        if req["op"] == "update":
            store.update(req["text"], prefixes=prefixes)
            store.flush()
            return ("update", time.perf_counter() - started)
        r = store.query(req["text"], prefixes=prefixes)  # the default graph: every fact once (kg.store)
        if isinstance(r, ox.QueryBoolean):
            return ("ask", bool(r), time.perf_counter() - started)
        if isinstance(r, ox.QuerySolutions):
            cols = [v.value for v in r.variables]
            rows = [tuple(to_python(x) for x in sol) for sol in r]
            return ("select", cols, rows, time.perf_counter() - started)
        rows = [(to_python(t.subject), to_python(t.predicate), to_python(t.object)) for t in r]
        return ("construct", ["subject", "predicate", "object"], rows, time.perf_counter() - started)
    except SyntaxError as e:
        return ("syntax", str(e))
    except Exception as e:  # evaluation errors (OSError, RuntimeError…) go back to the caller
        return ("error", f"{type(e).__name__}: {e}")


def _worker_main() -> None:
    """Entry point of the worker: ``python -c 'from kg.query import _worker_main; _worker_main()' FD PATH [--write]``."""
    import signal

    # Ctrl-C (or a Jupyter kernel's shutdown) reaches the whole process group: the parent kills
    # the worker itself when interrupted (_Worker._wait), so the worker takes no part in it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, path, write = int(sys.argv[1]), sys.argv[2], "--write" in sys.argv[3:]
    conn = Connection(fd)
    try:
        store = ox.Store(path) if write else ox.Store.read_only(path)
    except Exception as e:
        conn.send(("error", f"cannot open the store {path}: {e}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            break
        if req is None:
            break
        conn.send(_execute(store, req))
    del store


class _Worker:
    def __init__(self, path: Path, write: bool = False):
        self.path, self.write = path, write
        parent, child = socket.socketpair()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)  # so a source checkout works uninstalled
        env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        cmd = [sys.executable, "-c", "from kg.query import _worker_main; _worker_main()",
               str(child.fileno()), str(path)] + (["--write"] if write else [])
        try:
            self.proc = subprocess.Popen(cmd, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, env=env)
        finally:
            child.close()
        self.conn = Connection(parent.detach())
        reply = self._wait(WORKER_START_TIMEOUT, "start")
        if reply[0] != "ready":
            self.kill()
            raise QueryError(reply[1])

    def _wait(self, timeout: float | None, what: str) -> tuple:
        try:
            if not self.conn.poll(timeout):
                self.kill()
                raise QueryTimeoutError(f"query stopped after {timeout:g} s (timeout)") if what == "query" else \
                    QueryError(f"the query worker did not {what} within {timeout:g} s")
            return self.conn.recv()
        except (EOFError, OSError):
            code = self.kill()
            raise QueryError(f"the query worker died (exit status {code})") from None
        except BaseException:  # KeyboardInterrupt: do not leave the query running
            self.kill()
            raise

    def request(self, req: dict, timeout: float | None) -> tuple:
        try:
            self.conn.send(req)
        except OSError:
            code = self.kill()
            raise QueryError(f"the query worker died (exit status {code})") from None
        return self._wait(timeout, "query")

    def alive(self) -> bool:
        return self.proc.poll() is None and not self.conn.closed

    def kill(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.conn.close()
        except OSError:
            pass
        return self.proc.wait()

    def close(self) -> None:
        try:
            self.conn.send(None)
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


_WORKERS: dict[str, tuple[str, _Worker]] = {}
_WORKERS_LOCK = threading.Lock()


def _reader(path: Path) -> _Worker:
    """The cached read-only worker for the store at ``path``, restarted if the store was rebuilt."""
    manifest = read_manifest(path.parent) or {}
    stamp = f"{manifest.get('sha256')}:{(path / 'CURRENT').stat().st_mtime_ns if (path / 'CURRENT').exists() else 0}"
    key = str(path.resolve())
    cached = _WORKERS.get(key)
    if cached and cached[0] == stamp and cached[1].alive():
        return cached[1]
    if cached:
        cached[1].close()
    w = _Worker(path)
    _WORKERS[key] = (stamp, w)
    return w


def close_workers() -> None:
    """Stop the worker processes this process started (done at exit)."""
    with _WORKERS_LOCK:
        for _, w in _WORKERS.values():
            w.close()
        _WORKERS.clear()


atexit.register(close_workers)


_SYNTAX_AT = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
# Items of Oxigraph's "expected one of …" list: quoted tokens, keywords, character classes ([…]).
_EXPECTED_ITEM = re.compile(r"""\"(?:[^\"\\]|\\.)*\"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]|[^,\s][^,]*""")
_CLASS_NAMES = {"['0'..='9']": "a number"}  # the one character class worth naming
_PNAME_END = re.compile(r"(?:[^\W\d][\w.-]*)?:[\w.%-]*\Z")  # a prefixed name ending where the parser stopped


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of a 1-based (line, column) of ``text`` (Oxigraph counts characters)."""
    start = 0
    for _ in range(line - 1):
        nl = text.find("\n", start)
        if nl < 0:
            return len(text)
        start = nl + 1
    return min(start + column - 1, len(text))


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _user_offset(run: str, user: str, offset: int) -> int:
    """Where the character at ``offset`` of the text run is in the text the user wrote.

    The text run is the user's with parameters bound, ``# if`` lines blanked and a page clause added;
    a position in text the tool put there maps to the place it was put.
    """
    if run == user:
        return offset
    import difflib

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, user, run, autojunk=False).get_opcodes():
        if j1 <= offset < j2 or offset == j2 == len(run):
            return i1 + (offset - j1) if tag == "equal" else i1
    return len(user)


def _explain(detail: str, user: str, offset: int) -> tuple[str, int]:
    """A one-line reason for Oxigraph's message at ``offset`` of the user's text, and where it points."""
    detail = " ".join(detail.split())
    if "Prefix not found" in detail:
        m = _PNAME_END.search(user, 0, offset)
        if m:
            name = m.group()
            prefix = name.split(":", 1)[0]
            return (f"unknown prefix '{prefix}:' in {name}: declare it with PREFIX {prefix}: <…> "
                    f"(declared for you: {', '.join(PREFIXES)})", m.start())
    if not detail.startswith("expected "):
        return detail, offset
    expected: list[str] = []
    listed = detail[len("expected one of"):] if detail.startswith("expected one of") else detail[len("expected"):]
    for item in _EXPECTED_ITEM.findall(listed):
        item = item.strip()
        if item.startswith("["):
            item = _CLASS_NAMES.get(item, "")
        if item and item != "Prefix not found" and item not in expected:
            expected.append(item)
    rest = user[offset:].lstrip()
    tok = _TOKEN.match(rest) if rest else None
    found = f"unexpected {tok.group()[:40]!r}" if tok else "at the end of the query"
    if len(expected) > 1:
        found += "; expected one of " + ", ".join(expected)
    elif expected:
        found += "; expected " + expected[0]
    return found, offset


def _own_parse_error(user: str, prefixes: Mapping[str, str] = PREFIXES) -> str | None:
    """The parser's message on the user's own text, if it does not parse.

    Only for SELECT, CONSTRUCT and DESCRIBE, which pyoxigraph parses at once and evaluates lazily
    (the results are never read: nothing runs, not even a SERVICE call); on an empty store anyway.
    """
    if query_form(user) not in ("SELECT", "CONSTRUCT", "DESCRIBE"):
        return None
    try:
        ox.Store().query(user, prefixes=prefixes)
    except SyntaxError as e:
        return str(e)
    return None


def _syntax_error(message: str, run: str, user: str, source: str | None,
                  prefixes: Mapping[str, str] = PREFIXES) -> QuerySyntaxError:
    """:class:`QuerySyntaxError` for Oxigraph's ``message`` about ``run``, located in ``user``'s text.

    A page clause added at the end changes what the parser reports (it fails further on, in the
    clause), so the user's own text is parsed again when that is safe (:func:`_own_parse_error`);
    otherwise the position is mapped back from the text run.
    """
    if run != user:
        own = _own_parse_error(user, prefixes)
        if own is not None:
            message, run = own, user
    m = _SYNTAX_AT.search(message)
    if not m:
        return QuerySyntaxError(" ".join(message.split()), None, None, source)
    offset = _user_offset(run, user, _offset(run, int(m.group(1)), int(m.group(2))))
    detail, offset = _explain(m.group(3), user, offset)
    line, column = _line_column(user, offset)
    return QuerySyntaxError(detail, line, column, source)


def run_query(
    query: str | os.PathLike,
    out_dir: str | os.PathLike = "out",
    *,
    params: Mapping[str, Any] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    allow_update: bool = False,
    ontology: str | os.PathLike | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> QueryResult:
    """Run SPARQL text, a ``.rq`` file or a stored query (by name) on the graph in ``out_dir``.

    ``params`` binds the query's parameters (see the module doc). ``timeout`` is in seconds (None:
    no limit). ``limit`` and ``offset`` ask for one page of the rows (:func:`paginate`). Raises
    :class:`kg.store.GraphNotFoundError` if ``out_dir`` has no graph,
    :class:`QuerySyntaxError`, :class:`UpdateRefusedError`, :class:`QueryTimeoutError`,
    :class:`StoredQueryError` or :class:`QueryError`.

    >>> run_query("SELECT * WHERE { ?s ?p ?o }", "no/such/folder")
    Traceback (most recent call last):
    ...
    kg.store.GraphNotFoundError: no/such/folder: no such folder (build one with `kg build PATH... -o no/such/folder`)
    """
    q = resolve_query(query, ontology)
    text = paginate(bind_parameters(q, params), limit, offset)
    source = str(q.path) if q.path else None
    minted = id_namespace_of(graph_file(out_dir))  # a clear error before anything else if there is no graph
    prefixes = {**PREFIXES, "id": minted} if minted else PREFIXES  # id: is the graph's own (kg build --base-iri)
    update = is_update(text)
    if update and not allow_update:
        raise UpdateRefusedError("SPARQL UPDATE refused: queries are read-only")
    path = load_store(out_dir)
    if update:
        with _WORKERS_LOCK, store_lock(Path(out_dir)):
            cached = _WORKERS.pop(str(path.resolve()), None)
            if cached:
                cached[1].close()
            w = _Worker(path, write=True)
            try:
                reply = w.request({"op": "update", "text": text, "prefixes": prefixes}, timeout)
            finally:
                w.close()
    else:
        with _WORKERS_LOCK:
            w = _reader(path)
            reply = w.request({"op": "query", "text": text, "prefixes": prefixes}, timeout)
    kind = reply[0]
    if kind == "syntax":
        raise _syntax_error(reply[1], text, q.text, source, prefixes)
    if kind == "error":
        raise QueryError(reply[1])
    if kind == "update":
        return QueryResult("update", seconds=reply[1], query=text)
    if kind == "ask":
        return QueryResult("ask", boolean=reply[1], seconds=reply[2], query=text)
    return QueryResult(kind, columns=reply[1], rows=reply[2], seconds=reply[3], query=text)


# --- output ---------------------------------------------------------------------------------------------
def compact_iri(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """``https://example.org/cnqkg/id/org/中机质协`` -> ``id:org/中机质协`` (the longest matching namespace)."""
    best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(k for k, v in prefixes.items() if v == best)
    return f"{prefix}:{iri[len(best):]}"


def display_width(s: str) -> int:
    """Terminal columns of ``s``: East Asian wide and full-width characters count 2, combining marks 0.

    >>> display_width("中机质协 ab")
    11
    """
    w = 0
    for c in s:
        if unicodedata.combining(c):
            continue
        w += 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
    return w


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _cell_text(v: Any, compact: bool) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, IRI):
        return compact_iri(v) if compact else str(v)
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    return str(v)


def _fit(s: str, max_width: int | None) -> str:
    # text from documents is data: no control characters reach the terminal
    s = _CONTROL.sub(lambda m: " " if m.group() in "\n\r\t" else f"\\x{ord(m.group()):02x}", s)
    if max_width is None or display_width(s) <= max_width:
        return s
    out, w = [], 0
    for c in s:
        cw = display_width(c)
        if w + cw > max_width - 1:
            break
        out.append(c)
        w += cw
    return "".join(out) + "…"


def format_table(result: QueryResult, max_width: int | None = 60) -> str:
    """An aligned text table (IRIs compacted, wide characters counted as two columns, cells cut at
    ``max_width`` columns with …)."""
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    if result.kind == "update":
        return "update done"
    head = list(result.columns)
    body = [[_fit(_cell_text(v, True), max_width) for v in row] for row in result.rows]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in body]) for i, h in enumerate(head)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - display_width(c)) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in body])


def _json_value(v: Any) -> Any:
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return str(v)
    return v


def format_json(result: QueryResult) -> str:
    """``{"columns": [...], "rows": [{column: value}, ...]}``, one row a line (full IRIs, ISO dates,
    decimals as strings, unbound as null); ``{"boolean": b}`` for ASK."""
    if result.kind == "ask":
        return json.dumps({"boolean": result.boolean})
    if result.kind == "update":
        return json.dumps({"update": "done"})
    rows = [json.dumps({c: _json_value(v) for c, v in zip(result.columns, r)}, ensure_ascii=False)
            for r in result.rows]
    body = ",\n  ".join(rows)
    return (f'{{"columns": {json.dumps(result.columns, ensure_ascii=False)},\n "rows": ['
            + (f"\n  {body}\n ]}}" if rows else "]}"))


def format_csv(result: QueryResult) -> str:
    """CSV with a header row (full IRIs; empty cell for unbound)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if result.kind == "ask":
        w.writerows([["boolean"], ["true" if result.boolean else "false"]])
    elif result.kind != "update":
        w.writerow(result.columns)
        w.writerows([[_cell_text(v, False) for v in r] for r in result.rows])
    return buf.getvalue().rstrip("\n")


FORMATS = {"table": format_table, "csv": format_csv, "json": format_json}


def format_result(result: QueryResult, fmt: str = "table") -> str:
    try:
        return FORMATS[fmt](result)
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})") from None


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


def describe_queries(ontology: str | os.PathLike | None = None) -> str:
    """The text of ``kg query --list``: each stored query's name, title, description and parameters."""
    lines = []
    for q in list_queries(ontology):
        lines.append(f"{q.name}  {q.title}".rstrip())
        if q.description:
            lines.append(f"    {q.description}")
        for p in q.params:
            lines.append(f"    --param {p.name}=…  ({p.type}{', required' if p.required else ''}) {p.description}".rstrip())
        lines.append(f"    [{q.path}]")
    return "\n".join(lines)
