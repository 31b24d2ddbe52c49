"""Repair conversion damage while keeping, for every character, its offset in the original.

The repairs are a sequence of regular-expression edits over the whole text. Equal-length edits
(full-width/ASCII punctuation) leave the offset map alone; deletions and joins rebuild it from
slices of the previous map, so the cost is linear and the map is always exact:
``clean[i] == original[offsets[i]]`` for every character kept unchanged, and a character that
was rewritten (``,`` to ``，``) points at the character it replaced.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from typing import Callable

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# CJK punctuation, full-width forms and quotes that sit between Chinese words without spaces
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u2026\u2014\u00b7"
_CJKC = f"[{CJK}]"
_CJKP = f"[{CJK}{CJK_PUNCT}]"


@dataclass(slots=True)
class Mapped:
    """Text plus, for each character, its offset in the original text."""

    text: str
    offsets: array

    @classmethod
    def identity(cls, text: str) -> "Mapped":
        return cls(text, array("q", range(len(text))))


def _subsequence_offsets(src: str, src_offs: array, out: str) -> array:
    """Offsets for ``out`` when it is built from ``src`` (deletions, maybe rewrites)."""
    res = array("q")
    j = 0
    n = len(src)
    for ch in out:
        k = src.find(ch, j) if j < n else -1
        if k < 0:  # an inserted or rewritten character: point at the current position
            res.append(src_offs[min(j, n - 1)] if n else 0)
        else:
            res.append(src_offs[k])
            j = k + 1
    return res


def edit(m: Mapped, pattern: re.Pattern, repl: str | Callable[[re.Match], str]) -> Mapped:
    """Apply ``pattern.sub(repl)`` to ``m`` and carry the offset map along."""
    text, offs = m.text, m.offsets
    pieces: list[str] = []
    new_offs = array("q")
    last = 0
    changed = False
    for mt in pattern.finditer(text):
        s, e = mt.span()
        r = repl(mt) if callable(repl) else mt.expand(repl)
        if r == mt.group(0):
            continue
        changed = True
        if s > last:
            pieces.append(text[last:s])
            new_offs.extend(offs[last:s])
        if r:
            pieces.append(r)
            if len(r) == e - s:
                new_offs.extend(offs[s:e])
            else:
                new_offs.extend(_subsequence_offsets(text[s:e], offs[s:e], r))
        last = e
    if not changed:
        return m
    pieces.append(text[last:])
    new_offs.extend(offs[last:])
    return Mapped("".join(pieces), new_offs)


def same_length_sub(m: Mapped, pattern: re.Pattern, repl: Callable[[re.Match], str]) -> Mapped:
    """A substitution whose replacements have the length of their matches: offsets unchanged."""

    def checked(mt: re.Match) -> str:
        r = repl(mt)
        if len(r) != len(mt.group(0)):  # pragma: no cover - programming error
            raise ValueError("same_length_sub replacement changed length")
        return r

    return Mapped(pattern.sub(checked, m.text), m.offsets)


# --- 1. residue and invisible characters ------------------------------------------------------
_RESIDUE = re.compile(
    r"\[bookmark:[^\]\n]{0,200}\]"  # Word bookmarks exported as text
    r"|\{#_[A-Za-z0-9_]{1,60}\}"  # pandoc-style anchors
    r"|[\u200b-\u200d\u2060\ufeff\u00ad]"  # zero-width characters, soft hyphen, stray BOM
    r"|\r(?=\n)"  # CRLF
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # control characters
)
_LONE_CR = re.compile(r"\r")

# --- 2. width normalisation (1:1) -------------------------------------------------------------
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))}
_FULLWIDTH_ALNUM.update({0x3000: 0x20, 0x00A0: 0x20, 0xFF05: 0x25, 0xFF0F: 0x2F, 0xFF0D: 0x2D, 0xFF0E: 0x2E})
_FULLWIDTH_ALNUM.update({c: 0x20 for c in range(0x2000, 0x200B)})
# a tab between two words is a table-cell boundary: make it a line break
_CELL_TAB = re.compile(r"(?<=\S)\t+(?=\S)")
_OTHER_TAB = re.compile(r"\t")

# --- 3. markup residue ------------------------------------------------------------------------
_MD_HEADING = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+")
_MD_LINK = re.compile(r"\[([^\]\n]{1,200})\]\([^)\s]{1,500}\)")
_BOLD = re.compile(r"\*\*(?=\S)|(?<=\S)\*\*|__(?=\S)|(?<=\S)__")
_BULLET = re.compile(r"(?m)^[ \t]*[-*•●▪◆■][ \t]+")

# --- 4. ASCII punctuation in Chinese context -> full width (1:1) ------------------------------
_ASCII_TO_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）", ".": "。"}
_ASCII_PUNCT = re.compile(
    rf"(?<={_CJKP})[,:;!?]"  # after Chinese: 委(局),  会议:  报告后,24小时
    rf"|(?<![\d\w])[,:;!?](?={_CJKC})"  # before Chinese
    rf"|(?<={_CJKC})\.(?=\s|$|{_CJKP})"  # a sentence-final period after Chinese
)
_PAREN_PAIR = re.compile(r"\(([^()\n]{0,120})\)")
_HAS_CJK = re.compile(_CJKC)

# --- 5. spacing -------------------------------------------------------------------------------
# table layout: single characters separated by spaces (工 业 和 信 息 化 部)
_LETTER_SPACED = re.compile(rf"(?<!{_CJKC}){_CJKC}(?:[ ]{{1,3}}{_CJKC}(?!{_CJKC})){{2,}}")
_SPACE_JOIN = re.compile(
    rf"(?<={_CJKP})[ ]+(?=[0-9\[(])"  # 2020年 9月, 中机质协 [2021]
    rf"|(?<=[0-9\])])[ ]+(?={_CJKP})"  # 9 月, 1 号, [2021] 1
    rf"|(?<=[{CJK_PUNCT}])[ ]+(?=\S)"  # spaces after Chinese punctuation
    rf"|(?<=\S)[ ]+(?=[{CJK_PUNCT}])"  # spaces before Chinese punctuation
    rf"|(?<=[0-9])[ ]+(?=[0-9]*\])"  # [2015 ]
)
_MULTI_SPACE = re.compile(r"[ ]{2,}")


def _to_full(mt: re.Match) -> str:
    return _ASCII_TO_FULL[mt.group(0)]


def _paren_pair(mt: re.Match) -> str:
    s, e = mt.span()
    text = mt.string
    before = text[s - 1] if s > 0 else ""
    after = text[e] if e < len(text) else ""
    if _HAS_CJK.search(mt.group(1)) or _HAS_CJK.match(before) or _HAS_CJK.match(after):
        return "（" + mt.group(1) + "）"
    return mt.group(0)


def normalize_punctuation(m: Mapped) -> Mapped:
    m = same_length_sub(m, _PAREN_PAIR, _paren_pair)
    return same_length_sub(m, _ASCII_PUNCT, _to_full)


def repair_characters(m: Mapped, fmt: str = "txt") -> Mapped:
    """Character-level repairs (everything but line structure)."""
    m = edit(m, _RESIDUE, "")
    m = same_length_sub(m, _LONE_CR, lambda _: "\n")
    m = Mapped(m.text.translate(_FULLWIDTH_ALNUM), m.offsets)
    m = same_length_sub(m, _CELL_TAB, lambda mt: "\n" * len(mt.group(0)))
    m = same_length_sub(m, _OTHER_TAB, lambda _: " ")
    if fmt == "md":
        m = edit(m, _MD_HEADING, "")
        m = edit(m, _MD_LINK, lambda mt: mt.group(1))
    m = edit(m, _BOLD, "")
    m = edit(m, _BULLET, "")
    m = normalize_punctuation(m)
    m = edit(m, _LETTER_SPACED, lambda mt: mt.group(0).replace(" ", ""))
    m = edit(m, _SPACE_JOIN, "")
    m = edit(m, _MULTI_SPACE, " ")
    # joining may have put ASCII punctuation next to Chinese
    return normalize_punctuation(m)


# --- line structure ---------------------------------------------------------------------------
_TERMINAL = re.compile(r"[。！？!?；;：:…][”’」』）)》】\]]*$")
_INTERNAL = re.compile(r"[，。；：、！？,;:!?]")
_CANNOT_START = re.compile(r"^[的了着过地得之，、。；：）》”’」』,.;:)]")
_LIST_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|（[一二三四五六七八九十\d]+）|\(\d+\)|\d{1,2}[、.．](?!\d)|第[一二三四五六七八九十百\d]+[条章节]|附件|附\s?\d)"
)
_DATELINE_START = re.compile(r"^(?:\d{4}年)?\d{1,2}月\d{1,2}日|^\d{4}年\d{1,2}月")
_OPENERS = "《“‘「『（【〔"
_CLOSERS = "》”’」』）】〕"
_BRACKETS = re.compile(f"[{_OPENERS}{_CLOSERS}]")


def display_width(s: str) -> int:
    wide = len(_WIDE.findall(s))
    return len(s) + wide


_WIDE = re.compile(f"[{CJK}{CJK_PUNCT}\u2e80-\u2fff\uac00-\ud7af]")


def open_depth(s: str, depth: int = 0) -> int:
    """How many brackets/quotes remain open after ``s`` (clamped at 0, reset on stray closers)."""
    for ch in _BRACKETS.findall(s):
        if ch in _OPENERS:
            depth += 1
        elif depth > 0:
            depth -= 1
    return depth


@dataclass(slots=True)
class Line:
    start: int
    end: int
    gap_before: bool  # a blank line precedes it


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    gap = False
    pos = 0
    for raw in text.split("\n"):
        s, e = pos, pos + len(raw)
        pos = e + 1
        # strip spaces
        while s < e and text[s] in " \u3000":
            s += 1
        while e > s and text[e - 1] in " \u3000":
            e -= 1
        if s == e:
            gap = True
            continue
        lines.append(Line(s, e, gap))
        gap = False
    return lines


def _wrap_width(text: str, lines: list[Line]) -> int | None:
    """The column width of a hard-wrapped document, or None if lines are paragraphs."""
    if len(lines) < 8:
        return None
    widths = sorted(display_width(text[ln.start:ln.end]) for ln in lines)
    p90 = widths[int(len(widths) * 0.9) - 1]
    if p90 > 120 or p90 < 16:
        return None
    near = sum(1 for w in widths if p90 - 6 <= w <= p90 + 2)
    if near < len(widths) * 0.5:
        return None
    # the modal width among the full lines
    counts: dict[int, int] = {}
    for w in widths:
        if w >= p90 - 6:
            counts[w] = counts.get(w, 0) + 1
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]


def _headline_like(s: str) -> bool:
    return 2 <= len(s) <= 60 and not _INTERNAL.search(s) and not _LIST_MARKER.match(s)


def group_paragraphs(text: str, lines: list[Line]) -> list[list[Line]]:
    """Decide which line breaks are wraps (join) and which end a paragraph."""
    width = _wrap_width(text, lines)
    paragraphs: list[list[Line]] = []
    current: list[Line] = []
    depth = 0
    for i, ln in enumerate(lines):
        s = text[ln.start:ln.end]
        current.append(ln)
        depth = open_depth(s, depth)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is None:
            break
        n = text[nxt.start:nxt.end]
        if depth > 0 and depth <= 3:
            join = True  # inside 《…》 or “…”
        elif _TERMINAL.search(s):
            join = False
        elif _CANNOT_START.match(n):
            join = True
        elif _LIST_MARKER.match(s) and len(s) <= 40 and not (len(n) < 20 and _TERMINAL.search(n)):
            join = False  # a numbered heading ("2、…"), unless only a short tail follows
        elif len(current) == 1 and _headline_like(s) and _DATELINE_START.match(n):
            join = False  # a headline, then the body's dateline ("10月14日，…")
        elif width is not None:
            w = display_width(s)
            if w < width - 8:
                join = False  # a short line is never a wrapped one
            elif len(current) == 1 and _headline_like(s) and w > width - 4:
                join = False  # an unindented line without punctuation after a paragraph: a heading
            else:
                join = True
        else:
            join = (
                nxt.gap_before
                and len(s) >= 20
                and bool(_INTERNAL.search(s))
                and not _LIST_MARKER.match(n)
            )
        if not join:
            paragraphs.append(current)
            current = []
            depth = 0
    if current:
        paragraphs.append(current)
    return paragraphs


_ALNUM_END = re.compile(r"[A-Za-z0-9]$")
_ALNUM_START = re.compile(r"^[A-Za-z0-9]")


def join_paragraphs(m: Mapped, paragraphs: list[list[Line]]) -> tuple[Mapped, list[tuple[int, int]]]:
    """Build the text with one paragraph per line; return it and each paragraph's span."""
    text, offs = m.text, m.offsets
    pieces: list[str] = []
    new_offs = array("q")
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in paragraphs:
        if spans:
            pieces.append("\n")
            new_offs.append(offs[para[0].start])
            pos += 1
        start = pos
        prev = ""
        for ln in para:
            seg = text[ln.start:ln.end]
            if prev and _ALNUM_END.search(prev) and _ALNUM_START.match(seg):
                pieces.append(" ")
                new_offs.append(offs[ln.start])
                pos += 1
            pieces.append(seg)
            new_offs.extend(offs[ln.start:ln.end])
            pos += len(seg)
            prev = seg
        spans.append((start, pos))
    return Mapped("".join(pieces), new_offs), spans


def clean(text: str, fmt: str = "txt") -> tuple[Mapped, list[tuple[int, int]]]:
    """Repair ``text``; return the clean text with offsets and the paragraph spans in it."""
    m = repair_characters(Mapped.identity(text), fmt)
    lines = split_lines(m.text)
    paragraphs = group_paragraphs(m.text, lines)
    return join_paragraphs(m, paragraphs)

