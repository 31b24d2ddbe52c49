"""A spaCy ``Doc`` for a whole ingested document: the first step of the pipeline.

The Doc's text is the document's repaired text (``Document.text``) as the components read it
(:func:`reading_text`: simplified characters for a text written in traditional ones, the same
length), so a character offset in the Doc is an offset in the clean text and
``Document.original_span`` maps it to the file; the records take names from the document's own
text, in its own script. Its tokens
are LAC's words of each sentence (``extract.lac``), the whitespace between sentences a token of
its own; ``doc.sents`` are the sentences ingestion found (headlines included), one for one; the
articles are ``doc._.articles`` (:class:`ArticleInfo`: its span, its headline, its date) and the
document's own date is ``doc._.date``. Components then see the whole document, so an article's
headline, its main event and the roles of its later sentences meet in one place.

>>> from kg.ingest import ingest_text
>>> from extract.pipeline import get_nlp
>>> d = ingest_text("质量论坛在京举行\\n\\n2021年5月，论坛在北京举行。王建国出席。", doc_id="t.txt")
>>> doc = get_nlp()(make_doc(get_nlp(), d))
>>> doc.text == d.text, [s.text for s in doc.sents]
(True, ['质量论坛在京举行\\n', '2021年5月，论坛在北京举行。', '王建国出席。'])
>>> [(a.index, a.headline.text) for a in doc._.articles]
[(0, '质量论坛在京举行')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.records import Document

from .lac import POOL_CHARS, lac_analyze_batch
from .spans import Tokens

if not Doc.has_extension("articles"):
    Doc.set_extension("articles", default=())
if not Doc.has_extension("date"):
    Doc.set_extension("date", default=None)
if not Doc.has_extension("doc_id"):
    Doc.set_extension("doc_id", default=None)
if not Doc.has_extension("source"):
    Doc.set_extension("source", default=None)  # the ingested Document the Doc was made from


@dataclass(slots=True)
class ArticleInfo:
    """One article of a document: its index, all its sentences, its headline (if any) and date;
    ``main_event`` is set by ``kg_articles`` (:mod:`extract.articles`)."""

    index: int
    span: Span
    headline: Span | None
    date: str | None  # ISO (YYYY, YYYY-MM or YYYY-MM-DD) the article states first
    main_event: Span | None = None  # the event the article is about


def make_doc(nlp: Language, document: Document) -> Doc:
    return next(make_docs(nlp, [document]))


def make_docs(nlp: Language, documents: Iterable[Document], pool_chars: int = POOL_CHARS) -> Iterator[Doc]:
    """Docs of ``documents`` in order; LAC runs over the sentences of several documents at once
    (at least ``pool_chars`` characters), which is much faster than one document at a time."""
    buf: list[Document] = []
    chars = 0
    for d in documents:
        buf.append(d)
        chars += len(d.text)
        if chars >= pool_chars:
            yield from _flush(nlp, buf)
            buf, chars = [], 0
    if buf:
        yield from _flush(nlp, buf)


def _flush(nlp: Language, documents: list[Document]) -> Iterator[Doc]:
    views = [reading_text(d.text) for d in documents]
    sentences = [[(s, view[s.clean_start:s.clean_end]) for s in d.sentences] for d, view in zip(documents, views)]
    texts = [t for sents in sentences for _, t in sents if t]
    analyses = iter(lac_analyze_batch(texts))
    for d, view, sents in zip(documents, views, sentences):
        yield _build(nlp, d, view, [(s, t, next(analyses) if t else []) for s, t in sents])


_QUOTES = str.maketrans("「」『』", "“”‘’")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
TRADITIONAL_SHARE = 0.02  # of a text's Chinese characters that simplification changes, to read it simplified


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s.json")


def reading_text(text: str) -> str:
    """The text as the components read it, character for character the same length (so every
    offset holds): simplified characters when the text is written in traditional ones (OpenCC's
    t2s conversion, char by char where a phrase would change the length), and “” ‘’ for 「」『』.

    >>> reading_text("香港品質保證局舉行「2023年度可持續發展卓越大獎」頒獎典禮")
    '香港品质保证局举行“2023年度可持续发展卓越大奖”颁奖典礼'
    >>> reading_text("中国机械工业质量管理协会")  # simplified text is left as it is
    '中国机械工业质量管理协会'
    """
    view = text.translate(_QUOTES)
    if not view:
        return view
    simplified = _t2s().convert(view)
    if len(simplified) != len(view):
        simplified = "".join(c if len(s := _t2s().convert(c)) != 1 else s for c in view)
    changed = sum(1 for a, b in zip(view, simplified) if a != b)
    chinese = len(_CJK.findall(view))
    return simplified if chinese and changed >= max(2, TRADITIONAL_SHARE * chinese) else view


def _build(nlp: Language, document: Document, view: str, analysed: list) -> Doc:
    tokenizer = nlp.tokenizer
    text = view
    words: list[str] = []
    tags: list[str] = []
    starts: list[bool] = []  # a sentence starts at its first word; the whitespace after it is its own
    pos = 0
    for s, sentence, analysis in analysed:
        if s.clean_start > pos:  # whitespace between sentences: a token of the sentence before
            words.append(text[pos:s.clean_start])
            tags.append("_SP")
            starts.append(not starts)
        toks, tok_tags = tokenizer.words(sentence, analysis)
        words += toks
        tags += tok_tags
        starts += [i == 0 for i in range(len(toks))]
        pos = s.clean_end
    if pos < len(text):
        words.append(text[pos:])
        tags.append("_SP")
        starts.append(not starts)
    if len(starts) > 1 and tags[0] == "_SP":
        starts[1] = False  # leading whitespace: the first sentence starts at the Doc's start
    doc = Doc(nlp.vocab, words=words, spaces=[False] * len(words), tags=tags or None, sent_starts=starts or None)
    doc._.source = document
    if tags:
        doc.user_data["kg.tokens"] = Tokens.of_words(words, tags)
    doc.user_data["kg.text"] = "".join(words)  # doc.text (no spaces between tokens) without a Token per token
    return doc


class Sections:
    """The articles of the Doc (``doc._.articles``), its id and date, from the ingested document it
    was made from (``doc._.source``; :func:`make_doc` already made its sentences those of the
    document, one for one, the whitespace after a sentence part of it). A Doc made from plain text
    is one sentence and one article."""

    def __init__(self, nlp: Language, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        document = doc._.source
        if document is None:  # plain text (one sentence, from the tokenizer): one article
            doc._.articles = (ArticleInfo(0, doc[:], None, None),)
            return doc
        doc._.doc_id = document.doc_id
        doc._.date = document.date
        doc._.articles = tuple(_articles(doc, document))
        return doc


@Language.factory("kg_sections", assigns=["doc._.articles"])
def make_sections(nlp: Language, name: str) -> Sections:
    return Sections(nlp, name)


def _articles(doc: Doc, document: Document) -> Iterator[ArticleInfo]:
    for a in document.articles:
        units = ([a.headline] if a.headline else []) + list(a.sentences)
        if not units:
            continue
        span = doc.char_span(units[0].clean_start, units[-1].clean_end, alignment_mode="expand")
        head = doc.char_span(a.headline.clean_start, a.headline.clean_end, alignment_mode="expand") if a.headline else None
        yield ArticleInfo(a.index, span, head, a.date)
