"""The ``kg_events`` component: events, recognized by what happens to them, and where they are held.

An event is what is held, convened, opened, hosted, attended or launched. This genre names one
with a phrase ending in a head word (…座谈会 …论坛 …培训班 …专题调研 …颁奖典礼,
``ontology/lexicon/event_heads.tsv``), often quoted (“质量月”活动) and often with a year or an
ordinal (2023年…, 第五届…), and puts it in a few constructions: X在苏州召开, 召开了X, 由…主办的X,
出席X, X开幕式. Every phrase ending in a head word is a *candidate*
(``doc.spans["event_candidates"]``); the signals that it names a real event (the construction it
stands in, the headline, a year, an ordinal, quotes, how much it says besides its head, a plan's
modal word before it) are its features (``span._.info.features``). This component decides with a
rule over those signals; the optional ``kg_event_scorer`` (:mod:`extract.scorer`) decides with a
model trained on the development gold instead. A name standing for another one (本次会议, 该论坛)
is a reference, not an event: :mod:`extract.articles` ties it to the event it refers to.

Names are built leftwards from the head over any words but the ones that open a name: punctuation,
the verbs and prepositions that govern it (召开, 出席, 在, 由, 的 …), a date, a person. So verbs,
conjunctions and measure words inside a name stay in it (…学习交流会, A与B合作论坛, “常联杯”…大赛).

>>> from extract.pipeline import get_nlp
>>> doc = get_nlp()("工信部科技司在沈阳召开装备制造业质量品牌提升企业座谈会。")
>>> [(e.text, e._.info.rule) for e in doc.spans["events"]], [p.text for p in doc.spans["places"]]
([('装备制造业质量品牌提升企业座谈会', 'head')], ['沈阳'])
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from kg.ontology.lexicon import Endings, load_lexicon, trie_pattern

from .documents import QUOTED, SENT_PUNCT
from .spans import CJK, SpanIndex, info_of, make_span, sentences, span_text, text_of, tokens

MAX_NAME = 50  # characters of an event name, head included
_BOUNDARY_PUNCT = frozenset("，。；：！？、,;:!?…\n【】[]")
_YEAR_TOKEN = re.compile(r"\d{4}年度?|\d{4}")
_YEAR = re.compile(r"(?:19|20)\d\d")
_ORDINAL = re.compile(r"第[一二三四五六七八九十百零〇\d]+[届次期轮批个]|首[届期次批]|[一二三四五六七八九十\d]+届[一二三四五六七八九十\d]+次")
_PLACE_VERB = re.compile(rf"(?:在|于|假)([{CJK}]{{1,20}}?)(?:隆重|成功|顺利|圆满|正式|组织)?(?:举办|召开|举行|开幕|闭幕|结束|落幕|启动|开班|开展|揭晓)")
_PLACE_VISIT = re.compile(rf"(?:赴|来|到)([{CJK}]{{1,10}}?)[，,]?(?:参观|参加|出席|开展|调研|考察|进行|观摩|走访)")
_PLAN = re.compile(r"(?:将|拟|计划|准备|即将|将要|将于|定于|预计)[^，。；]{0,12}$")
_DATE_BEFORE = re.compile(r"(?:\d+|[一二三四五六七八九十]+)[日号](?:上午|下午|晚上|晚)?的?$")
# what may stand before the event a verb governs: 召开了X, 主办的X
_GOVERNED = re.compile(r"(?:召开|举办|举行|组织|开展|启动|参加|出席|主持|参与|承办|协办|主办|筹办|观摩|参观|列席)了?的?$")
_COUNTED = re.compile(r"[一二三四五六七八九十两\d]+(?:个|场|项)(?:平行|专题|主题|分)?$")
_ENUMERATOR = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})[.．、]|\d+(?:家|个|名)(?:单位|企业|集体)?")
_SESSION = re.compile(r"[一二三四五六七八九十\d]+次|第[一二三四五六七八九十\d]+次|会议")
_NUMERAL = re.compile(r"[\d一二三四五六七八九十两〇零]")
_CONJ = frozenset({"和", "与", "及", "以及", "、"})
_OPENING = {"“": "”", "《": "》", "（": "）", "(": ")", "‘": "’", "「": "」"}


class EventRecognizer:
    """Event candidates and events (``doc.spans["event_candidates"]``, ``doc.spans["events"]``)
    and the places events are held in (``doc.spans["places"]``)."""

    def __init__(self, nlp: Language, name: str, ontology: str | None = None):
        self.name = name
        lex = self.lex = load_lexicon(ontology)
        self.kinds = dict(lex.event_heads)
        self.heads = Endings(lex.event_heads)
        self.head_last = frozenset(h[-1] for h in lex.event_heads if h)
        self.document_heads = Endings(lex.document_heads)
        self.determiners = lex.event_determiners
        self.followers = lex.event_head_followers
        self.parts_re = re.compile("|".join(re.escape(p) for p in lex.event_parts) or "(?!)")
        verbs = sorted({r.trigger for r in lex.relation_triggers if not r.is_regex and r.frame == "agent"}
                       | set(lex.event_verbs), key=len, reverse=True)
        self.openers = frozenset(verbs) | lex.event_name_openers
        held = "|".join(re.escape(v) for v in lex.event_verbs)
        # the event is the subject: X在苏州召开, X隆重开幕, X今天在京举行
        self.held_after = re.compile(rf"^[^，。；：]{{0,16}}?(?:{held})")
        self.generic = lex.generic
        self.places = lex.places
        self.venues = lex.venue_words
        self.title_re = re.compile("(?:" + trie_pattern(sorted(lex.titles)) + ")") if lex.titles else None
        self.modal = re.compile("(?:" + trie_pattern(sorted(lex.modal_words)) + ")") if lex.modal_words else None

    # --- candidates ---------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        candidates: list[Span] = []
        places: list[Span] = []
        headlines = {a.headline.start for a in doc._.articles if a.headline is not None}
        # a name inside a document's title is the title's (《…行动方案》), but a notice is about the event
        # it names (关于举办…培训班的通知)
        claimed = SpanIndex(d for d in doc.spans.get("documents", []) if info_of(d) is None or info_of(d).rule != "notice-title")
        orgs = SpanIndex(doc.spans.get("orgs", []))
        for sent in sentences(doc):
            if not span_text(sent).strip():
                continue
            found = self._sentence(doc, sent, claimed, orgs)
            for s, e, rule, head, names in found:
                feats = self.features(doc, sent, s, e, rule, head, sent.start in headlines, orgs)
                sp = make_span(doc, s, e, "Event", rule, self.rule_score(feats), names, expand=True)
                if sp is not None:
                    info_of(sp).features = feats
                    candidates.append(sp)
            places += self._places(doc, sent)
        doc.spans["event_candidates"] = SpanGroup(doc, name="event_candidates", spans=candidates)
        doc.spans["events"] = SpanGroup(doc, name="events", spans=[c for c in candidates if info_of(c).confidence >= 0.5])
        doc.spans["places"] = SpanGroup(doc, name="places", spans=places)
        return doc

    def _sentence(self, doc: Doc, sent: Span, claimed, orgs) -> list[tuple[int, int, str, str, tuple[str, ...]]]:
        text, base = span_text(sent), sent.start_char
        found: list[tuple[int, int, str, str, tuple[str, ...]]] = []
        # quoted names: “2021年质量月活动”, “质量月”活动
        for mt in QUOTED.finditer(text):
            q = mt.group(1)
            if SENT_PUNCT.search(q) or self.document_heads.match(q):
                continue
            head = self.heads.match(q)
            if head and len(q) > len(head):
                found.append((base + mt.start(1), base + mt.end(1), "quoted", head, ()))
        # names ending in a head word (quotes, verbs and conjunctions inside are part of them)
        window_start = sent.start_char
        toks = tokens(doc)
        words, ends, full, head_last = toks.text, toks.end, text_of(doc), self.head_last
        for i in range(sent.start, sent.end):
            end = ends[i]
            if full[end - 1] not in head_last or not words[i].strip():
                continue
            tok = doc[i]
            head = self.heads.match(text_of(doc)[max(window_start, end - 10):end])
            if head is None or tok.tag_ == "TIME" or (len(head) == 1 and _NUMERAL.match(text_of(doc)[end - 2:end - 1])):
                continue  # 2021年10月, 第3周: a date, not 质量月
            nxt = doc[tok.i + 1] if tok.i + 1 < sent.end else None
            if nxt is not None and nxt.text.strip() \
                    and self.heads.match(text_of(doc)[max(window_start, end - 10):nxt.idx + len(nxt.text)]):
                continue  # a longer name ends at the next token: 质量月|活动, 论坛|开幕式
            if nxt is not None and nxt.text in self.followers:
                continue  # 调研组, 活动方案, 会议精神: the head is part of another noun
            head_start = end - len(head)
            first = doc.char_span(head_start, head_start + 1, alignment_mode="expand").start
            s = self._trim(text_of(doc), self._name_start(doc, sent, first, head_start), head_start)
            if any(o.start_char == s and o.end_char == end for o in orgs.within(s, end)) or claimed.covering(head_start, end):
                continue  # 全国人民代表大会 is a body; a name inside a document's title is the title's
            found.append((s, end, "head", head, ()))
        # longest first; a shorter name inside a longer one is one of its names (X暨Y: X)
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        kept: list = []
        for f in found:
            inside = next((k for k in kept if k[0] <= f[0] and f[1] <= k[1]), None)
            if inside is None:
                if not any(k[0] < f[1] and f[0] < k[1] for k in kept):
                    kept.append(f)
                continue
            if f[0] == inside[0] and text_of(doc)[f[1]:f[1] + 1] == "暨":
                kept[kept.index(inside)] = (*inside[:4], inside[4] + (text_of(doc)[f[0]:f[1]],))
        return sorted(kept)

    def _name_start(self, doc: Doc, sent: Span, i: int, head_start: int) -> int:
        """The first character of the name whose head starts in token ``i`` at ``head_start``."""
        text = text_of(doc)
        k = i  # the head may end a longer word (技术|年会 or 技术年会): that word is in the name
        chars = head_start - doc[i].idx
        while k > sent.start:
            t = doc[k - 1]
            w = t.text
            opener = w in self.openers and text[t.idx + len(w):t.idx + len(w) + 1] != "暨"  # …标准发布暨宣贯会
            if not w.strip() or w in _BOUNDARY_PUNCT or opener or t.tag_ == "PER" \
                    or (t.tag_ == "TIME" and not _YEAR_TOKEN.fullmatch(w)) or chars + len(w) > MAX_NAME:
                break
            if w in _CONJ and k - 1 > sent.start and self.heads.match(text[max(sent.start_char, t.idx - 8):t.idx]):
                break  # 召开X会议和Y座谈会: two events
            if t.tag_ in ("u", "r", "d", "vd", "xc") and w not in ("之", "第"):
                break
            if w in ("）", ")") and "简称" in text[max(sent.start_char, t.idx - 20):t.idx]:
                break  # （以下简称“可靠性专委会”）: an aside, not part of the name
            k -= 1
            chars += len(w)
        return doc[k].idx

    def _trim(self, text: str, s: int, head_start: int) -> int:
        """Drop what opens a name but is not part of it: 本次, 今年的, 2个 (a count), 2. (a list's
        number), 5家单位, a quotation mark whose closing mark is not in the name."""
        mt = _ENUMERATOR.match(text, s, head_start)
        if mt:
            s = mt.end()
        while s < head_start and text[s] in _OPENING and _OPENING[text[s]] not in text[s + 1:head_start]:
            s += 1
        while s < head_start:
            det = next((d for d in self.determiners if text.startswith(d, s) and s + len(d) <= head_start), None)
            if det is None:
                mt = re.match(r"(?:\d+|[一二三四五六七八九十两]+)(?:余|多)?(?:个|场|次|项|期|批|天)", text[s:head_start])
                if mt is None or s + mt.end() >= head_start:
                    break
                s += mt.end()
                continue
            if s + len(det) == head_start:
                return head_start  # only a determiner before the head: a reference
            s += len(det)
        return s

    # --- what makes a candidate an event ------------------------------------------------------

    def features(self, doc: Doc, sent: Span, s: int, e: int, rule: str, head: str, headline: bool, orgs) -> dict:
        text = text_of(doc)
        name = text[s:e]
        modifier = name[:len(name) - len(head)]
        clause_start = max([sent.start_char] + [m.end() + sent.start_char for m in SENT_PUNCT.finditer(text[sent.start_char:s])])
        before = text[clause_start:s].rstrip("“「《（(‘")
        after = text[e:sent.end_char].lstrip("”」》）)’")
        f: dict[str, float] = {
            f"rule={rule}": 1.0,
            f"kind={self.kinds.get(head, 'other')}": 1.0,
            f"head={head}": 1.0,
            "year": float(bool(_YEAR.search(name))),
            "ordinal": float(bool(_ORDINAL.search(name))),
            "quoted": float(rule == "quoted" or "“" in name or "《" in name),
            "headline": float(headline),
            "reference": float(not modifier.strip() or name in self.generic or any(modifier == d for d in self.determiners)
                               or not self.parts_re.sub("", name)),
            "part": float(not self.parts_re.sub("", name)),  # 开幕式暨主论坛: a part of the article's event
            "counted": float(bool(_COUNTED.search(modifier))),  # 三个分论坛: several events, none named
            "held": float(bool(self.held_after.match(after))),
            "governed": float(bool(_GOVERNED.search(before))),
            "by": float("由" in before and bool(re.search("(?:主办|承办|举办|组织|召开)的$", before))),
            "plan": float(bool(_PLAN.search(text[max(sent.start_char, s - 16):s])) or bool(self.modal and self.modal.search(before))),
            "after_date": float(bool(_DATE_BEFORE.search(text[max(sent.start_char, s - 8):s]))),
            "has_org": float(bool(orgs.within(s, e))),
            "mod_len": min(len(modifier), 20) / 20.0,
            f"mod_len>={_bucket(len(modifier))}": 1.0,
            "first_clause": float(clause_start == sent.start_char),
            # 协会第四届理事会会长程国梁: a body's organ before a post, not a session
            "title_after": float(bool(self.title_re.match(after))) if self.title_re else 0.0,
            "session": float(bool(_SESSION.search(name))),
        }
        return {k: v for k, v in f.items() if v}

    @staticmethod
    def rule_score(f: dict) -> float:
        """How sure the rules are that a candidate names an event (>= 0.5: it does)."""
        if f.get("reference") or f.get("title_after") or f.get("counted"):
            return 0.1
        if f.get("kind=council") and not (f.get("session") or f.get("held") or f.get("governed")):
            return 0.2  # 第四届理事会: the organ, unless a session of it (五届一次理事会) is held
        specific = f.get("year") or f.get("ordinal") or f.get("quoted")
        placed = f.get("held") or f.get("governed") or f.get("by") or f.get("headline")
        if specific and (placed or f.get("mod_len>=5") or f.get("mod_len>=9")):
            return 0.85
        if placed and (f.get("mod_len>=3") or f.get("mod_len>=5") or f.get("mod_len>=9")):
            return 0.75
        if specific:
            return 0.6
        if f.get("mod_len>=9"):
            return 0.55
        return 0.3

    # --- places ---------------------------------------------------------------------------------

    def _places(self, doc: Doc, sent: Span) -> list[Span]:
        out = []
        for pattern in (_PLACE_VERB, _PLACE_VISIT):
            for mt in pattern.finditer(span_text(sent)):
                s, e = sent.start_char + mt.start(1), sent.start_char + mt.end(1)
                sp = doc.char_span(s, e, alignment_mode="strict")
                if sp is not None and len(sp) and sp[0].tag_ == "LOC" and not all(t.tag_ == "LOC" for t in sp):
                    # 在宁波国际会议中心举行: the city the venue's name starts with
                    k = next(i for i, t in enumerate(sp) if t.tag_ != "LOC")
                    if sp[k:].text not in self.generic and not sp[k:].text.endswith(self.venues or ("\0",)):
                        continue
                    sp = sp[:k]
                    s, e = sp.start_char, sp.end_char
                known = self.places.get(sp.text) if sp is not None else None
                if sp is not None and len(sp) and (all(t.tag_ == "LOC" for t in sp) or known):
                    # 在京召开, 来川调研: a short form the place gazetteer knows; its full name is a further name
                    names = (known,) if known and known != sp.text else ()
                    place = make_span(doc, s, e, "Place", "place-verb" if pattern is _PLACE_VERB else "place-visit",
                                      0.8 if pattern is _PLACE_VERB else 0.7, names)
                    if place is not None:
                        out.append(place)
        return out


def _bucket(n: int) -> int:
    return 9 if n >= 9 else 5 if n >= 5 else 3 if n >= 3 else 1 if n >= 1 else 0


@Language.factory("kg_events", default_config={"ontology": None},
                  assigns=["doc.spans"], requires=["doc.spans", "doc._.articles"])
def make_events(nlp: Language, name: str, ontology: str | None) -> EventRecognizer:
    return EventRecognizer(nlp, name, ontology)
