"""The ``kg_orgs`` component: names of organizations, typed, with the parent of a chained name.

How this genre writes them: a name ends in a suffix that says what kind of body it is (…部 …局
…协会 …有限公司 …研究院, ``ontology/lexicon/org_suffixes.tsv``); sub-units follow their parent
directly (工信部科技司质量处); a bracketed place may stand inside a company's name
(日立电梯（天津）有限公司). LAC's ORG words are kept when a suffix or the gazetteer vouches for
them; names LAC missed are built leftwards from a suffix over name-like words.

>>> from extract.pipeline import get_nlp
>>> doc = get_nlp()("工信部科技司质量处和东方精工有限公司")
>>> [(s.text, s.label_, doc.text[slice(*s._.info.parent)] if s._.info.parent else None) for s in doc.spans["orgs"]]
[('工信部科技司', 'GovernmentBody', None), ('工信部科技司质量处', 'GovernmentBody', '工信部科技司'), ('东方精工有限公司', 'Company', None)]
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from kg.ontology.lexicon import Lexicon, load_lexicon, trie_pattern

from .spans import (CJK, NAMEISH_TAGS, STOP_TAGS, SpanIndex, info_of, left_extend, make_span, sentences, span_text, text_of,
                    tokens)

_CHARTERED = frozenset({"国立", "私立", "市立", "省立", "县立"})  # 国立成功大学: part of the name
_JOINABLE = (NAMEISH_TAGS - {"ORG"}) | {"LOC"}
_PAREN_ORG = re.compile(rf"（[{CJK}]{{2,4}}）[{CJK}]{{0,10}}?(?:有限责任公司|股份有限公司|有限公司|公司|集团|学院|研究院)")
# a name holding one of these words is most likely of this type, when no suffix says more
_CONTAINS = (("公司", "Company"), ("集团", "Company"), ("大学", "ResearchInstitute"),
             ("学院", "ResearchInstitute"), ("研究", "ResearchInstitute"), ("协会", "Association"),
             ("联合会", "Association"), ("委员会", "Association"), ("部", "GovernmentBody"),
             ("局", "GovernmentBody"), ("政府", "GovernmentBody"))


def org_type(lex: Lexicon, name: str) -> tuple[str, float, str]:
    """(type, confidence, rule) of an organization name.

    >>> org_type(load_lexicon(), "中机质协")
    ('Association', 0.95, 'gazetteer')
    """
    canonical = lex.canonical_org(name)
    if canonical:
        return lex.orgs[canonical].type, 0.95, "gazetteer"
    hit = lex.suffix_type(name)
    if hit:
        return hit[0], min(0.9, 0.5 + hit[1] * 0.05), "suffix"
    for needle, typ in _CONTAINS:
        if needle in name:
            return typ, 0.55, "contains"
    return "Company", 0.4, "default"


def split_inner(lex: Lexicon, text: str) -> list[int]:
    """Cut points inside one recognized name where a sub-unit starts (上海交通大学|中国质量发展研究院)."""
    if lex.canonical_org(text):
        return []
    cuts = []
    for suffix in lex.unit_suffixes:
        for mt in re.finditer(re.escape(suffix), text):
            cut = mt.end()
            rest = text[cut:]
            # the unit has a name of its own besides its ending (机械工程|学院, not just 有限公司)
            if len(rest) >= 3 and cut >= 3 and lex.suffix_type(rest) and lex.suffix_type(text[:cut]) \
                    and len(rest) - len(lex.org_suffix(rest)) >= 2:
                cuts.append(cut)
    return sorted(set(cuts))


class OrgRecognizer:
    """Organization names: ``doc.spans["orgs"]``, labelled with their type; ``span._.info`` holds
    the rule, a confidence and where the parent of a chained name stands; ``span.kb_id_`` the gazetteer's
    canonical name."""

    def __init__(self, nlp: Language, name: str, ontology: str | None = None):
        self.name = name
        self.lex = load_lexicon(ontology)
        refs = self.lex.org_references
        self._ref_re = re.compile(trie_pattern(sorted(refs))) if refs else None
        # words that are a reference whatever follows (协会 in 协会会长 is, 集团 in 集团公司 is part of a word)
        self._standalone = frozenset(r for r in refs if len(r) >= 2 and r[0] in "本该我")

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        for sent in sentences(doc):
            spans += self._sentence(doc, sent)
        self._parents(doc, spans)
        doc.spans["orgs"] = SpanGroup(doc, name="orgs", spans=spans)
        doc.spans["org_refs"] = SpanGroup(doc, name="org_refs", spans=self._references(doc, spans))
        return doc

    def _parents(self, doc: Doc, spans: list[Span]) -> None:
        """A name that starts with another body's name and ends as a unit does is that body's unit
        (上海交通大学|机械与动力工程学院, 国家市场监督管理总局|质量发展局), wherever the document
        names the body: the parent is where its name stands inside this one."""
        known = {s.text for s in spans} | {n for n in self.lex.org_names() if len(n) >= 4}
        for sp in spans:
            info = info_of(sp)
            if info is None or info.parent is not None:
                continue
            name = sp.text
            for cut in range(len(name) - 2, 3, -1):  # the longest body the name starts with
                if name[:cut] in known and self.lex.suffix_type(name[cut:]) and len(name) - cut >= 2:
                    info.parent = (sp.start_char, sp.start_char + cut)
                    parent_type = next((s.label_ for s in spans if s.text == name[:cut]), None) or \
                        org_type(self.lex, name[:cut])[0]
                    sp.label_ = self._unit_type(sp.label_, name, parent_type)
                    sp._.info = info  # kept under the span's (new) label
                    break

    def _unit_type(self, typ: str, name: str, parent_type: str | None) -> str:
        """A department of a company or an association is of its kind (…有限公司质量部: Company,
        …协会可靠性工作部: Association), unless its own ending says more (…研究院, …学院)."""
        hit = self.lex.suffix_type(name)
        if parent_type in ("Company", "Association") and (hit is None or hit[1] < 5) and typ != "ResearchInstitute":
            return parent_type
        return typ

    def _references(self, doc: Doc, orgs: list[Span]) -> list[Span]:
        """本会, 该局, 协会召开…: each such word (``org_references.tsv``) stands for a body whose name ends
        as the word says: 该局 for the last one named in its article, 协会 and 本会 for the one the
        article is about (named in its headline, or in the document's first lines: masthead, byline,
        source), else the last one named. ``span._.info.refers_to`` is that body; the span's label
        its type."""
        refs = self.lex.org_references
        if not refs or not orgs:
            return []
        text = text_of(doc)
        pattern = self._ref_re
        index = SpanIndex(orgs)
        sents = sentences(doc)
        head = [o for o in orgs if o.start_char < (sents[min(2, len(sents) - 1)].end_char if sents else 0)]
        articles = [(a.span.start_char, a.span.end_char,
                     (a.headline.start_char, a.headline.end_char) if a.headline is not None else None)
                    for a in doc._.articles]
        out = []
        for mt in pattern.finditer(text):
            s, e = mt.span()
            if index.covering(s, e):
                continue  # part of a name: 中国质量协会
            tokens = doc.char_span(s, e, alignment_mode="strict")
            if tokens is None or (tokens.start > 0 and doc[tokens.start - 1].tag_ in NAMEISH_TAGS
                                  and mt.group(0) not in self._standalone):
                continue  # the end of a name nobody recognized (长三角…联盟), not a reference
            word, ending = mt.group(0), refs[mt.group(0)]
            art = next(((a, b, h) for a, b, h in articles if a <= s < b), (0, len(text), None))
            before = [o for o in index.within(art[0], s) if o.text.endswith(ending)]
            salient = [o for o in (index.within(*art[2]) if art[2] else []) + head if o.text.endswith(ending)]
            if word.startswith("该"):  # 该局: the last one named
                target = before[-1] if before else None
            else:  # 协会, 本会: the body the article (or the document) is about, else the last one named
                target = salient[0] if salient else before[-1] if before else None
            if target is None:
                continue
            sp = make_span(doc, s, e, target.label_, "org-reference", 0.7)
            if sp is not None:
                info_of(sp).refers_to = target
                out.append(sp)
        return out

    def _chained_before(self, doc: Doc, i: int, lower: int) -> bool:
        """Whether token ``i`` follows a '（place）' or a body directly (日立电梯（天津）|有限公司)."""
        return i > lower and doc[i - 1].tag_ == "ORG" and bool(self.lex.suffix_type(doc[i - 1].text))

    def _units(self, doc: Doc, sent: Span) -> list[tuple[int, int, str]]:
        """Character spans of base units (a name, or a sub-unit of one) with the rule that found them."""
        lex, full = self.lex, text_of(doc)
        units: list[tuple[int, int, str]] = []
        taken: set[int] = set()
        toks = tokens(doc)
        tags, words, starts = toks.tag, toks.text, toks.idx
        for i in range(sent.start, sent.end):
            if tags[i] == "ORG" and words[i].strip():
                w, idx = words[i], starts[i]
                rule = "gazetteer" if lex.canonical_org(w) else "lac"
                if rule == "lac" and not lex.suffix_type(w) and not self._chained_before(doc, i, sent.start):
                    continue
                cuts = [0] + split_inner(lex, w) + [len(w)]
                units += [(idx + a, idx + b, rule) for a, b in zip(cuts, cuts[1:])]
                taken.add(i)
        # names the recognizer missed, formed by a suffix (质量处, 天津市工信局科技处)
        for i in range(sent.start, sent.end):
            if i in taken or tags[i] in STOP_TAGS:
                continue
            hit = lex.suffix_type(words[i])
            if not hit or hit[1] < 2:
                continue
            tok = doc[i]
            if tok.text in lex.not_org_words or any(tok.text.endswith(w) for w in lex.not_org_words):
                continue
            if tok.tag_ in ("vn", "an") and len(lex.org_suffix(tok.text)) == 1:
                continue
            lower = max([sent.start] + [k + 1 for k in taken if k < tok.i])  # never into a name found already
            start = left_extend(doc, tok.i, NAMEISH_TAGS - {"ORG"}, 30, lower=lower)
            after_org = start > sent.start and (doc[start - 1].tag_ == "ORG" or (start - 1) in taken)
            if hit[1] < 3 and not after_org:
                continue  # weak suffixes (处, 部) only as a sub-unit right after a body
            s_char, e_char = doc[start].idx, tok.idx + len(tok.text)
            text = full[s_char:e_char]
            if len(text) < 3 or lex.is_generic(text) or text in lex.titles or len(text) <= len(lex.org_suffix(text)):
                continue
            units.append((s_char, e_char, "suffix"))
            taken.update(range(start, tok.i + 1))
        for mt in _PAREN_ORG.finditer(span_text(sent)):
            m_start, m_end = sent.start_char + mt.start(), sent.start_char + mt.end()
            k = doc.char_span(m_start, m_start + 1, alignment_mode="expand").start
            if k == sent.start or doc[k].idx != m_start:
                continue
            tags = NAMEISH_TAGS | {"ORG", "PER"}
            first = left_extend(doc, k - 1, tags, 12, lower=sent.start) if doc[k - 1].tag_ in tags else k
            if first == k:
                continue
            s_char = doc[first].idx
            if doc.char_span(s_char, m_end, alignment_mode="strict") is None:
                continue
            units = [u for u in units if u[1] <= s_char or u[0] >= m_end]
            units.append((s_char, m_end, "bracket-name"))
        units = [(s - 2, e, r) if s - 2 >= sent.start_char and full[s - 2:s] in _CHARTERED and
                 doc.char_span(s - 2, s, alignment_mode="strict") is not None else (s, e, r) for s, e, r in units]
        return self._join_conjunctions(doc, sent, sorted(units))

    def _join_conjunctions(self, doc: Doc, sent: Span, units: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """A name with 与/和 inside (质量与安全工程学院, 烟台市质量管理与品牌促进会): a unit right after
        与 takes the words before it, when those words name no body of their own (工信部与科技部 stay two)."""
        ends = {e for _, e, _ in units}
        out = []
        for s, e, rule in units:
            first = doc.char_span(s, e, alignment_mode="expand")
            k = first.start if first is not None else sent.start
            if rule != "gazetteer" and k - 2 >= sent.start and doc[k - 1].text in ("与", "和", "及"):
                first_tok, chars, m = None, 0, k - 2
                while m >= sent.start:
                    t = doc[m]
                    if t.tag_ not in _JOINABLE or chars + len(t.text) > 12 or (m < k - 2 and t.idx + len(t.text) in ends):
                        break
                    first_tok, chars = m, chars + len(t.text)
                    if t.idx in ends:
                        break  # the words start where a body ends: 中国计量大学|质量与安全工程学院
                    m -= 1
                if first_tok is not None:
                    a = doc[first_tok].idx
                    left = text_of(doc)[a:doc[k - 1].idx]
                    if not self.lex.suffix_type(left) and not any(u[0] < doc[k - 1].idx and a < u[1] for u in units):
                        s, rule = a, "conjunction"
            out.append((s, e, rule))
        return sorted(out)

    def _sentence(self, doc: Doc, sent: Span) -> list[Span]:
        lex, full = self.lex, text_of(doc)
        units = self._units(doc, sent)
        # chain adjacent units into one name, remembering the parent (工信部|科技司|质量处)
        spans: list[Span] = []
        i = 0
        while i < len(units):
            j = i
            while j + 1 < len(units) and units[j + 1][0] == units[j][1] and lex.suffix_type(full[units[j + 1][0]:units[j + 1][1]]):
                j += 1
            for k in range(i, j + 1):  # every prefix of the chain is a body of its own
                s_char, e_char = units[i][0], units[k][1]
                text = full[s_char:e_char]
                if lex.is_generic(text):
                    continue
                typ, conf, rule = org_type(lex, text)
                if rule == "default":
                    continue  # nothing says it is a body (a part of a name LAC cut: 工业, 中国机械)
                parent = (s_char, units[k - 1][1]) if k > i else None
                if parent is not None and spans and spans[-1].label_ == "Company" and lex.department_endings \
                        and text.endswith(lex.department_endings):
                    continue  # …有限公司质量部: a company's department is part of a post's title, not a body
                if parent is not None:
                    typ = self._unit_type(typ, text, spans[-1].label_ if spans else None)
                sp = make_span(doc, s_char, e_char, typ, units[k][2] if k == i else "chain", conf, parent=parent)
                if sp is None:
                    continue
                sp.kb_id_ = lex.canonical_org(text) or ""
                spans.append(sp)
            i = j + 1
        return spans


@Language.factory("kg_orgs", default_config={"ontology": None},
                  assigns=["doc.spans"], requires=["doc._.articles"])
def make_orgs(nlp: Language, name: str, ontology: str | None) -> OrgRecognizer:
    return OrgRecognizer(nlp, name, ontology)
