"""Rows a page at a time: a ``LIMIT``/``OFFSET`` clause where the query can take one cheaply."""

from __future__ import annotations

import re

from kg.query.sparql import query_form, tokens

__all__ = ["paginate"]


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
    for m in tokens(text):
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
