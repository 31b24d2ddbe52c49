"""Oxigraph's syntax errors as one line about the text the user wrote.

The line and column are in the user's text (not in the text run, which has parameters bound and a
page clause added), with a short reason: an undeclared prefix is named in one line, and the parser's
list of expected tokens keeps the keywords and punctuation, not its character classes.
"""

from __future__ import annotations

import difflib
import re
from typing import Mapping

import pyoxigraph as ox

from kg.ontology.namespaces import PREFIXES
from kg.query.errors import QuerySyntaxError
from kg.query.sparql import TOKEN, query_form

__all__ = ["syntax_error"]


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
    tok = TOKEN.match(rest) if rest else None
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


def syntax_error(message: str, run: str, user: str, source: str | None,
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
