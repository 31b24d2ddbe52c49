"""Split clean text into articles (headline + body), paragraphs and sentences; date them (:mod:`kg.dates`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain, islice

from kg.dates import first_date, is_dateline
from kg.records import Article, Paragraph, Sentence

from .clean import Mapped, _INTERNAL, _LIST_MARKER

DEFAULT_MAX_SENTENCE = 1000

# a run of 。！？； (or ASCII forms) with the closing quotes/brackets after it, or an ellipsis ……;
# written to start with a character class, so that re scans quickly for the candidates
_BOUNDARY = re.compile(
    r"[。！？!?；;…]"
    r"(?:(?<=[。！？!?；;])[。！？!?；;]*[”’」』）)]*"
    r"|(?<=…)…+[”’」』]?)"
)
_QUOTES = re.compile(r"[“”「」『』《》]")
_QUOTE_PAIRS = {"”": "“", "」": "「", "』": "『", "》": "《"}
_MAX_QUOTE = 300  # a quotation longer than this is taken to be unbalanced
_SOFT_BREAK = re.compile(r"[，、,：:\s]")


def protected_spans(para: str) -> list[tuple[int, int]]:
    """Spans (open, close) of balanced quotes and 《》 titles, inside which nothing splits."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for mt in _QUOTES.finditer(para):
        ch, i = mt.group(0), mt.start()
        opener = _QUOTE_PAIRS.get(ch)
        if opener is None:
            stack.append((ch, i))
            continue
        # close the nearest matching opener, dropping unmatched ones above it
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] == opener:
                o = stack[k][1]
                del stack[k:]
                if i - o <= _MAX_QUOTE:
                    spans.append((o, i))
                break
    return spans


def sentence_bounds(para: str) -> list[tuple[int, int]]:
    """Sentence spans in ``para``, uncapped: split after 。！？； (and ASCII forms) outside quotes/《》."""
    cuts = [mt.end() for mt in _BOUNDARY.finditer(para)]
    if not cuts:
        return [(0, len(para))] if para else []
    spans = protected_spans(para)
    if spans:
        cuts = [b for b in cuts if not any(o < b <= c for o, c in spans)]
    out: list[tuple[int, int]] = []
    start = 0
    for b in cuts:
        if b > start:
            out.append((start, b))
        start = b
    if len(para) > start:
        out.append((start, len(para)))
    return out


def split_sentences(para: str, max_len: int = DEFAULT_MAX_SENTENCE) -> list[tuple[int, int]]:
    """Sentence spans in ``para``, each at most ``max_len`` long (see :func:`cap_span`)."""
    return [piece for s, e in sentence_bounds(para) for piece in cap_span(para, s, e, max_len)]


def cap_span(text: str, start: int, end: int, max_len: int, breaks: re.Pattern = _SOFT_BREAK) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces of at most ``max_len``: after the last ``breaks`` match
    in the second half of each window, else hard at the limit.

    >>> cap_span("甲乙丙，丁戊己庚", 0, 8, 5)
    [(0, 4), (4, 8)]
    """
    res = []
    while end - start > max_len:
        soft = None
        for mt in breaks.finditer(text, start + max_len // 2, start + max_len):
            soft = mt.end()
        cut = soft or start + max_len
        res.append((start, cut))
        start = cut
    res.append((start, end))
    return res


def make_sentence(doc_text: Mapped, s: int, e: int) -> Sentence | None:
    """The sentence ``doc_text.text[s:e]`` without surrounding whitespace, or None if blank."""
    raw = doc_text.text[s:e]
    text = raw.strip()
    if not text:
        return None
    s += len(raw) - len(raw.lstrip())
    e = s + len(text)
    offs = doc_text.offsets
    return Sentence(text, offs[s], offs[e - 1] + 1, s, e)


# --- article structure ------------------------------------------------------------------------
_ISSUE_LINE = re.compile(r"^[（(]?(总)?第?[\d一二三四五六七八九十]+期[）)]?$")
_SOURCE_LINE = re.compile(r"^[（(].*[）)]$")


def is_headline_candidate(p: str) -> bool:
    if not 4 <= len(p) <= 60:
        return False
    if _INTERNAL.search(p) or _LIST_MARKER.match(p):
        return False
    if is_dateline(p) or _ISSUE_LINE.match(p) or _SOURCE_LINE.match(p):
        return False
    return True


def is_body(p: str) -> bool:
    return len(p) >= 15 and bool(_INTERNAL.search(p))


def is_salutation(p: str) -> bool:
    return len(p) <= 60 and p.endswith(("：", ":"))


def find_headlines(paras: list[str]) -> set[int]:
    """Indices of paragraphs that start an article.

    A headline is a short line without sentence punctuation; of a run of such lines (masthead,
    kicker, document number, title) the last one is the headline, and only when body text
    follows (possibly after a salutation such as "各会员单位：").
    """
    heads: set[int] = set()
    i, n = 0, len(paras)
    while i < n:
        if not is_headline_candidate(paras[i]):
            i += 1
            continue
        j = i
        while j + 1 < n and is_headline_candidate(paras[j + 1]):
            j += 1
        k = j + 1
        if k < n and is_salutation(paras[k]) and not is_body(paras[k]) and k + 1 < n:
            k += 1
        if k < n and (is_body(paras[k]) or is_salutation(paras[k])):
            heads.add(j)
        i = j + 1
    return heads


@dataclass(slots=True)
class Segmented:
    articles: list[Article]
    title: str | None
    date: str | None
    long_sentences: int
    longest: int


def segment(doc_text: Mapped, para_spans: list[tuple[int, int]], max_sentence: int = DEFAULT_MAX_SENTENCE) -> Segmented:
    text = doc_text.text
    paras = [text[s:e] for s, e in para_spans]
    heads = find_headlines(paras)
    articles: list[Article] = []
    current: Article | None = None
    long_sentences = 0
    longest = 0
    for idx, ((ps, pe), ptext) in enumerate(zip(para_spans, paras)):
        if idx in heads:
            current = Article(len(articles), make_sentence(doc_text, ps, pe), [])
            articles.append(current)
            continue
        if current is None:
            current = Article(len(articles), None, [])
            articles.append(current)
        sentences = []
        for s, e in sentence_bounds(ptext):
            if e - s > longest:
                longest = e - s
            if e - s > max_sentence:
                long_sentences += 1
                pieces = cap_span(ptext, s, e, max_sentence)
            else:
                pieces = ((s, e),)
            for cs, ce in pieces:
                sent = make_sentence(doc_text, ps + cs, ps + ce)
                if sent is not None:
                    sentences.append(sent)
        if sentences:
            current.paragraphs.append(Paragraph(sentences))
    for a in articles:
        texts = chain([a.headline.text] if a.headline else [], (s.text for s in a.sentences))
        a.date = first_date(islice(texts, 40))
    title = next((a.headline.text for a in articles if a.headline), None)
    if title is None and paras:
        title = paras[0][:60]
    date = _document_date(articles, paras)
    return Segmented(articles, title, date, long_sentences, longest)


def _document_date(articles: list[Article], paras: list[str]) -> str | None:
    """The date a document states for itself: in its masthead, or a date line of its own."""
    if articles and articles[0].headline is None:
        d = first_date(s.text for s in list(articles[0].sentences)[:8])
        if d:
            return d
    for p in reversed(paras):
        if is_dateline(p):
            d = first_date([p])
            if d:
                return d
    return None
