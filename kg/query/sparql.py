"""A small SPARQL tokenizer: enough to skip strings, IRIs and comments, find the query's form, the
``VALUES`` blocks parameters are bound in and the ``# if ?name`` lines of stored queries.

>>> values_blocks('SELECT * { VALUES ?org { UNDEF } BIND("VALUES ?org { x }" AS ?s) }', "org")
[(24, 31)]
"""

from __future__ import annotations

import re
from typing import Iterator

__all__ = ["tokens", "query_form", "is_update", "values_blocks", "markers", "TOKEN"]

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


def tokens(text: str) -> Iterator[re.Match]:
    """The tokens of ``text``: comments, strings, IRIs, variables, words, whitespace, other characters."""
    return _TOKEN.finditer(text)


def query_form(text: str) -> str | None:
    """The first keyword after the prologue, upper case (``SELECT``, ``INSERT``…), or None.

    >>> query_form("PREFIX kg: <https://e/#> # c\\n select * {}")
    'SELECT'
    >>> query_form('BASE <http://e/> DROP ALL')
    'DROP'
    """
    skip = 0
    for m in tokens(text):
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


def values_blocks(text: str, name: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the content of each ``VALUES ?name { … }`` block."""
    toks = [m for m in tokens(text) if m.lastgroup not in ("ws", "comment")]
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


_MARKER = re.compile(r"#\s*(if)\s+[?$](\w+)\b.*")


def markers(text: str) -> list[tuple[int, int, str, str]]:
    """``(line start, line end, "if", name)`` of each line whose comment starts with ``# if ?name``."""
    out = []
    for m in tokens(text):
        if m.lastgroup == "comment":
            mk = _MARKER.fullmatch(m.group())
            if mk:
                start = text.rfind("\n", 0, m.start()) + 1
                out.append((start, m.end(), mk.group(1), mk.group(2)))
    return out

TOKEN = _TOKEN  # the tokenizer's pattern (a token at a position: TOKEN.match(text, pos))
