"""Run a query: SPARQL text, a ``.rq`` file or a stored query, on the store of a build folder."""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping

from kg.ontology.namespaces import PREFIXES
from kg.query.catalogue import resolve_query
from kg.query.errors import QueryError, UpdateRefusedError
from kg.query.names import name_lookup
from kg.query.paging import paginate
from kg.query.parameters import bind_parameters
from kg.query.results import QueryResult
from kg.query.sparql import is_update
from kg.query.syntax import syntax_error
from kg.query.worker import request
from kg.rdf.files import graph_file, id_namespace_of
from kg.records import IRI
from kg.store import load_store

__all__ = ["run_query", "entity_lookup", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 30.0


def _prefixes(out_dir: str | os.PathLike) -> dict[str, str]:
    """The prefixes a query of ``out_dir`` may use undeclared: ``id:`` is the graph's own (``kg build --base-iri``).

    Raises :class:`kg.rdf.GraphNotFoundError` (a clear error before anything else) if there is no graph.
    """
    minted = id_namespace_of(graph_file(out_dir))
    return {**PREFIXES, "id": minted} if minted else PREFIXES


def _select(out_dir: str | os.PathLike, prefixes: Mapping[str, str], timeout: float | None) -> Callable[[str], list]:
    """A function that runs a SELECT on the store of ``out_dir`` (loaded on first use) and returns its rows."""

    def select(text: str) -> list[tuple]:
        reply = request(out_dir, load_store(out_dir), {"op": "query", "text": text, "prefixes": prefixes}, timeout)
        if reply[0] not in ("select", "construct"):
            raise QueryError(f"looking a name up failed: {reply[1]}")
        return reply[2]

    return select


def entity_lookup(out_dir: str | os.PathLike = "out", timeout: float | None = DEFAULT_TIMEOUT
                  ) -> Callable[[str, str], IRI]:
    """How :func:`run_query` looks up the value of a ``name`` parameter in the graph of ``out_dir``
    (give it to :func:`kg.query.bind_parameters` to bind a stored query as run_query does)."""
    return name_lookup(_select(out_dir, _prefixes(out_dir), timeout))


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

    ``params`` binds the query's parameters (:mod:`kg.query.parameters`; a ``name`` parameter is
    looked up in the graph by the rule of :mod:`kg.lookup`). ``timeout`` is in seconds (None: no
    limit). ``limit`` and ``offset`` ask for one page of the rows (:func:`kg.query.paginate`). Raises
    :class:`kg.rdf.GraphNotFoundError` if ``out_dir`` has no graph, :class:`kg.lookup.NameNotFound`,
    :class:`kg.lookup.AmbiguousName`, :class:`QuerySyntaxError`, :class:`UpdateRefusedError`,
    :class:`QueryTimeoutError`, :class:`StoredQueryError` or :class:`QueryError`.

    >>> run_query("SELECT * WHERE { ?s ?p ?o }", "no/such/folder")
    Traceback (most recent call last):
    ...
    kg.rdf.files.GraphNotFoundError: no/such/folder: no such folder (build one with `kg build PATH... -o no/such/folder`)
    """
    q = resolve_query(query, ontology)
    prefixes = _prefixes(out_dir)
    lookup = name_lookup(_select(out_dir, prefixes, timeout))
    text = paginate(bind_parameters(q, params, lookup=lookup), limit, offset)
    update = is_update(text)
    if update and not allow_update:
        raise UpdateRefusedError("SPARQL UPDATE refused: queries are read-only")
    path = load_store(out_dir)
    reply = request(out_dir, path, {"op": "update" if update else "query", "text": text, "prefixes": prefixes},
                    timeout)
    kind = reply[0]
    if kind == "syntax":
        raise syntax_error(reply[1], text, q.text, str(q.path) if q.path else None, prefixes)
    if kind == "error":
        raise QueryError(reply[1])
    if kind == "update":
        return QueryResult("update", seconds=reply[1], query=text)
    if kind == "ask":
        return QueryResult("ask", boolean=reply[1], seconds=reply[2], query=text)
    return QueryResult(kind, columns=reply[1], rows=reply[2], seconds=reply[3], query=text)
