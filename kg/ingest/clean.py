"""Repair conversion damage while keeping, for every character, its offset in the original.

The repairs are a sequence of regular-expression edits over the whole text. Equal-length edits
(full-width/ASCII punctuation) leave the offset map alone; deletions and joins select from the
previous map with one numpy index, so the cost is linear and the map is always exact:
``clean[i] == original[offsets[i]]`` for every character kept unchanged, and a character that
was rewritten (``,`` to ``，``) points at the character it replaced.

Speed: ``re`` can only skip quickly through the text to where a match may start when the
pattern begins with a literal or a character class; a pattern that begins with a lookbehind
or an alternation of classes is tried at every position. So every pattern below begins with
the characters its matches start with, the conditions on what precedes sit in lookbehinds
after that first character, and a pass whose trigger characters are absent is skipped.
tests/test_ingest_clean.py checks each pattern against its plainly written form.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from kg.report import display_width

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# CJK punctuation, full-width forms and quotes that sit between Chinese words without spaces
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u2026\u2014\u00b7"
_CJKC = f"[{CJK}]"
_CJKP = f"[{CJK}{CJK_PUNCT}]"


@dataclass(slots=True)
class Mapped:
    """Text plus, for each character, its offset in the original text.

    While the repairs run ``offsets`` is a numpy int64 array; the text :func:`clean` returns
    carries an ``array("q")``, whose items are plain ints.
    """

    text: str
    offsets: np.ndarray | array

    @classmethod
    def identity(cls, text: str) -> "Mapped":
        return cls(text, np.arange(len(text), dtype=np.int64))


def ranges_index(starts: Sequence[int], lengths: Sequence[int]) -> np.ndarray:
    """The concatenation of ``range(s, s + n)`` for each start ``s`` and length ``n``, as one array.

    >>> ranges_index([5, 0, 9], [2, 1, 0]).tolist()
    [5, 6, 0]
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    out_end = np.cumsum(lengths)
    total = int(out_end[-1]) if len(out_end) else 0
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (out_end - lengths), lengths)


def _subsequence_positions(src: str, out: str) -> list[int]:
    """For each character of ``out`` (built from ``src`` by deletions, maybe rewrites), the
    position in ``src`` it comes from: the next equal character, else (an inserted or rewritten
    character) the current position."""
    res: list[int] = []
    j = 0
    n = len(src)
    for ch in out:
        k = src.find(ch, j) if j < n else -1
        if k < 0:
            res.append(min(j, n - 1))
        else:
            res.append(k)
            j = k + 1
    return res


def edit(m: Mapped, pattern: re.Pattern, repl: str | Callable[[re.Match], str]) -> Mapped:
    """Apply ``pattern.sub(repl)`` to ``m`` and carry the offset map along.

    ``pattern`` must not match the empty string where the replacement is not empty.
    """
    text = m.text
    pieces: list[str] = []
    # the new map as ranges of the old one: kept stretches, and one entry per replacement char
    starts: list[int] = []
    lengths: list[int] = []
    literal = repl if isinstance(repl, str) and "\\" not in repl else None
    last = 0
    for mt in pattern.finditer(text):
        s, e = mt.span()
        if literal is not None:
            r = literal
        else:
            r = repl(mt) if callable(repl) else mt.expand(repl)
        if r == mt.group(0):
            continue
        if s == e:  # pragma: no cover - programming error
            raise ValueError("edit() inserted text at an empty match")
        pieces.append(text[last:s])
        starts.append(last)
        lengths.append(s - last)
        if r:
            pieces.append(r)
            if len(r) == e - s:
                starts.append(s)
                lengths.append(e - s)
            else:
                for k in _subsequence_positions(text[s:e], r):
                    starts.append(s + k)
                    lengths.append(1)
        last = e
    if not starts:
        return m
    pieces.append(text[last:])
    starts.append(last)
    lengths.append(len(text) - last)
    return Mapped("".join(pieces), m.offsets[ranges_index(starts, lengths)])


def same_length_sub(m: Mapped, pattern: re.Pattern, repl: str | Callable[[re.Match], str]) -> Mapped:
    """A substitution whose replacements have the length of their matches: offsets unchanged."""
    text = pattern.sub(repl, m.text)
    if len(text) != len(m.text):  # pragma: no cover - programming error
        raise ValueError("same_length_sub replacement changed length")
    return Mapped(text, m.offsets)


# --- 1. residue and invisible characters ------------------------------------------------------
_INVISIBLE = r"\u200b-\u200d\u2060\ufeff\u00ad"  # zero-width characters, soft hyphen, stray BOM
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"  # control characters
_RESIDUE = re.compile(
    rf"[\[{{\r{_INVISIBLE}{_CONTROL}]"  # the first character of every kind of residue
    r"(?:(?<=\[)bookmark:[^\]\n]{0,200}\]"  # Word bookmarks exported as text
    r"|(?<=\{)#_[A-Za-z0-9_]{1,60}\}"  # pandoc-style anchors
    rf"|(?<=[{_INVISIBLE}{_CONTROL}])"  # invisible and control characters
    r"|(?<=\r)(?=\n))"  # CRLF
)

# --- 2. width normalisation (1:1) -------------------------------------------------------------
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))}
_FULLWIDTH_ALNUM.update({0x3000: 0x20, 0x00A0: 0x20, 0xFF05: 0x25, 0xFF0F: 0x2F, 0xFF0D: 0x2D, 0xFF0E: 0x2E})
_FULLWIDTH_ALNUM.update({c: 0x20 for c in range(0x2000, 0x200B)})
# runs of the characters above (str.translate over the whole text looks up every character)
_FULLWIDTH = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FULLWIDTH_ALNUM)) + "]+")
# a tab between two words is a table-cell boundary: make it a line break
_CELL_TAB = re.compile(r"\t(?<=\S\t)\t*(?=\S)")

# --- 3. markup residue ------------------------------------------------------------------------
_MD_HEADING = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+")
_MD_LINK = re.compile(r"\[([^\]\n]{1,200})\]\([^)\s]{1,500}\)")
_BOLD = re.compile(r"\*\*(?=\S)|\*\*(?<=\S\*\*)|__(?=\S)|__(?<=\S__)")
_BULLET = re.compile(r"(?m)^[ \t]*[-*•●▪◆■][ \t]+")
_BULLET_MARK = re.compile(r"[-*•●▪◆■][ \t]")  # in every bullet

# --- 4. ASCII punctuation in Chinese context -> full width (1:1) ------------------------------
_ASCII_TO_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）", ".": "。"}
_ASCII_PUNCT = re.compile(
    r"[,:;!?.]"  # one ASCII mark, if:
    rf"(?:(?<={_CJKP}[,:;!?])"  # after Chinese: 委(局),  会议:  报告后,24小时
    rf"|(?<=[,:;!?])(?<![\d\w].)(?={_CJKC})"  # before Chinese
    rf"|(?<={_CJKC}\.)(?=\s|$|{_CJKP}))"  # a sentence-final period after Chinese
)
_PAREN_PAIR = re.compile(r"\(([^()\n]{0,120})\)")
_HAS_CJK = re.compile(_CJKC)

# --- 5. spacing -------------------------------------------------------------------------------
# table layout: single characters separated by spaces (工 业 和 信 息 化 部); the match starts
# at the first space, after a Chinese character that does not follow another one
_LETTER_SPACED = re.compile(
    rf"[ ](?<=(?<!{_CJKC}){_CJKC}[ ])[ ]{{0,2}}{_CJKC}(?!{_CJKC})(?:[ ]{{1,3}}{_CJKC}(?!{_CJKC}))+"
)
_SPACE_JOIN = re.compile(
    r"[ ]"  # a run of spaces
    rf"(?:(?<={_CJKP}[ ])[ ]*(?=[0-9\[(])"  # 2020年 9月, 中机质协 [2021]
    rf"|(?<=[0-9\])][ ])[ ]*(?={_CJKP})"  # 9 月, 1 号, [2021] 1
    rf"|(?<=[{CJK_PUNCT}][ ])[ ]*(?=\S)"  # spaces after Chinese punctuation
    rf"|(?<=\S[ ])[ ]*(?=[{CJK_PUNCT}])"  # spaces before Chinese punctuation
    rf"|(?<=[0-9][ ])[ ]*(?=[0-9]*\]))"  # [2015 ]
)
_MULTI_SPACE = re.compile(r"[ ]{2,}")


def _to_full(mt: re.Match) -> str:
    return _ASCII_TO_FULL[mt.group(0)]


def _to_ascii(mt: re.Match) -> str:
    return mt.group(0).translate(_FULLWIDTH_ALNUM)


def _paren_pair(mt: re.Match) -> str:
    s, e = mt.span()
    text = mt.string
    before = text[s - 1] if s > 0 else ""
    after = text[e] if e < len(text) else ""
    if _HAS_CJK.search(mt.group(1)) or _HAS_CJK.match(before) or _HAS_CJK.match(after):
        return "（" + mt.group(1) + "）"
    return mt.group(0)


def _join_letters(mt: re.Match) -> str:
    return mt.group(0).replace(" ", "")


def _link_text(mt: re.Match) -> str:
    return mt.group(1)


def normalize_punctuation(m: Mapped) -> Mapped:
    if "(" in m.text:
        m = same_length_sub(m, _PAREN_PAIR, _paren_pair)
    return same_length_sub(m, _ASCII_PUNCT, _to_full)


def repair_characters(m: Mapped, fmt: str = "txt") -> Mapped:
    """Character-level repairs (everything but line structure)."""
    m = edit(m, _RESIDUE, "")
    if "\r" in m.text:
        m = Mapped(m.text.replace("\r", "\n"), m.offsets)
    m = same_length_sub(m, _FULLWIDTH, _to_ascii)
    if "\t" in m.text:
        m = same_length_sub(m, _CELL_TAB, lambda mt: "\n" * len(mt.group(0)))
        m = Mapped(m.text.replace("\t", " "), m.offsets)
    if fmt == "md":
        if "#" in m.text:
            m = edit(m, _MD_HEADING, "")
        m = edit(m, _MD_LINK, _link_text)
    if "**" in m.text or "__" in m.text:
        m = edit(m, _BOLD, "")
    if _BULLET_MARK.search(m.text):
        m = edit(m, _BULLET, "")
    m = normalize_punctuation(m)
    m = edit(m, _LETTER_SPACED, _join_letters)
    m = edit(m, _SPACE_JOIN, "")
    if "  " in m.text:
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
# a line of a web page's or newsletter's metadata fields (发布日期：…　来源：…　浏览次数：…): a paragraph of
# its own, never the start of the sentence below it
_META_FIELD = re.compile(r"(?:发布日期|发布时间|来源|作者|责任编辑|编辑|浏览次数|点击数|阅读数|字体|供稿|摄影)\s*[：:]")
_OPENERS = "《“‘「『（【〔"
_CLOSERS = "》”’」』）】〕"
_BRACKETS = re.compile(f"[{_OPENERS}{_CLOSERS}]")


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


def _wrap_width(line_widths: list[int]) -> int | None:
    """The column width of a hard-wrapped document, or None if lines are paragraphs."""
    if len(line_widths) < 8:
        return None
    widths = sorted(line_widths)
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
    strs = [text[ln.start:ln.end] for ln in lines]
    widths = [display_width(s, ambiguous=2) for s in strs]  # Chinese text: “”…— are full width
    width = _wrap_width(widths)
    paragraphs: list[list[Line]] = []
    current: list[Line] = []
    depth = 0
    last = len(lines) - 1
    for i, ln in enumerate(lines):
        s = strs[i]
        current.append(ln)
        if _BRACKETS.search(s):
            depth = open_depth(s, depth)
        if i == last:
            break
        nxt = lines[i + 1]
        n = strs[i + 1]
        if depth > 0 and depth <= 3:
            join = True  # inside 《…》 or “…”
        elif _TERMINAL.search(s):
            join = False
        elif _META_FIELD.search(s):
            join = False  # 发布日期：2023-10-16　来源：中机质协 — then the body
        elif _CANNOT_START.match(n):
            join = True
        elif _LIST_MARKER.match(s) and len(s) <= 40 and not (len(n) < 20 and _TERMINAL.search(n)):
            join = False  # a numbered heading ("2、…"), unless only a short tail follows
        elif len(current) == 1 and _headline_like(s) and _DATELINE_START.match(n):
            join = False  # a headline, then the body's dateline ("10月14日，…")
        elif width is not None:
            w = widths[i]
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


_ASCII_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def join_paragraphs(m: Mapped, paragraphs: list[list[Line]]) -> tuple[Mapped, list[tuple[int, int]]]:
    """Build the text with one paragraph per line; return it and each paragraph's span.

    The returned map is an ``array("q")``.
    """
    text = m.text
    pieces: list[str] = []
    # the new map as ranges of the old one: the lines, and one entry per inserted separator
    starts: list[int] = []
    lengths: list[int] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in paragraphs:
        if spans:
            pieces.append("\n")
            starts.append(para[0].start)
            lengths.append(1)
            pos += 1
        start = pos
        prev = ""
        for ln in para:
            seg = text[ln.start:ln.end]
            if prev and prev[-1] in _ASCII_ALNUM and seg[0] in _ASCII_ALNUM:
                pieces.append(" ")
                starts.append(ln.start)
                lengths.append(1)
                pos += 1
            pieces.append(seg)
            starts.append(ln.start)
            lengths.append(ln.end - ln.start)
            pos += len(seg)
            prev = seg
        spans.append((start, pos))
    offsets = array("q", m.offsets[ranges_index(starts, lengths)].tobytes())
    return Mapped("".join(pieces), offsets), spans


def clean(text: str, fmt: str = "txt") -> tuple[Mapped, list[tuple[int, int]]]:
    """Repair ``text``; return the clean text with offsets and the paragraph spans in it."""
    m = repair_characters(Mapped.identity(text), fmt)
    lines = split_lines(m.text)
    paragraphs = group_paragraphs(m.text, lines)
    return join_paragraphs(m, paragraphs)

