"""The ``/sparql`` endpoint: the SPARQL 1.1 Protocol over the store ``kg query`` uses.

A query (``GET ?query=``, ``POST`` form, ``POST`` ``application/sparql-query``) runs as ``kg query``
runs it: the same stored queries and parameter binding (``stored=NAME`` and ``param=NAME=VALUE``, a
name looked up by :func:`kg.lookup.find_entity`), the same read-only worker processes killed at the
timeout (:class:`kg.query.worker.WorkerPool`: several, so that one slow query does not hold up the
others, and pages never wait for them), the same syntax messages (:func:`kg.query.syntax.syntax_error`).
Results are written by pyoxigraph's serializers in the format the ``Accept`` header prefers.

Limits the client is told about in the response headers: ``X-KG-Row-Cap`` (a query with no ``LIMIT``
of its own gets ``LIMIT cap``; ``X-KG-Truncated: true`` when that cut rows short), ``X-KG-Rows`` and
``X-KG-Timeout`` (seconds). Updates are refused (403).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import BadUsage
from kg.ontology.namespaces import PREFIXES
from kg.query import DEFAULT_TIMEOUT, QueryError, QueryTimeoutError, bind_parameters, paginate, query_form
from kg.query.catalogue import list_queries, parse_query_text
from kg.query.names import name_lookup
from kg.query.results import to_python
from kg.query.sparql import is_update
from kg.query.syntax import syntax_error
from kg.query.worker import WorkerPool, WorkersBusy
from kg.serve.graph import GraphView
from kg.serve.negotiate import best

__all__ = ["Endpoint", "Reply", "RESULTS_TYPES", "GRAPH_TYPES", "DEFAULT_ROW_CAP"]

DEFAULT_ROW_CAP = 10_000
#: Media types of SELECT/ASK results and of CONSTRUCT/DESCRIBE graphs, by preference, with pyoxigraph's format.
RESULTS_TYPES = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
                 "text/csv": "csv", "text/tab-separated-values": "tsv", "application/json": "json",
                 "application/xml": "xml"}
GRAPH_TYPES = {"text/turtle": "turtle", "application/n-triples": "ntriples", "application/ld+json": "jsonld"}


@dataclass
class Reply:
    status: int
    body: bytes
    media_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def _text(status: int, message: str, headers: dict | None = None) -> Reply:
    return Reply(status, (message + "\n").encode("utf-8"), headers=headers or {})


class Endpoint:
    """Runs protocol requests on the store of ``view`` (blocking: call it from a thread)."""

    def __init__(self, view: GraphView, *, timeout: float = DEFAULT_TIMEOUT, row_cap: int = DEFAULT_ROW_CAP,
                 workers: int = 2, ontology: str | os.PathLike | None = None):
        self.view, self.timeout, self.row_cap, self.ontology = view, timeout, row_cap, ontology
        self.pool = WorkerPool(Path(view.path), size=workers)

    def close(self) -> None:
        self.pool.close()

    def limits(self) -> dict[str, str]:
        return {"X-KG-Row-Cap": str(self.row_cap), "X-KG-Timeout": f"{self.timeout:g}"}

    def run(self, query: str | None, accept: str | None, *, stored: str | None = None,
            params: dict[str, list[str]] | None = None) -> Reply:
        """Answer one query request (``query`` text, or the stored query ``stored`` with ``params``)."""
        snap = self.view.current()
        prefixes = {**PREFIXES, "id": snap.namespace}
        try:
            if stored:
                q = next((x for x in list_queries(self.ontology) if x.name == stored), None)  # never a path
                if q is None:
                    return _text(400, f"no stored query named {stored!r}")
            elif query is not None and query.strip():
                q = parse_query_text(query)
            else:
                return _text(400, "no query: give query=… (SPARQL text) or stored=NAME")

            def select(text: str) -> list[tuple]:
                r = snap.store.query(text, prefixes=prefixes)
                return [tuple(to_python(s[v]) for v in r.variables) for s in r]

            text = bind_parameters(q, params, lookup=name_lookup(select))
        except BadUsage as e:
            return _text(400, str(e), self.limits())
        if is_update(text):
            return _text(403, "SPARQL UPDATE refused: this endpoint is read-only", self.limits())
        form = query_form(text)
        graph = form in ("CONSTRUCT", "DESCRIBE")
        types = GRAPH_TYPES if graph else RESULTS_TYPES
        media = best(accept, list(types))
        if media is None:
            return _text(406, f"cannot write {form or 'these'} results as {accept}; ask for one of: "
                              f"{', '.join(types)}", self.limits())
        fmt = (types[media], "turtle") if not graph else ("json", types[media])
        run = paginate(text, self.row_cap)
        capped = run != text
        try:
            reply = self.pool.request({"op": "query", "text": run, "prefixes": prefixes, "format": fmt},
                                      self.timeout, wait=self.timeout)
        except QueryTimeoutError as e:
            return _text(503, f"{e}; this endpoint stops a query after {self.timeout:g} s", self.limits())
        except WorkersBusy as e:
            return _text(503, str(e), {**self.limits(), "Retry-After": "5"})
        except QueryError as e:
            return _text(500, str(e), self.limits())
        if reply[0] == "syntax":
            return _text(400, str(syntax_error(reply[1], run, q.text, None, prefixes)), self.limits())
        if reply[0] == "error":
            return _text(500, reply[1], self.limits())
        _, kind, data, rows, seconds = reply
        headers = {**self.limits(), "X-KG-Seconds": f"{seconds:.3f}"}
        if rows is not None:
            headers["X-KG-Rows"] = str(rows)
            if not capped and rows > self.row_cap:
                return _text(400, f"the query gives {rows} rows, more than this endpoint's cap of {self.row_cap}: "
                                  f"give it a LIMIT of {self.row_cap} or less", headers)
            headers["X-KG-Truncated"] = "true" if capped and rows >= self.row_cap else "false"
        charset = "; charset=utf-8" if media.startswith("text/") or media.endswith(("json", "xml")) else ""
        return Reply(200, data, media + charset, headers)
