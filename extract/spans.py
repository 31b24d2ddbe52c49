"""What the components share: character classes, LAC tag sets, span helpers, and ``span._.info``.

``span._.info`` (:class:`SpanInfo`) holds what a recognizer knows of a span beyond its label: the
rule that found it, a confidence, further names (a document's number beside its title, the other
names of an event) and, for a chained organization name, its parent's span. It is stored on the
Doc per (label, start, end), so an organization and an event over the same characters keep
their own.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Iterable

from spacy.attrs import IDX, LENGTH, TAG
from spacy.tokens import Doc, Span

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
NAME_CHAR = re.compile(f"[{CJK}A-Za-z0-9]")
NAMEISH_TAGS = frozenset({"n", "nz", "nw", "LOC", "ORG", "vn", "an", "j", "s", "nt", "ns"})
STOP_TAGS = frozenset({"w", "v", "vd", "p", "u", "c", "d", "r", "xc", "PER", "TIME", "q", "f", "_SP"})


@dataclass(slots=True)
class SpanInfo:
    rule: str
    confidence: float
    names: tuple[str, ...] = ()
    parent: tuple[int, int] | None = None  # characters of the parent body in a chained name (工信部科技司: 工信部)
    refers_to: Span | None = None  # the event a reference (本次会议, 会上) stands for
    features: dict = field(default_factory=dict)  # what a learned scorer reads (candidates)
    date: str | None = None  # events: ISO date (YYYY-MM-DD, or coarser) the text gives
    end_date: str | None = None  # events: the last day of a range


def info_of(span: Span) -> SpanInfo | None:
    """``span._.info`` without the extension machinery (the components read it in their inner loops)."""
    return span.doc.user_data.get(("kg.info", span.label_, span.start_char, span.end_char))


_info_get = info_of


def _info_set(span: Span, value: SpanInfo | None) -> None:
    span.doc.user_data[("kg.info", span.label_, span.start_char, span.end_char)] = value


if not Span.has_extension("info"):
    Span.set_extension("info", getter=_info_get, setter=_info_set)


def text_of(doc: Doc) -> str:
    """``doc.text``, computed once (spaCy joins every token on each access)."""
    text = doc.user_data.get("kg.text")
    if text is None:
        text = doc.user_data["kg.text"] = doc.text
    return text


class Tokens:
    """The Doc's tokens as plain lists, indexed like the Doc: ``text``, ``idx`` (first character),
    ``end`` (one past the last) and ``tag`` (``token.tag_``). Loops over every token read these
    instead of making a ``Token`` object per token (spaCy builds one on each ``doc[i]``)."""

    __slots__ = ("text", "idx", "end", "tag")

    def __init__(self, text: list[str], idx: list[int], end: list[int], tag: list[str]):
        self.text, self.idx, self.end, self.tag = text, idx, end, tag

    @classmethod
    def of_doc(cls, doc: Doc) -> "Tokens":
        arr = doc.to_array([IDX, LENGTH, TAG]).tolist()
        full = text_of(doc)
        strings = doc.vocab.strings
        names: dict[int, str] = {}
        return cls([full[a:a + n] for a, n, _ in arr], [a for a, _, _ in arr], [a + n for a, n, _ in arr],
                   [names.get(h) or names.setdefault(h, strings[h]) for _, _, h in arr])

    @classmethod
    def of_words(cls, words: list[str], tags: list[str]) -> "Tokens":
        """Of a Doc made from ``words`` (no spaces between them) and ``tags``."""
        end = list(accumulate(map(len, words)))
        return cls(words, [0, *end[:-1]] if end else [], end, tags)


def tokens(doc: Doc) -> Tokens:
    """:class:`Tokens` of the Doc, computed once (the components never change its tokens)."""
    toks = doc.user_data.get("kg.tokens")
    if toks is None:
        toks = doc.user_data["kg.tokens"] = Tokens.of_doc(doc)
    return toks


def span_text(span: Span) -> str:
    """``span.text`` as a slice of the Doc's text (spaCy joins the span's tokens on each access)."""
    return text_of(span.doc)[span.start_char:span.end_char]


def sentences(doc: Doc) -> list[Span]:
    """``list(doc.sents)``, computed once (spaCy walks every token on each ``doc.sents``)."""
    sents = doc.user_data.get("kg.sents")
    if sents is None:
        sents = doc.user_data["kg.sents"] = list(doc.sents)
        doc.user_data["kg.sent_starts"] = [s.start_char for s in sents]
    return sents


def sentences_in(doc: Doc, start_char: int, end_char: int) -> list[Span]:
    """The sentences that begin inside ``start_char:end_char`` (an article's, say), in order."""
    sents = sentences(doc)
    starts = doc.user_data["kg.sent_starts"]
    return sents[bisect.bisect_left(starts, start_char):bisect.bisect_left(starts, end_char)]


def sentence_of(span: Span) -> Span:
    """The sentence a span starts in: ``span.sent`` without walking the tokens back to its start."""
    sents = sentences(span.doc)
    return sents[bisect.bisect_right(span.doc.user_data["kg.sent_starts"], span.start_char) - 1]


def make_span(doc: Doc, start: int, end: int, label: str, rule: str, confidence: float,
              names: tuple[str, ...] = (), parent: tuple[int, int] | None = None, expand: bool = False) -> Span | None:
    """A span over exactly the characters ``start:end`` (None when they cut a token; with
    ``expand``, the tokens they touch), labelled and with its :class:`SpanInfo`."""
    sp = exact_span(doc, start, end, label)
    if sp is None and expand:
        sp = doc.char_span(start, end, label=label, alignment_mode="expand")
    if sp is not None:
        sp._.info = SpanInfo(rule, confidence, names, parent)
    return sp


def exact_span(doc: Doc, start: int, end: int, label: str = "") -> Span | None:
    """The span of tokens covering exactly ``start:end`` (whitespace at either end allowed), or None."""
    sp = doc.char_span(start, end, label=label, alignment_mode="strict")
    if sp is None:
        sp = doc.char_span(start, end, label=label, alignment_mode="contract")
        if sp is None or sp.start_char != start or sp.end_char != end:
            return None
    return sp


def left_extend(doc: Doc, i: int, allowed, max_chars: int, max_tokens: int = 8, lower: int = 0) -> int:
    """Index of the first token of a name ending at token ``i``, extending left over tokens whose
    tag is ``allowed`` (never before token ``lower``, the sentence's first)."""
    start = i
    chars = len(doc[i].text)
    while start > lower and start > i - max_tokens:
        t = doc[start - 1]
        if t.tag_ not in allowed or not t.text.strip() or chars + len(t.text) > max_chars:
            break
        if not NAME_CHAR.search(t.text):
            break
        start -= 1
        chars += len(t.text)
    return start


class SpanIndex:
    """Spans by position: those inside a stretch of the Doc in O(log n), whatever the Doc's size."""

    def __init__(self, spans: Iterable[Span]):
        self.spans = sorted(spans, key=lambda s: (s.start_char, -s.end_char))
        self.starts = [s.start_char for s in self.spans]
        self.longest = max((s.end_char - s.start_char for s in self.spans), default=0)

    def within(self, start: int, end: int) -> list[Span]:
        """The spans lying inside ``start:end``."""
        i = bisect.bisect_left(self.starts, start)
        out = []
        while i < len(self.spans) and self.spans[i].start_char < end:
            if self.spans[i].end_char <= end:
                out.append(self.spans[i])
            i += 1
        return out

    def covering(self, start: int, end: int) -> list[Span]:
        """The spans that contain ``start:end``."""
        i = bisect.bisect_right(self.starts, start)
        out = []
        j = i - 1
        while j >= 0 and self.spans[j].start_char >= start - self.longest:
            if self.spans[j].end_char >= end:
                out.append(self.spans[j])
            j -= 1
        return out
