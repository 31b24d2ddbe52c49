"""kg.report: one rule for display widths and truncation, and the formats every command prints."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.query import IRI, QueryResult
from kg.report import display_width, format_csv, format_json, format_table, pad, printable, truncate, wrap


def unicode_width(s: str, ambiguous: int) -> int:
    """The rule written plainly: East Asian wide and full-width 2, ambiguous ``ambiguous``, combining 0."""
    width = {"W": 2, "F": 2, "A": ambiguous}
    return sum(0 if unicodedata.combining(c) else width.get(unicodedata.east_asian_width(c), 1) for c in s)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.sampled_from([1, 2]))
def test_display_width_is_the_unicode_rule(text, ambiguous):
    assert display_width(text, ambiguous) == unicode_width(text, ambiguous)


@pytest.mark.parametrize("text, terminal, chinese", [
    ("中机质协", 8, 8),
    ("GB/T 1234标准", 13, 13),
    ("“质量月”——活动…", 15, 20),  # quotes, dashes and the ellipsis are full width in Chinese text
    ("ａｂ１", 6, 6),  # full-width forms
])
def test_display_width_in_a_terminal_and_in_chinese_text(text, terminal, chinese):
    assert display_width(text) == terminal and display_width(text, ambiguous=2) == chinese


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.integers(min_value=1, max_value=20))
def test_truncate_fits_and_keeps_a_prefix(text, width):
    cut = truncate(text, width)
    assert display_width(cut) <= max(width, display_width(text[:1]) + 1) or cut == text
    assert cut == text or (cut.endswith("…") and text.startswith(cut[:-1]))
    assert display_width(pad(cut, width)) >= width


def test_truncate_counts_characters_when_asked():
    assert truncate("中国机械工业质量管理协会", 6, width_of=len) == "中国机械工…"
    assert truncate("中国机械工业质量管理协会", 6) == "中国…"


def test_printable_keeps_control_characters_out_of_a_terminal():
    assert printable("a\tb\nc\x1b[2J") == "a b c\\x1b[2J"


def test_wrap_keeps_lines_within_the_width():
    items = [f"机构{i} {i}" for i in range(40)]
    lines = wrap(items, width=30)
    assert all(display_width(line) <= 30 for line in lines)
    assert " ".join(lines).split() == " ".join(items).split()


RESULT = QueryResult("select", ["org", "date", "n"], [
    (IRI("https://example.org/cnqkg/id/org/中机质协"), dt.date(2020, 9, 12), Decimal("0.9")),
    ("中国机械工业质量管理协会" * 6, None, 3),
])


def test_table_csv_and_json_of_one_result():
    table = format_table(RESULT).splitlines()
    assert table[0].startswith("org") and "id:org/中机质协" in table[2]
    assert all(display_width(cell) <= 60 for line in table[2:] for cell in line.split("  ") if cell)
    assert format_csv(RESULT).splitlines()[1] == "https://example.org/cnqkg/id/org/中机质协,2020-09-12,0.9"
    data = json.loads(format_json(RESULT))
    assert data["rows"][0] == {"org": "https://example.org/cnqkg/id/org/中机质协", "date": "2020-09-12", "n": "0.9"}
    assert data["rows"][1]["date"] is None
