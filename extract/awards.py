"""The ``kg_awards`` component: awards, prizes, honours and published lists.

How this genre names them: a phrase ending in an award word (…质量奖, …一等奖, …先进集体,
…用户满意产品, ``ontology/lexicon/award_heads.txt``), often quoted (“江苏省技术能手”称号,
“机械工业可靠性提升优秀案例”), and the thing a recipient 荣获, 获评, 入选 or is 授予 (a quoted
name after such a verb is an award whatever its last word).

>>> from extract.pipeline import get_nlp
>>> doc = get_nlp()("4家企业荣获2023年度机械工业质量奖，2人被授予“江苏省技术能手”称号。")
>>> [(a.text, a._.info.names) for a in doc.spans["awards"]]
[('2023年度机械工业质量奖', ()), ('江苏省技术能手', ('江苏省技术能手称号',))]
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from kg.ontology.lexicon import Endings, load_lexicon

from .documents import QUOTED, SENT_PUNCT
from .spans import NAMEISH_TAGS, SpanIndex, info_of, left_extend, make_span, sentences, span_text, text_of, tokens

_NAME_TAGS = NAMEISH_TAGS | {"m", "TIME", "nr", "a"}


class AwardRecognizer:
    """``doc.spans["awards"]``; ``span._.info.names`` the name with its head word (…称号)."""

    def __init__(self, nlp: Language, name: str, ontology: str | None = None):
        self.name = name
        lex = load_lexicon(ontology)
        self.heads = Endings(lex.award_heads)
        self.event_heads = Endings(lex.event_heads)
        self.head_last = frozenset(h[-1] for h in lex.award_heads if h)
        self.not_awards = lex.not_award_words
        # verbs a recipient receives an award with (the receivedAward and awarded trigger words): a
        # quoted name after one is an award
        verbs = sorted({r.trigger for r in lex.relation_triggers if not r.is_regex and r.frame == "agent"
                        and r.predicate in ("receivedAward", "awarded")} | {"获", "评为", "认定为", "命名为"}, key=len, reverse=True)
        self.receive = re.compile("(?:被)?(?:" + "|".join(map(re.escape, verbs)) + ")(?:了)?(?:为)?$")

    def __call__(self, doc: Doc) -> Doc:
        claimed = SpanIndex(doc.spans.get("documents", []))
        spans: list[Span] = []
        for sent in sentences(doc):
            found = self._sentence(doc, sent, claimed)
            kept: list = []
            for f in sorted(found, key=lambda x: (-(x[1] - x[0]), x[0])):
                if not any(k[0] < f[1] and f[0] < k[1] for k in kept):
                    kept.append(f)
            for s, e, conf, rule, names in sorted(kept):
                sp = make_span(doc, s, e, "Award", rule, conf, names, expand=True)
                if sp is not None:
                    spans.append(sp)
        doc.spans["awards"] = SpanGroup(doc, name="awards", spans=spans)
        return doc

    def _sentence(self, doc: Doc, sent: Span, claimed) -> list[tuple]:
        text, base = text_of(doc), sent.start_char
        found = []
        for mt in QUOTED.finditer(span_text(sent)):
            q, qs, qe = mt.group(1), base + mt.start(1), base + mt.end(1)
            if SENT_PUNCT.search(q) or claimed.covering(qs, qe):
                continue
            tail = text[qe + 1:qe + 7]
            after_head = next((h for h in ("荣誉称号", "称号", "奖") if tail.startswith(h)), None)
            if self.heads.match(q) and not q.endswith("公告") and not self.event_heads.match(q):
                found.append((qs, qe, 0.85, "quoted-award", ()))
            elif after_head:  # “江苏省技术能手”称号
                found.append((qs, qe, 0.8, "quoted-head-award", (q + after_head,)))
            elif self.receive.search(text[max(base, qs - 6):qs - 1]) and not self.event_heads.match(q):
                found.append((qs, qe, 0.7, "quoted-received", ()))
        toks = tokens(doc)
        words, ends, head_last = toks.text, toks.end, self.head_last
        for i in range(sent.start, sent.end):
            end = ends[i]
            if text[end - 1] not in head_last or not words[i].strip():
                continue
            tok = doc[i]
            head = self.heads.match(text[max(base, end - 10):end])
            if head is None:
                continue
            nxt = doc[tok.i + 1] if tok.i + 1 < sent.end else None
            if nxt is not None and self.heads.match(text[max(base, end - 10):nxt.idx + len(nxt.text)]):
                continue  # a longer name ends at the next token
            head_start = end - len(head)
            first_tok = doc.char_span(head_start, head_start + 1, alignment_mode="expand").start
            first = left_extend(doc, first_tok, _NAME_TAGS, 24, 12, lower=sent.start)
            s = min(doc[first].idx, head_start)
            name = text[s:end]
            if len(name) < 3 or name in self.not_awards or re.search(r"(?:颁|获|授|评|领)奖$", name):
                continue
            if claimed.covering(s, end):
                continue
            found.append((s, end, 0.7, "head-award", ()))
        return found


@Language.factory("kg_awards", default_config={"ontology": None},
                  assigns=["doc.spans"], requires=["doc.spans", "doc._.articles"])
def make_awards(nlp: Language, name: str, ontology: str | None) -> AwardRecognizer:
    return AwardRecognizer(nlp, name, ontology)
