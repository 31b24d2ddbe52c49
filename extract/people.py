"""The ``kg_people`` component: people's names and the posts they hold.

How this genre writes posts: between a body and the person (中机质协副会长兼秘书长王建和), after
the person (张力处长), several of them in a row (全国人大代表、…董事长姜卫东), one title shared by a
list (副会长王建和、曾庆东), a place inside the title (山西省省长林武), a unit's description inside it
(…有限公司技术支持经理). Titles come from ``ontology/lexicon/titles.txt``; a name is LAC's PER word,
or a surname-initial word right before a title.

>>> from extract.pipeline import get_nlp
>>> doc = get_nlp()("中机质协副会长兼秘书长王建国出席会议。")
>>> [(p.person.text, p.title, p.org.text) for p in doc._.posts]
[('王建国', '副会长兼秘书长', '中机质协')]
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from kg.ontology.lexicon import load_lexicon, trie_pattern

from .spans import CJK, SpanIndex, info_of, make_span, sentence_of, sentences_in, text_of, tokens

_UNIT_ROOMS = ("中心", "办公室")  # beside the department endings: a unit inside a body, named in its posts
_AFTER_NAME = re.compile(r"[ 　]*[（(][ 　]*|[ 　]+")  # what parts a name from the post written after it

if not Doc.has_extension("posts"):
    Doc.set_extension("posts", default=())


_NAME_SHAPE = re.compile(f"[{CJK}]{{2,4}}")  # two to four Chinese characters


@dataclass(frozen=True, slots=True)
class Post:
    """A person holding a post: the title as written and the body, when the text names it."""

    person: Span
    title: str  # as the components read it; the Doc's characters title_start:title_start + len(title)
    org: Span | None
    start: int  # the whole phrase, in the Doc's characters
    end: int
    confidence: float
    rule: str
    title_start: int = -1


_NAME_TAGS = frozenset({"PER", "n", "nr", "nz", "j"})  # the tags of the tokens _names reads


class PersonRecognizer:
    """``doc.spans["persons"]`` (``span._.info``: rule and confidence) and ``doc._.posts``."""

    def __init__(self, nlp: Language, name: str, ontology: str | None = None):
        self.name = name
        lex = self.lex = load_lexicon(ontology)
        title_alt = trie_pattern(sorted(lex.titles))
        # 副会长兼秘书长, 副秘书长兼学术研究部长 (a unit's name may stand before the second title)
        title_re = f"(?:原|前)?(?:{title_alt})(?:兼(?:任)?[{CJK}]{{0,6}}?(?:{title_alt}))*"
        self.after_re = re.compile(title_re)
        # elections and appointments: 选举A为会长, B当选为副会长, C、D等11人为副会长, E任监事长
        self.elected_re = re.compile(rf"(?:等\d*[人名位])?(?:当选为?|被?选举为|被?推选为|为|任|担任|出任)({title_re})")
        self.before_re = re.compile(f"({title_re})[ ]?$")
        self.title_end_re = re.compile(f"(?:{title_re})$")
        self.compound_surnames = {s for s in lex.surnames if len(s) == 2}

    def looks_like_name(self, text: str) -> bool:
        lex = self.lex
        if not _NAME_SHAPE.fullmatch(text) or text in lex.titles or lex.is_generic(text) \
                or text in lex.not_person_words:
            return False
        if text[:2] in self.compound_surnames:
            return len(text) >= 3
        return text[0] in lex.surnames and len(text) <= 3

    def __call__(self, doc: Doc) -> Doc:
        persons: list[Span] = []
        posts: list[Post] = []
        orgs = SpanIndex(doc.spans.get("orgs", []))
        org_ends: dict[int, Span] = {}
        for sp in doc.spans.get("orgs", []):
            prev = org_ends.get(sp.end_char)
            if prev is None or sp.start_char < prev.start_char:
                org_ends[sp.end_char] = sp  # the longest name ending here
        for sp in doc.spans.get("org_refs", []):  # 协会会长李明华: the body 协会 stands for
            org_ends.setdefault(sp.end_char, sp)
        refs = SpanIndex(doc.spans.get("org_refs", []))
        for art in doc._.articles:
            head = orgs.within(art.headline.start_char, art.headline.end_char) if art.headline is not None else []
            for sent in sentences_in(doc, art.span.start_char, art.span.end_char):
                found = self._names(doc, sent, orgs)
                persons += found
                posts += self._posts(doc, sent, found, org_ends, orgs)
                posts += self._elected(doc, sent, found, orgs, refs, head)
        doc.spans["persons"] = SpanGroup(doc, name="persons", spans=persons)
        doc._.posts = tuple(self._inherit(doc, posts))
        return doc

    def _elected(self, doc: Doc, sent: Span, persons: list[Span], orgs: SpanIndex, refs: SpanIndex,
                 head: list[Span]) -> list[Post]:
        """Posts given in an election or an appointment: 选举章建伟为会长, 陆晓岚当选为常务副会长,
        蒋毅、罗晓峰等11人为副会长, 俞佳任监事长. The body is the association named just before in
        the sentence (or referred to: 协会), else the body the article's headline names."""
        text = text_of(doc)
        out = []
        i = 0
        while i < len(persons):
            group = [persons[i]]
            while i + 1 < len(persons) and text[group[-1].end_char:persons[i + 1].start_char] == "、":
                i += 1
                group.append(persons[i])
            i += 1
            m = self.elected_re.match(text, group[-1].end_char)
            if not m or m.end() > sent.end_char:
                continue
            before = [o for o in orgs.within(sent.start_char, group[0].start_char) + refs.within(sent.start_char, group[0].start_char)
                      if o.label_ == "Association"]
            org = max(before, key=lambda o: o.end_char) if before else (head[0] if head else None)
            for sp in group:
                out.append(Post(sp, m.group(1), org, sp.start_char, m.end(), 0.75, "elected", m.start(1)))
        return out

    def _department(self, doc: Doc, org: Span, orgs: SpanIndex) -> tuple[Span, int] | None:
        """(the company or association, where the department's own name starts) when ``org`` is a
        department of one (中国机械工业质量管理协会行业发展部): as this genre writes posts, the
        department's name is part of the title (行业发展部主任 at the association), unlike a
        government division's (…司质量处处长). ``department_endings.txt`` says what a department is."""
        info = info_of(org)
        if info is None or info.parent is None or org.label_ not in ("Company", "Association"):
            return None
        a, b = info.parent
        if not org.text.endswith(self.lex.department_endings + _UNIT_ROOMS) or b >= org.end_char:
            return None
        parent = next((o for o in orgs.within(a, b) if o.start_char == a and o.end_char == b), None)
        return (parent, b) if parent is not None else None

    def _inherit(self, doc: Doc, posts: list[Post]) -> list[Post]:
        """A post written without its body takes the body of the nearest earlier post of the same
        kind (会长, 秘书长 …, ``inherited_titles.txt``) in the same article:
        中机质协张某会长出席…；副会长兼秘书长王某参加."""
        words = self.lex.inherited_titles
        starts = [a.span.start_char for a in doc._.articles]
        out = []
        last: dict[tuple[int, str], Post] = {}  # (article, kind of post) -> latest such post with a body
        mine: dict[tuple[int, int], Post] = {}  # (sentence, person) -> the person's post with a body there
        stated = {(p.person.text, p.title) for p in posts if p.org is not None}
        for p in sorted(posts, key=lambda p: (p.person.start_char, p.start)):
            art = bisect.bisect_right(starts, p.person.start_char)
            kind = next((w for w in words if p.title.endswith(w) and not p.title.endswith("副" + w)), None)
            if p.org is None and (p.person.text, p.title) not in stated:  # 罗振邦会长 after 中机质协会长罗振邦: stated
                src = mine.get((sentence_of(p.person).start_char, p.person.start_char)) or (last.get((art, kind)) if kind else None)
                if src is not None:  # 副会长、秘书长王建国; 王某会长 alone takes the last 会长's body
                    p = replace(p, org=src.org, confidence=p.confidence * 0.7, rule=p.rule + "+article-org")
            elif p.org is not None:
                mine[(sentence_of(p.person).start_char, p.person.start_char)] = p
                if kind:
                    last[(art, kind)] = p
            out.append(p)
        return out

    def _names(self, doc: Doc, sent: Span, orgs: SpanIndex) -> list[Span]:
        lex, text, after_re = self.lex, text_of(doc), self.after_re
        persons: list[Span] = []
        tags = tokens(doc).tag
        for i in range(sent.start, sent.end):
            if tags[i] not in _NAME_TAGS:
                continue
            tok = doc[i]
            t = tok.text.strip()
            if tok.tag_ == "PER" and len(t) >= 2 and t not in lex.titles and not after_re.match(text, tok.idx) \
                    and t not in lex.not_person_words:
                m = self.title_end_re.search(t)
                if m and m.start() < 2:
                    continue  # 贾会长: a surname and a title refer to someone named elsewhere
                if len(t) == 2 and t[1] in "副正总" and after_re.match(text, tok.idx + 2):
                    continue  # 刘副秘书长: a surname and a title, someone named elsewhere
                if m:  # 张力处长 tagged as one word
                    sp = make_span(doc, tok.idx, tok.idx + m.start(), "Person", "lac", 0.85)
                elif len(t) == 2 and tok.i + 1 < sent.end and doc[tok.i + 1].text == "和" \
                        and after_re.match(text, tok.idx + 3):
                    sp = make_span(doc, tok.idx, tok.idx + 3, "Person", "lac", 0.85)  # 王建和常务副会长
                else:
                    sp = make_span(doc, tok.idx, tok.idx + len(tok.text), "Person", "lac", 0.85)
                # a name inside a body's name (克劳士比学院) is not a person
                if sp is not None and not any((o.start_char, o.end_char) != (sp.start_char, sp.end_char)
                                              for o in orgs.covering(sp.start_char, sp.end_char)):
                    persons.append(sp)
            elif tok.tag_ in ("n", "nr", "nz", "j") and self.looks_like_name(t) and not after_re.match(text, tok.idx):
                if after_re.match(text, tok.idx + len(t)):  # a surname-initial word right before a title: 张力处长
                    sp = make_span(doc, tok.idx, tok.idx + len(tok.text), "Person", "title-rule", 0.7)
                    if sp is not None:
                        persons.append(sp)
        return persons

    def _affiliation_before(self, doc: Doc, t_s: int, title: str, org_ends: dict, last_pos, orgs: SpanIndex):
        """The body a title belongs to when it does not end right before the title:
        国际电工委员会（IEC）主席, 上海某软件有限公司技术支持经理 (a unit's description is part of
        the title as written), 山西省省长 (a place is part of the title), and the body of the
        previous post in a list: 中国质量协会会长甲、副会长兼秘书长乙."""
        text = text_of(doc)
        inside = orgs.within(t_s, t_s + len(title))
        if inside:  # 原国务院参事: the body is named inside the title
            return inside[0], title, t_s, "title-before"
        paren = re.search(r"[（(][A-Za-z0-9 .&-]{1,16}[）)]$", text[max(0, t_s - 18):t_s])
        if paren and org_ends.get(t_s - len(paren.group(0))) is not None:
            return org_ends[t_s - len(paren.group(0))], title, t_s, "title-before"
        for gap in range(2, 9):
            org = org_ends.get(t_s - gap)
            if org is None:
                continue
            span = doc.char_span(t_s - gap, t_s, alignment_mode="strict")
            if span is not None and all(t.tag_ in ("n", "nz", "vn", "an", "nw") for t in span) \
                    and not self.after_re.search(span.text):
                return org, span.text + title, t_s - gap, "title-before-described"
            break
        prev = doc.char_span(max(0, t_s - 6), t_s, alignment_mode="contract")
        if prev is not None and len(prev) and prev[-1].tag_ == "LOC" and prev[-1].idx + len(prev[-1].text) == t_s \
                and re.search("[省市县区州]$", prev[-1].text):
            return None, prev[-1].text + title, prev[-1].idx, "title-before-place"
        if t_s > 0 and text[t_s - 1] == "、" and last_pos is not None and last_pos[2] is not None \
                and last_pos[0].end_char == t_s - 1:
            return last_pos[2], title, t_s, "title-list-org"
        return None, title, t_s, "title-before"

    def _posts(self, doc: Doc, sent: Span, persons: list[Span], org_ends: dict, orgs: SpanIndex) -> list[Post]:
        text, before_re, after_re = text_of(doc), self.before_re, self.after_re
        lower = sent.start_char
        posts: list[Post] = []
        last_pos = None
        for sp in persons:
            conf = info_of(sp).confidence
            s, e = sp.start_char, sp.end_char
            found = []
            m = before_re.search(text, max(lower, s - 24), s)
            if m:
                t_s = m.start(1)
                title = m.group(1)
                org = org_ends.get(t_s)
                rule = "title-before"
                if org is None:
                    org, title, t_s, rule = self._affiliation_before(doc, t_s, title, org_ends, last_pos, orgs)
                found.append((title, t_s, org, (org.start_char if org else t_s), conf, rule))
                # further posts of the same person, separated by 、 (全国人大代表、…董事长姜卫东)
                pos = org.start_char if org else t_s
                while pos > lower and text[pos - 1] == "、":
                    m2 = before_re.search(text, max(lower, pos - 1 - 24), pos - 1)
                    if not m2:
                        break
                    org2 = org_ends.get(m2.start(1))
                    if org2 is None and (m2.start(1) > 0 and re.match(f"[{CJK}]", text[m2.start(1) - 1])):
                        break
                    found.append((m2.group(1), m2.start(1), org2, org2.start_char if org2 else m2.start(1), conf * 0.9,
                                  "title-list"))
                    pos = org2.start_char if org2 else m2.start(1)
            m = after_re.match(text, e)
            if m:
                org = org_ends.get(s)
                if org is not None and any(f[2] is org for f in found):
                    org = None
                found.append((m.group(0), e, org, org.start_char if org else s, conf, "title-after"))
            elif not found:
                # a post after the name, in brackets or a list's next cell: 龙嘉怡（北京市质量协会秘书长）,
                # 顾伟明　上海浦江电梯股份有限公司首席质量官, 钱立群（主任委员）
                gap = _AFTER_NAME.match(text, e)
                if gap and gap.end() < sent.end_char:
                    at = gap.end()
                    org = max((o for o in orgs.within(at, sent.end_char) if o.start_char == at), key=lambda o: o.end_char,
                              default=None)
                    t = after_re.match(text, org.end_char if org is not None else at)
                    if t and (org is not None or "（" in gap.group(0) or "(" in gap.group(0)):
                        found.append((t.group(0), t.start(), org, s, conf * 0.9, "title-after-name"))
            if not found and last_pos is not None and text[last_pos[0].end_char:s] in ("、", "和", "及"):
                # a list of names after one title shares it: 副会长王建和、曾庆东
                _, title, org, title_start = last_pos
                found.append((title, title_start, org, s, conf * 0.8, "title-shared"))
            for title, title_start, org, phrase_start, c, r in found:
                phrase_end = max(e, (after_re.match(text, e).end() if r == "title-after" else e))
                dept = self._department(doc, org, orgs) if org is not None and title_start == org.end_char else None
                if dept is not None:  # …有限公司质量部部长: 质量部部长 at the company
                    parent, unit_start = dept
                    title, title_start, org, r = text[unit_start:title_start] + title, unit_start, parent, r + "+department"
                posts.append(Post(sp, title, org, phrase_start, phrase_end, c, r, title_start))
            first_before = next((f for f in found if f[5].startswith("title-before") or f[5] in ("title-shared", "title-list-org")), None)
            last_pos = (sp, first_before[0], first_before[2], first_before[1]) if first_before else None
        return posts


@Language.factory("kg_people", default_config={"ontology": None},
                  assigns=["doc.spans", "doc._.posts"], requires=["doc.spans", "doc._.articles"])
def make_people(nlp: Language, name: str, ontology: str | None) -> PersonRecognizer:
    return PersonRecognizer(nlp, name, ontology)

