"""spaCy components over the LAC layer: organizations, people and posts, events, documents,
awards and event places. Each writes a span group (``doc.spans[...]``); ``extract.pipeline``
turns span groups into plain records.

The rules describe how this genre of Chinese writes names: organization names end in
suffixes (…部 …局 …协会 …有限公司 …研究院), sub-units follow their parent (工信部科技司质量处),
posts sit between a body and a person (中机质协副会长兼秘书长王建和) or after the person
(张力处长), events end in a head noun (…论坛 …座谈会 …活动) and carry a year or a quotation,
documents stand in 《》 or have numbers (…〔2020〕59号, GB/T 23004-2020).
All word lists come from ``ontology/`` (see ``kg.lexicon``).
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from kg.lexicon import Endings, Lexicon, load_lexicon, trie_pattern

if not Span.has_extension("parent"):
    Span.set_extension("parent", default=None)  # surface form of the parent organization
if not Span.has_extension("names"):
    Span.set_extension("names", default=())  # further names (a document number beside a title)
if not Doc.has_extension("positions"):
    Doc.set_extension("positions", default=None)  # list of (person_span, title, (start,end)|None, phrase (s,e), conf, rule)

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
NAMEISH_TAGS = {"n", "nz", "nw", "LOC", "ORG", "vn", "an", "j", "s", "nt", "ns"}
STOP_TAGS = {"w", "v", "vd", "p", "u", "c", "d", "r", "xc", "PER", "TIME", "q", "f"}
INNER_SPLIT_SUFFIXES = ("大学", "集团", "总局", "委员会", "研究院", "公司", "部", "厅")


def _span(doc: Doc, start_char: int, end_char: int, label: str) -> Span | None:
    sp = doc.char_span(start_char, end_char, label=label, alignment_mode="strict")
    if sp is None:
        sp = doc.char_span(start_char, end_char, label=label, alignment_mode="contract")
        if sp is None or sp.start_char != start_char or sp.end_char != end_char:
            return None
    return sp


def _left_extend(doc: Doc, i: int, allowed: set[str], max_chars: int, max_tokens: int = 8) -> int:
    """Index of the first token of a name ending at token ``i`` (extending over name-like tokens)."""
    start = i
    chars = len(doc[i].text)
    while start > 0 and start > i - max_tokens:
        t = doc[start - 1]
        if t.tag_ not in allowed or not t.text.strip() or chars + len(t.text) > max_chars:
            break
        if not re.search(f"[{CJK}A-Za-z0-9]", t.text):
            break
        start -= 1
        chars += len(t.text)
    return start


# --- organizations ----------------------------------------------------------------------------


def org_type(lex: Lexicon, name: str) -> tuple[str, float, str]:
    """(type, confidence, rule) of an organization name."""
    canonical = lex.canonical_org(name)
    if canonical:
        return lex.orgs[canonical].type, 0.95, "gazetteer"
    hit = lex.suffix_type(name)
    if hit:
        return hit[0], min(0.9, 0.5 + hit[1] * 0.05), "suffix"
    for needle, typ in (("公司", "Company"), ("集团", "Company"), ("大学", "ResearchInstitute"),
                        ("学院", "ResearchInstitute"), ("研究", "ResearchInstitute"), ("协会", "Association"),
                        ("联合会", "Association"), ("委员会", "Association"), ("部", "GovernmentBody"),
                        ("局", "GovernmentBody"), ("政府", "GovernmentBody")):
        if needle in name:
            return typ, 0.55, "contains"
    return "Company", 0.4, "default"


def _chained_before(doc: Doc, i: int, lex: Lexicon) -> bool:
    """Whether token ``i`` follows a '（place）' or a body directly (日立电梯（天津）|有限公司)."""
    return i > 0 and doc[i - 1].tag_ == "ORG" and bool(lex.suffix_type(doc[i - 1].text))


_PAREN_ORG = re.compile(rf"（[{CJK}]{{2,4}}）[{CJK}]{{0,10}}?(?:有限责任公司|股份有限公司|有限公司|公司|集团|学院|研究院)")


def _split_inner(lex: Lexicon, text: str) -> list[int]:
    """Cut points inside one recognized name where a sub-unit starts (上海交通大学|中国质量发展研究院)."""
    if lex.canonical_org(text):
        return []
    cuts = []
    for suffix in INNER_SPLIT_SUFFIXES:
        for mt in re.finditer(re.escape(suffix), text):
            cut = mt.end()
            rest = text[cut:]
            if len(rest) >= 3 and cut >= 3 and lex.suffix_type(rest) and lex.suffix_type(text[:cut]):
                cuts.append(cut)
    return sorted(set(cuts))


@Language.factory("kg_orgs", default_config={"ontology": None})
def make_orgs(nlp: Language, name: str, ontology: str | None):
    lex = load_lexicon(ontology)

    def orgs(doc: Doc) -> Doc:
        full = doc.text  # Doc.text joins every token: once per call
        units: list[tuple[int, int, str]] = []  # char spans of base units, with rule
        taken = [False] * len(doc)
        for tok in doc:
            if tok.tag_ == "ORG" and tok.text.strip():
                rule = "gazetteer" if lex.canonical_org(tok.text) else "lac"
                if rule == "lac" and not lex.suffix_type(tok.text) and not _chained_before(doc, tok.i, lex):
                    continue
                cuts = [0] + _split_inner(lex, tok.text) + [len(tok.text)]
                for a, b in zip(cuts, cuts[1:]):
                    units.append((tok.idx + a, tok.idx + b, rule))
                taken[tok.i] = True
        # names the recognizer missed, formed by a suffix (质量处, 天津市工信局科技处)
        for tok in doc:
            if taken[tok.i] or tok.tag_ in STOP_TAGS:
                continue
            hit = lex.suffix_type(tok.text)
            if not hit or hit[1] < 2 or tok.text in lex.not_org_words or any(tok.text.endswith(w) for w in lex.not_org_words):
                continue
            if tok.tag_ in ("vn", "an") and len(lex.org_suffix(tok.text)) == 1:
                continue
            start = _left_extend(doc, tok.i, NAMEISH_TAGS - {"ORG"}, 30)
            after_org = start > 0 and doc[start - 1].tag_ == "ORG"
            if hit[1] < 3 and not after_org:
                continue  # weak suffixes (处, 部) only as a sub-unit right after a body
            s_char, e_char = doc[start].idx, tok.idx + len(tok.text)
            text = full[s_char:e_char]
            if len(text) < 3 or lex.is_generic(text) or text in lex.titles:
                continue
            if len(text) <= len(lex.org_suffix(text)):
                continue
            units.append((s_char, e_char, "suffix"))
            for k in range(start, tok.i + 1):
                taken[k] = True
        for mt in _PAREN_ORG.finditer(full):
            k = doc.char_span(mt.start(), mt.start() + 1, alignment_mode="expand").start
            if k == 0 or doc[k].idx != mt.start():
                continue
            first = _left_extend(doc, k - 1, NAMEISH_TAGS | {"ORG", "PER"}, 12) if doc[k - 1].tag_ in NAMEISH_TAGS | {"ORG", "PER"} else k
            if first == k:
                continue
            s_char, e_char = doc[first].idx, mt.end()
            if doc.char_span(s_char, e_char, alignment_mode="strict") is None:
                continue
            units = [u for u in units if u[1] <= s_char or u[0] >= e_char]
            units.append((s_char, e_char, "bracket-name"))
        units.sort()
        # chain adjacent units into one name, remembering the parent (工信部|科技司|质量处)
        spans = []
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
                sp = _span(doc, s_char, e_char, typ)
                if sp is None:
                    continue
                sp.kb_id_ = lex.canonical_org(text) or ""
                if k > i:
                    sp._.parent = full[s_char:units[k - 1][1]]
                    rule = "chain"
                sp.id_ = f"{units[k][2] if k == i else rule}"
                spans.append((sp, conf))
            i = j + 1
        group = SpanGroup(doc, name="orgs", spans=[s for s, _ in spans])
        doc.spans["orgs"] = group
        doc.user_data["org_conf"] = {(s.start_char, s.end_char): c for s, c in spans}
        return doc

    return orgs


# --- people and posts -------------------------------------------------------------------------


@Language.factory("kg_people", default_config={"ontology": None})
def make_people(nlp: Language, name: str, ontology: str | None):
    lex = load_lexicon(ontology)
    title_alt = trie_pattern(sorted(lex.titles))
    # 副会长兼秘书长, 副秘书长兼学术研究部长 (a unit's name may stand before the second title)
    title_re = f"(?:原|前)?(?:{title_alt})(?:兼(?:任)?[{CJK}]{{0,6}}?(?:{title_alt}))*"
    after_re = re.compile(title_re)
    before_re = re.compile(f"({title_re})[ ]?$")
    title_end_re = re.compile(f"(?:{title_re})$")
    compound_surnames = {s for s in lex.surnames if len(s) == 2}

    def looks_like_name(text: str) -> bool:
        if not re.fullmatch(f"[{CJK}]{{2,4}}", text) or text in lex.titles or lex.is_generic(text):
            return False
        if text[:2] in compound_surnames:
            return len(text) >= 3
        return text[0] in lex.surnames and len(text) <= 3

    def affiliation_before(doc: Doc, t_s: int, title: str, org_ends: dict, last_pos):
        """The body a title belongs to when it does not end right before the title:
        国际电工委员会（IEC）主席, 上海某软件有限公司技术支持经理 (a unit's description is part of
        the title as written), 山西省省长 (a place is part of the title), and the body of the
        previous post in a list: 中国质量协会会长甲、副会长兼秘书长乙."""
        text = doc.text
        inside = [sp for sp in doc.spans.get("orgs", []) if t_s <= sp.start_char and sp.end_char <= t_s + len(title)]
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
                    and not after_re.search(span.text):
                return org, span.text + title, t_s - gap, "title-before-described"
            break
        prev = doc.char_span(max(0, t_s - 6), t_s, alignment_mode="contract")
        if prev is not None and len(prev) and prev[-1].tag_ == "LOC" and prev[-1].idx + len(prev[-1].text) == t_s \
                and re.search(f"[省市县区州]$", prev[-1].text):
            return None, prev[-1].text + title, prev[-1].idx, "title-before-place"
        if t_s > 0 and text[t_s - 1] == "、" and last_pos is not None and last_pos[2] is not None \
                and last_pos[0].end_char == t_s - 1:
            return last_pos[2], title, t_s, "title-list-org"
        return None, title, t_s, "title-before"

    def people(doc: Doc) -> Doc:
        text = doc.text
        persons: list[tuple[Span, float, str]] = []
        org_spans = [(sp.start_char, sp.end_char) for sp in doc.spans.get("orgs", [])]
        for tok in doc:
            t = tok.text.strip()
            if tok.tag_ == "PER" and len(t) >= 2 and t not in lex.titles and not after_re.match(text, tok.idx):
                m = title_end_re.search(t)
                if m and m.start() < 2:
                    continue  # 贾会长: a surname and a title refer to someone named elsewhere
                if m:  # 张力处长 tagged as one word
                    sp = _span(doc, tok.idx, tok.idx + m.start(), "Person")
                elif len(t) == 2 and tok.i + 1 < len(doc) and doc[tok.i + 1].text == "和" \
                        and after_re.match(text, tok.idx + 3):
                    sp = doc[tok.i:tok.i + 2]  # 王建和常务副会长: LAC reads 和 as the conjunction
                else:
                    sp = doc[tok.i:tok.i + 1]
                if sp is not None and not any(a <= sp.start_char and sp.end_char <= b and (a, b) != (sp.start_char, sp.end_char)
                                              for a, b in org_spans):
                    persons.append((sp, 0.85, "lac"))  # (a name inside a body's name, 克劳士比学院, is not a person)
            elif tok.tag_ in ("n", "nr", "nz", "j") and looks_like_name(t) and not after_re.match(text, tok.idx):
                nxt = text[tok.idx + len(t):]
                if after_re.match(nxt):  # a surname-initial word right before a title: 张力处长
                    sp = doc[tok.i:tok.i + 1]
                    persons.append((sp, 0.7, "title-rule"))
        org_ends = {}
        for sp in doc.spans.get("orgs", []):
            prev = org_ends.get(sp.end_char)
            if prev is None or sp.start_char < prev.start_char:
                org_ends[sp.end_char] = sp  # the longest name ending here
        positions = []
        last_pos = None
        for sp, conf, rule in persons:
            s, e = sp.start_char, sp.end_char
            found = []
            m = before_re.search(text, max(0, s - 24), s)
            if m:
                t_s = m.start(1)
                title = m.group(1)
                org = org_ends.get(t_s)
                rule = "title-before"
                if org is None:
                    org, title, t_s, rule = affiliation_before(doc, t_s, title, org_ends, last_pos)
                found.append((title, org, (org.start_char if org else t_s), conf, rule))
                # further posts of the same person, separated by 、 (全国人大代表、…董事长姜卫东)
                pos = org.start_char if org else t_s
                while pos > 0 and text[pos - 1] == "、":
                    m2 = before_re.search(text, max(0, pos - 1 - 24), pos - 1)
                    if not m2:
                        break
                    org2 = org_ends.get(m2.start(1))
                    if org2 is None and (m2.start(1) > 0 and re.match(f"[{CJK}]", text[m2.start(1) - 1])):
                        break
                    found.append((m2.group(1), org2, org2.start_char if org2 else m2.start(1), conf * 0.9, "title-list"))
                    pos = org2.start_char if org2 else m2.start(1)
            m = after_re.match(text, e)
            if m:
                org = org_ends.get(s)
                if org is not None and any(f[1] is org for f in found):
                    org = None
                found.append((m.group(0), org, org.start_char if org else s, conf, "title-after"))
            if not found and last_pos is not None and text[last_pos[0].end_char:s] in ("、", "和", "及"):
                # a list of names after one title shares it: 副会长王建和、曾庆东
                _, title, org, _ = last_pos
                found.append((title, org, s, conf * 0.8, "title-shared"))
            for title, org, phrase_start, c, r in found:
                phrase_end = max(e, (after_re.match(text, e).end() if r == "title-after" else e))
                positions.append((sp, title, org, (phrase_start, phrase_end), c, r))
            first_before = next((f for f in found if f[4].startswith("title-before") or f[4] in ("title-shared", "title-list-org")), None)
            last_pos = (sp, first_before[0], first_before[1], None) if first_before else None
        doc.spans["persons"] = SpanGroup(doc, name="persons", spans=[p for p, _, _ in persons])
        doc.user_data["person_conf"] = {(p.start_char, p.end_char): (c, r) for p, c, r in persons}
        doc._.positions = positions
        return doc

    return people


# --- events, documents, awards, places --------------------------------------------------------

_QUOTED = re.compile(r"“([^“”\n]{2,80})”")
_TITLE = re.compile(r"《([^《》\n]{2,100})》")
_DOC_NUMBER = re.compile(
    rf"([{CJK}]{{1,12}})[ ]?[〔\[【(（][ ]?(\d{{4}})[ ]?[〕\]】)）][ ]?第?[ ]?(\d{{1,4}})[ ]?号(?:文)?"
)
_BULLETIN = re.compile(rf"\d{{4}}年第\d{{1,4}}号[{CJK}]{{2,14}}公告")
_STANDARD = re.compile(r"(?<![A-Za-z])(?:GB/T|GB/Z|GB|JB/T|JB|HG/T|YB/T|QC/T|ISO/IEC|ISO|IEC|T/[A-Z]{2,8})[ ]?\d{2,6}(?:\.\d+)*(?:[-—]\d{4})?")
# what every match of the pattern above contains: sentences without it skip the slower scan
_DOC_NUMBER_HINT = re.compile(r"[〔\[【(（][ ]?\d{4}")
_STANDARD_HINT = re.compile(r"GB|JB|HG|YB|QC|ISO|IEC|T/")
_DOC_HEADS = ("通知", "意见", "办法", "规定", "纲要", "规划", "方案", "公告", "决定", "细则", "指南", "条例", "标准", "报告", "通报", "决议", "计划", "指导意见", "实施意见")
_PLACE_VERB = re.compile(rf"在([{CJK}]{{2,12}}?)(?:隆重|成功|顺利|圆满)?(?:举办|召开|举行|开幕|闭幕|结束|落幕|启动|开班|开展)")
_PLAN = re.compile(r"(?:将|拟|计划|准备|即将|将要|要)[^，。；]{0,4}$")
_SPECIFIC = re.compile(r"\d{4}年|\d{4}(?=[^\d年])|首届|首次|第[一二三四五六七八九十百\d]+[届次期]|[A-Z]{2,}")
_YEAR_ORD = re.compile(r"\d{4}|首届|第[一二三四五六七八九十百\d]+[届次期]")
_DOC_VERB_PREFIX = re.compile(r"^(?:详见|见|按照|根据|依据|落实|贯彻|印发|发布|转发|参照|或|和|及|与)+")
_SENT_PUNCT = re.compile(r"[，。；：、！？]")
_ABBREVIATION = re.compile(r"[（(](?:以下)?(?:简称|下称)[:：]?[《“]([^》”）()]{2,30})[》”][）)]")
_QUANTITY = re.compile(r"^(?:\d+|[一二三四五六七八九十百千]+)(?:余|多)?(?:个|项|家|名|篇)")


@Language.factory("kg_events", default_config={"ontology": None})
def make_events(nlp: Language, name: str, ontology: str | None):
    lex = load_lexicon(ontology)
    heads = sorted(lex.event_heads, key=len, reverse=True)
    award_heads = lex.award_heads
    name_tags = NAMEISH_TAGS | {"m", "TIME", "nr"}

    head_endings, award_endings, doc_endings = Endings(heads), Endings(award_heads), Endings(_DOC_HEADS)
    head_last_chars = frozenset(h[-1] for h in (*heads, *award_heads) if h)
    name_stop_tags = STOP_TAGS - {"v"}

    def events(doc: Doc) -> Doc:
        text = doc.text
        found: dict[str, list] = {"Event": [], "Document": [], "Award": [], "Place": []}
        claimed: list[tuple[int, int]] = []

        def add(label, s, e, conf, rule, names=()):
            if any(a <= s and e <= b for a, b, *_ in found[label]):
                return
            found[label].append((s, e, conf, rule, names))
            claimed.append((s, e))

        token_ending_at: dict[int, int] = {}  # filled on first use

        def prefix_start(s: int, limit: int = 14) -> int:
            """Start of name-like tokens directly before char ``s`` (2020年全国“质量月”活动)."""
            if not token_ending_at:
                token_ending_at.update((t.idx + len(t.text), t.i) for t in doc)
            i = token_ending_at.get(s)
            if i is None or doc[i].tag_ not in name_tags:
                return s
            first = _left_extend(doc, i, name_tags, limit)
            return doc[first].idx

        # documents: 《title》, quoted notices, numbers, standards
        for mt in _TITLE.finditer(text):
            add("Document", mt.start(1), mt.end(1), 0.9, "title-brackets")
        for mt in _QUOTED.finditer(text):
            q = mt.group(1)
            if doc_endings.match(q) and len(q) >= 6 and not _SENT_PUNCT.search(q):
                add("Document", mt.start(1), mt.end(1), 0.8, "quoted-notice")
        numbers = []
        for mt in (_DOC_NUMBER.finditer(text) if _DOC_NUMBER_HINT.search(text) else ()):
            s = mt.start(1)
            pre = _DOC_VERB_PREFIX.match(mt.group(1))
            if pre:
                s += pre.end()
            cut = max(mt.group(1).rfind(c) for c in "或和及与见的在为即")
            if cut >= 0:
                s = max(s, mt.start(1) + cut + 1)
            e = mt.end()
            if e - s >= 6:
                numbers.append((s, e, 0.9, "doc-number"))
        for mt in (_BULLETIN.finditer(text) if "年第" in text else ()):
            numbers.append((mt.start(), mt.end(), 0.85, "bulletin-number"))
        for mt in (_STANDARD.finditer(text) if _STANDARD_HINT.search(text) else ()):
            if re.search(r"\d{4}$", mt.group(0)) or re.match(r"GB", mt.group(0)):
                numbers.append((mt.start(), mt.end(), 0.9, "standard-number"))
        titles = list(found["Document"])
        for ns, ne, conf, rule in numbers:
            # a number beside its title names the same document: 标题》（工信部科〔2019〕188号） / GB/T 1-2020《标题》
            partner = None
            for t in titles:
                ts, te = t[0], t[1]
                gap_after = text[te:ns]
                gap_before = text[ne:ts]
                if gap_after in ("》（", "”（", "》(", "”(", "》", "”") or gap_before in ("《", "“", " 《"):
                    partner = t
                    break
            if partner is not None:
                found["Document"].remove(partner)
                found["Document"].append((partner[0], partner[1], max(partner[2], conf), partner[3], (text[ns:ne],)))
                titles.remove(partner)
            else:
                add("Document", ns, ne, conf, rule)

        # （以下简称《参考架构》）: the short name is another name of the document before it
        for mt in _ABBREVIATION.finditer(text):
            short_s, short_e = mt.span(1)
            before = [d for d in found["Document"] if 0 <= mt.start() - d[1] <= 1]
            if not before:
                continue
            d = before[-1]
            found["Document"] = [x for x in found["Document"] if (x[0], x[1]) != (short_s, short_e)]
            found["Document"][found["Document"].index(d)] = (d[0], d[1], d[2], d[3], d[4] + (mt.group(1),))

        # events and awards: quoted names, and names ending in a head noun
        for mt in _QUOTED.finditer(text):
            q, qs, qe = mt.group(1), mt.start(1), mt.end(1)
            if _SENT_PUNCT.search(q):
                continue
            tail = text[mt.end():mt.end() + 6]
            head_after = next((h for h in heads if tail.startswith(h)), None)
            if head_endings.match(q) and not doc_endings.match(q) and not head_after and (len(q) >= 5 or _YEAR_ORD.search(q)):
                if not _PLAN.search(text[max(0, mt.start() - 8):mt.start()]):
                    add("Event", qs, qe, 0.85, "quoted-event")
                continue
            if award_endings.match(q) and not q.endswith("公告"):
                pre = prefix_start(mt.start(), 8)
                names = ()
                if pre < mt.start():
                    names = (text[pre:mt.end()],)
                add("Award", qs, qe, 0.85, "quoted-award", names)
                continue
            head = next((h for h in heads if tail.startswith(h)), None)
            if head:  # 2020年全国“质量月”活动
                s = prefix_start(mt.start())
                e = mt.end() + len(head)
                if _YEAR_ORD.search(text[s:e]) and not _PLAN.search(text[max(0, s - 8):s]):
                    add("Event", s, e, 0.75, "quoted-head-event")
                continue
            ahead = next((h for h in award_heads if tail.startswith(h)), None)
            if ahead:
                add("Award", prefix_start(mt.start(), 8), mt.end() + len(ahead), 0.7, "quoted-head-award")

        for tok in doc:
            t = tok.text
            end = tok.idx + len(t)
            if text[end - 1] not in head_last_chars or tok.tag_ in name_stop_tags or not t.strip():
                continue  # no head ends here (checked first: cheapest)
            window = text[max(0, end - 10):end]
            head = head_endings.match(window)
            label = "Event" if head else None
            if not head:
                head = award_endings.match(window)
                label = "Award" if head else None
            if not label or (tok.i + 1 < len(doc) and (head_endings if label == "Event" else award_endings).match(text[:doc[tok.i + 1].idx + len(doc[tok.i + 1].text)])):
                continue  # a longer head ends at the next token
            head_tok = doc.char_span(end - len(head), end, alignment_mode="expand")
            hi = head_tok.start if head_tok is not None else tok.i
            tags = name_tags | ({"a"} if label == "Award" else set())
            first = _left_extend(doc, hi, tags, 40 if label == "Event" else 24, 12)
            if first == hi and hi < tok.i:
                first = hi
            # a parenthetical aside inside an event name: 全国质协系统（…委员会）2020年工作会议
            s, e = doc[first].idx, end
            if first > 0 and doc[first - 1].text == "）":
                k = first - 1
                while k > 0 and doc[k].text != "（":
                    k -= 1
                if doc[k].text == "（" and k > 0 and doc[k - 1].tag_ in name_tags:
                    first = _left_extend(doc, k - 1, name_tags, 30, 8)
                    s = doc[first].idx
            name_text = text[s:e]
            if any(a <= s and e <= b for a, b in claimed):
                continue
            if label == "Event":
                if len(name_text) < 6 or not _SPECIFIC.search(name_text):
                    continue
                if _PLAN.search(text[max(0, s - 8):s]):
                    continue
                add("Event", s, e, 0.7, "head-event")
            else:
                if len(name_text) < 3 or name_text in ("获奖", "奖项", "奖励", "颁奖", "大奖"):
                    continue
                add("Award", s, e, 0.7, "head-award")

        for mt in _PLACE_VERB.finditer(text):
            s, e = mt.span(1)
            sp = doc.char_span(s, e, alignment_mode="strict")
            if sp is not None and all(t.tag_ == "LOC" for t in sp):
                add("Place", s, e, 0.8, "place-verb")

        for label, items in list(found.items()):
            kept = []
            for it in sorted(items, key=lambda x: (-(x[1] - x[0]), x[0])):
                if not any(k[0] < it[1] and it[0] < k[1] for k in kept):
                    kept.append(it)
            cleaned = []
            for s, e, conf, rule, names in sorted(kept):
                q = _QUANTITY.match(text[s:e])
                if q and e - s - q.end() >= 3:
                    s += q.end()
                cleaned.append((s, e, conf, rule, names))
            found[label] = cleaned
        for label, items in found.items():
            spans = []
            meta = {}
            for s, e, conf, rule, names in items:
                sp = _span(doc, s, e, label) or doc.char_span(s, e, label=label, alignment_mode="expand")
                if sp is None:
                    continue
                sp._.names = names
                spans.append(sp)
                meta[(sp.start_char, sp.end_char)] = (conf, rule, s, e)
            doc.spans[label.lower()] = SpanGroup(doc, name=label.lower(), spans=spans)
            doc.user_data[f"{label.lower()}_meta"] = meta
        return doc

    return events
