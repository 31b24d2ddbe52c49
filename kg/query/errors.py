"""The ways a query fails: each a kind of :class:`kg.errors.KgError` (the caller's mistakes are
:class:`~kg.errors.BadUsage`, exit status 2; the rest :class:`~kg.errors.RunFailed`, 4)."""

from __future__ import annotations

from kg.errors import BadUsage, RunFailed

__all__ = ["QueryError", "QuerySyntaxError", "UpdateRefusedError", "QueryTimeoutError", "StoredQueryError"]


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
