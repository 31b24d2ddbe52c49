"""The ``kg_documents`` component: notices, plans, standards and reports named in the text.

How this genre names a document: a title in 《》; a quoted title ending in a document word
(“关于…的通知”, ``ontology/lexicon/document_heads.txt``); a number (中机质协〔2021〕1号,
工信厅科函〔2020〕59号, 2021年第5号公告) or a standard's code (GB/T 23004-2020). A number beside its
title names the same document (a further name, ``span._.info.names``), and so does the short
name given after it (（以下简称《参考架构》）).

>>> from extract.pipeline import get_nlp
>>> doc = get_nlp()("工信部印发《关于推进质量提升的指导意见》（工信部科〔2019〕188号）。")
>>> [(s.text, s._.info.names) for s in doc.spans["documents"]]
[('关于推进质量提升的指导意见', ('工信部科〔2019〕188号',))]
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, SpanGroup

from kg.ontology.lexicon import Endings, load_lexicon

from .spans import CJK, info_of, make_span, sentences, span_text, text_of

_QUOTED = re.compile(r"“([^“”\n]{2,80})”")
_TITLE = re.compile(r"《([^《》\n]{2,100})》")
_DOC_NUMBER = re.compile(
    rf"([{CJK}]{{1,12}})[ ]?[〔\[【(（][ ]?(\d{{4}})[ ]?[〕\]】)）][ ]?第?[ ]?(\d{{1,4}})[ ]?号(?:文)?"
)
_BULLETIN = re.compile(rf"\d{{4}}年第\d{{1,4}}号[{CJK}]{{2,14}}公告")
_STANDARD = re.compile(r"(?<![A-Za-z])(?:GB/T|GB/Z|GB|JB/T|JB|HG/T|YB/T|QC/T|ISO/IEC|ISO|IEC|T/[A-Z]{2,8})[ ]?\d{2,6}(?:\.\d+)*(?:[-—]\d{4})?")
# what every match of the patterns above contains: sentences without it skip the slower scan
_DOC_NUMBER_HINT = re.compile(r"[〔\[【(（][ ]?\d{4}")
_STANDARD_HINT = re.compile(r"GB|JB|HG|YB|QC|ISO|IEC|T/")
# words before a number that are not the issuer's: 根据|中机质协〔2021〕1号
_DOC_VERB_PREFIX = re.compile(r"^(?:详见|见|按照|根据|依据|落实|贯彻|印发|发布|转发|参照|或|和|及|与)+")
_SENT_PUNCT = re.compile(r"[，。；：、！？]")
# a notice's title standing alone: (issuer) 关于…的通知; its number on a line of its own
_NOTICE_TITLE = re.compile(r"[^，。；！？]{0,40}?关于[^。；！？]{2,100}的[^，。；！？的]{1,8}")
_NUMBER_LINE = re.compile(r"[^，。；！？\s]{1,12}[ ]?[〔\[【(（][ ]?\d{4}[ ]?[〕\]】)）][ ]?第?[ ]?\d{1,4}[ ]?号")
_ABBREVIATION = re.compile(r"[（(](?:以下)?(?:简称|下称)[:：]?[《“]([^》”）()]{2,30})[》”][）)]")
# what may stand between a title and its number (…》（工信部科〔2019〕188号）) or a number and its title
_AFTER_TITLE = ("》（", "”（", "》(", "”(", "》", "”")
_BEFORE_TITLE = ("《", "“", " 《")

QUOTED = _QUOTED  # quoted names, shared with the event and award recognizers
SENT_PUNCT = _SENT_PUNCT


class DocumentRecognizer:
    """``doc.spans["documents"]``: titles and numbers; ``span._.info.names`` the further names."""

    def __init__(self, nlp: Language, name: str, ontology: str | None = None):
        self.name = name
        self.doc_endings = Endings(load_lexicon(ontology).document_heads)

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[int, int, float, str, tuple[str, ...]]] = []  # in the Doc's characters
        lines: list[tuple[int, int, str]] = []  # each sentence: (start, end, what it is: title, number or "")
        for sent in sentences(doc):
            base, text = sent.start_char, span_text(sent).rstrip()
            title = _NOTICE_TITLE.fullmatch(text) if len(text) <= 120 else None
            if title and self.doc_endings.match(text):  # 关于印发《…》的通知 on a line of its own
                found.append((base, base + len(text), 0.85, "notice-title", ()))
                lines.append((base, base + len(text), "title"))
            elif _NUMBER_LINE.fullmatch(text):
                lines.append((base, base + len(text), "number"))
            else:
                lines.append((base, base + len(text), ""))
            found += [(base + s, base + e, c, r, n) for s, e, c, r, n in self._sentence(span_text(sent))]
        found = _number_beside_its_title(found, lines, text_of(doc))
        spans = [sp for s, e, conf, rule, names in found
                 if (sp := make_span(doc, s, e, "Document", rule, conf, names, expand=True)) is not None]
        doc.spans["documents"] = SpanGroup(doc, name="documents", spans=spans)
        return doc

    def _sentence(self, text: str) -> list[tuple[int, int, float, str, tuple[str, ...]]]:
        found: list[tuple[int, int, float, str, tuple[str, ...]]] = []

        def add(s, e, conf, rule, names=()):
            if not any(a <= s and e <= b for a, b, *_ in found):
                found.append((s, e, conf, rule, names))

        for mt in _TITLE.finditer(text):
            add(mt.start(1), mt.end(1), 0.9, "title-brackets")
        for mt in _QUOTED.finditer(text):
            q = mt.group(1)
            if self.doc_endings.match(q) and len(q) >= 6 and not _SENT_PUNCT.search(q):
                add(mt.start(1), mt.end(1), 0.8, "quoted-notice")
        titles = list(found)
        for ns, ne, conf, rule in _numbers(text):
            # a number beside its title names the same document: 标题》（工信部科〔2019〕188号） / GB/T 1-2020《标题》
            partner = next((t for t in titles if text[t[1]:ns] in _AFTER_TITLE or text[ne:t[0]] in _BEFORE_TITLE), None)
            if partner is not None:
                found[found.index(partner)] = (partner[0], partner[1], max(partner[2], conf), partner[3], (text[ns:ne],))
                titles.remove(partner)
            else:
                add(ns, ne, conf, rule)
        # （以下简称《参考架构》）: the short name is another name of the document before it
        for mt in _ABBREVIATION.finditer(text):
            short = mt.span(1)
            before = [d for d in found if 0 <= mt.start() - d[1] <= 1]
            if before:
                d = before[-1]
                found = [x for x in found if (x[0], x[1]) != short]
                found[found.index(d)] = (d[0], d[1], d[2], d[3], d[4] + (mt.group(1),))
        kept: list = []
        for it in sorted(found, key=lambda x: (-(x[1] - x[0]), x[0])):
            if not any(k[0] < it[1] and it[0] < k[1] for k in kept):
                kept.append(it)
        return sorted(kept)


def _number_beside_its_title(found: list, lines: list[tuple[int, int, str]], text: str) -> list:
    """A notice's number on a line of its own next to its title line (关于印发…的通知 / 中机质协〔2023〕9号)
    names the same document: each becomes a further name of the other (one entity, two mentions)."""
    out = list(found)
    for i, (s, e, kind) in enumerate(lines):
        if kind != "number":
            continue
        near = [lines[j] for j in (i - 1, i + 1, i - 2, i + 2) if 0 <= j < len(lines) and lines[j][2] == "title"]
        number = next((f for f in out if s <= f[0] and f[1] <= e), None)
        title = next((f for f in out if near and f[0] == near[0][0] and f[1] == near[0][1]), None)
        if number is not None and title is not None:
            out[out.index(number)] = (*number[:4], number[4] + (text[title[0]:title[1]],))
            out[out.index(title)] = (*title[:4], title[4] + (text[number[0]:number[1]],))
    return out


def _numbers(text: str) -> list[tuple[int, int, float, str]]:
    """Document numbers, bulletin numbers and standards' codes in ``text``."""
    numbers = []
    for mt in (_DOC_NUMBER.finditer(text) if _DOC_NUMBER_HINT.search(text) else ()):
        s = mt.start(1)
        pre = _DOC_VERB_PREFIX.match(mt.group(1))
        if pre:
            s += pre.end()
        cut = max(mt.group(1).rfind(c) for c in "或和及与见的在为即")
        if cut >= 0:
            s = max(s, mt.start(1) + cut + 1)
        if mt.end() - s >= 6:
            numbers.append((s, mt.end(), 0.9, "doc-number"))
    for mt in (_BULLETIN.finditer(text) if "年第" in text else ()):
        numbers.append((mt.start(), mt.end(), 0.85, "bulletin-number"))
    for mt in (_STANDARD.finditer(text) if _STANDARD_HINT.search(text) else ()):
        if re.search(r"\d{4}$", mt.group(0)) or mt.group(0).startswith("GB"):
            numbers.append((mt.start(), mt.end(), 0.9, "standard-number"))
    return numbers


@Language.factory("kg_documents", default_config={"ontology": None}, assigns=["doc.spans"], requires=["doc._.articles"])
def make_documents(nlp: Language, name: str, ontology: str | None) -> DocumentRecognizer:
    return DocumentRecognizer(nlp, name, ontology)
