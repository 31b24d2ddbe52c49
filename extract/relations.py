"""The ``kg_relations`` component: who hosted, co-hosted, guided, supported, attended, chaired,
spoke at, issued, awarded and received what, and which event was held where.

It works on the entity layer the earlier components leave on the Doc and on trigger words from
``ontology/lexicon/relation_triggers.tsv``. How this genre states relations:

- the actors stand before the verb, in a list that may run over several comma-separated clauses
  of names and posts ("山西省省长林武，…国家林草局副局长彭有冬，中国工程院院士王海舟出席并讲话",
  "市场监管总局联合中央宣传部、…、海关总署，共同部署开展…活动"), or after 由 in a passive
  ("由天津市工业和信息化局主办，…联合承办的“…活动”在天津举办");
- a body named right before a person's post is the person's affiliation, not an actor
  (工信部科技司质量处姚迪调研员参加了活动: 姚迪 attended, the 处 did not);
- the event is named in the sentence, referred to (会议, 座谈会上: ``doc.spans["event_refs"]``,
  tied to their event by :mod:`extract.articles`), or left implicit (出席并讲话): then it is the
  event the article is on at that point (the last one the article says is held, else its main
  event), never one of another article;
- field labels list organizers after them (主办单位：A、B);
- plans and duties are not facts (将举办, 拟召开): see ``modal_words.txt``.

Every relation read is a :class:`RelationCandidate` (``doc._.relation_candidates``) with the rule
that read it, a confidence and the features a learned scorer reads; ``doc._.relations`` holds those
kept (all of them here; ``kg_relation_scorer`` keeps those its model scores high enough).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.ontology.lexicon import Lexicon, load_lexicon, trie_pattern
from kg.ontology.kinds import SIGNATURES as BASE_SIGNATURES

from .articles import holding
from .spans import SpanIndex, info_of, sentence_of, sentences_in, span_text, tokens

if not Doc.has_extension("relations"):
    Doc.set_extension("relations", default=())
if not Doc.has_extension("relation_candidates"):
    Doc.set_extension("relation_candidates", default=())

ORG = "Org"
EVENT_REF = "EventRef"
ORG_LABELS = frozenset({"GovernmentBody", "Association", "Company", "ResearchInstitute", "Organization"})
# what each relation may connect, where an event may also be a reference
SIGNATURES = {p: (d | ({EVENT_REF} if "Event" in d else set()), r | ({EVENT_REF} if "Event" in r else set()))
              for p, (d, r) in BASE_SIGNATURES.items() if p not in ("subOrganizationOf", "heldIn")}
EVENT_OBJECT = frozenset(p for p, (_, o) in SIGNATURES.items() if "Event" in o)
# an event left implicit ("出席并讲话", "致欢迎词") is the article's event for these
IMPLICIT_EVENT = frozenset({"attended", "chaired", "spokeAt"})
# what a plan (将举办, 拟召开) cannot have had yet (ANNOTATION.md: an announced event has its organizers)
NOT_YET = frozenset({"attended", "chaired", "spokeAt", "receivedAward", "awarded"})
_PAST = re.compile(r"曾[获经被]|此前|以往|历届|先后获|多次获|往年|去年")
_YEARS = re.compile(r"(?:19|20)\d\d")
_CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?]")
_COORDINATED = re.compile(r"[\u4e00-\u9fff]{0,2}并(?:在会上|作|致)?|后")
_LISTED = re.compile(r"[^，。；：]{0,12}?(?:包括|有|为|是)[：:]?")
_NEGATION = re.compile(r"(?:未|没有|不|并未|尚未)$")
_ADJACENT_ISSUER_GAP = re.compile(r"^(?:的|印发的|发布的|制定的|出台的|联合印发的|联合发布的)?$")
_DOC_NUMBER_PREFIX = re.compile(r"^([^\[〔【(（\d]{2,12})[ ]?[\[〔【(（]")


@dataclass(slots=True)
class RelationCandidate:
    """A relation read in one sentence: its arguments (spans of the Doc; an event for a
    reference), the words that state it, a confidence, the rule and the features a scorer reads."""

    subject: Span
    predicate: str
    object: Span
    sentence: Span
    trigger: tuple[int, int]  # characters of the Doc that state the relation
    confidence: float
    rule: str
    features: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Item:
    """An argument candidate of one sentence, in the sentence's own character offsets."""

    start: int
    end: int
    kind: str  # Org, Person, Event, Document, Award, Place, EventRef
    label: str  # the span's label (GovernmentBody, …, EventRef)
    text: str
    span: Span | None = None  # the Doc's span (None for an implicit event)
    affiliation: bool = False  # a body named as a person's affiliation (…处姚迪调研员)
    adverbial: bool = False  # a reference that says when or where (会上, 活动期间), never an object between


def _kind(label: str) -> str:
    return ORG if label in ORG_LABELS else label


class RelationExtractor:
    """Relations read by the rules (``doc._.relations``) and, with ``candidates``, the further
    candidates a scorer judges (``doc._.relation_candidates``: the rules' and those)."""

    def __init__(self, nlp: Language, name: str, ontology: str | None = None, candidates: bool = True):
        self.name = name
        self.candidates = candidates
        lex = self.lex = load_lexicon(ontology)
        rules = [r for r in lex.relation_triggers if r.predicate in SIGNATURES]
        self.literal = {r.trigger: r for r in rules if not r.is_regex}
        self.regex = [(re.compile(r.trigger), r) for r in rules if r.is_regex]
        self.literal_re = re.compile(trie_pattern(sorted(self.literal))) if self.literal else None
        self.title_re = re.compile("(?:" + trie_pattern(sorted(lex.titles)) + ")") if lex.titles else None
        glue = "|".join(re.escape(g) for g in lex.list_glue)
        self.residue_re = re.compile("|".join(p for p in (
            self.title_re.pattern if self.title_re else "", glue, r"[\s、，,（）()“”《》·]", r"\d+(?:余|多)?(?:人|名|位)") if p))

    def __call__(self, doc: Doc) -> Doc:
        cands: list[RelationCandidate] = []
        affiliated = {(p.org.start_char, p.org.end_char) for p in doc._.posts if p.org is not None}
        posts = {(p.person.start_char, p.person.end_char) for p in doc._.posts}
        spans = self._spans(doc)
        refs = SpanIndex(doc.spans.get("event_refs", []))
        for art in doc._.articles:
            current = _CurrentEvent(doc, art)
            for k, sent in enumerate(sentences_in(doc, art.span.start_char, art.span.end_char)):
                if span_text(sent).strip():
                    cands += self._sentence(doc, sent, spans, refs, affiliated, current, k, posts)
        doc._.relation_candidates = tuple(cands)
        doc._.relations = tuple(c for c in cands if c.features.get("src=rule"))
        return doc

    @staticmethod
    def _spans(doc: Doc) -> SpanIndex:
        out = []
        for group in ("orgs", "org_refs", "persons", "events", "documents", "awards", "places"):
            out += list(doc.spans.get(group, []))
        return SpanIndex(out)

    def _items(self, doc: Doc, sent: Span, spans: list[Span], refs: list[Span], affiliated) -> list[Item]:
        base, text = sent.start_char, span_text(sent)
        raw = [Item(sp.start_char - base, sp.end_char - base, _kind(sp.label_), sp.label_, text[sp.start_char - base:sp.end_char - base], sp)
               for sp in spans.within(base, sent.end_char)]
        kept: list[Item] = []
        for it in sorted(raw, key=lambda i: (-(i.end - i.start), i.start)):
            if not any(k.start <= it.start and it.end <= k.end for k in kept):
                kept.append(it)
        kept.sort(key=lambda i: i.start)
        # affiliations: a body right before a person (or before a post and a person)
        persons = [k for k in kept if k.kind == "Person"]
        out = []
        for it in kept:
            if it.kind == ORG:
                nxt = next((p for p in persons if p.start >= it.end), None)
                gap = text[it.end:nxt.start] if nxt else None
                if (it.start + base, it.end + base) in affiliated or (
                        gap is not None and len(gap) <= 14 and (gap == "" or (self.title_re and self.title_re.fullmatch(gap)))):
                    it = Item(it.start, it.end, it.kind, it.label, it.text, it.span, True)
            out.append(it)
        for r in refs.within(base, sent.end_char):
            s, e = r.start_char - base, r.end_char - base
            if not any(k.start < e and s < k.end for k in out):
                out.append(Item(s, e, EVENT_REF, EVENT_REF, r.text, r, adverbial=info_of(r).rule == "reference-place"))
        out.sort(key=lambda i: i.start)
        return out

    def _triggers(self, text: str, items: list[Item]) -> list[tuple[int, int, object]]:
        found = []
        if self.literal_re is not None:
            for mt in self.literal_re.finditer(text):
                found.append((mt.start(), mt.end(), self.literal[mt.group(0)]))
        for pattern, rule in self.regex:
            for mt in pattern.finditer(text):
                if mt.end() > mt.start():
                    found.append((mt.start(), mt.end(), rule))
        found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
        kept = []
        for s, e, rule in found:
            if any(it.start < e and s < it.end for it in items if it.kind != EVENT_REF):
                continue  # inside a name: 《…发布…》, “…论坛”
            if kept and s < kept[-1][1]:
                continue  # overlapped by a longer trigger starting earlier
            kept.append((s, e, rule))
        return kept

    def _sentence(self, doc: Doc, sent: Span, spans, refs, affiliated, current: "_CurrentEvent", art_index: int,
                  posts: set) -> list[RelationCandidate]:
        lex = self.lex
        text, base = span_text(sent), sent.start_char
        items = self._items(doc, sent, spans, refs, affiliated)
        current.advance(sent, items)
        found = self._triggers(text, items)
        trigs = [t for t in found if t[2].frame != "cue"]  # cues are only for a scorer
        clauses = _clauses(text)
        tokens_modal, names = [], []  # modal words; names the recognizer saw
        toks = tokens(doc)
        words, tags, starts, modal_words = toks.text, toks.tag, toks.idx, lex.modal_words
        for i in range(sent.start, sent.end):
            w = words[i]
            if w in modal_words:
                tokens_modal.append((starts[i] - base, starts[i] - base + len(w)))
            if tags[i] in ("LOC", "ORG", "PER"):
                names.append((starts[i] - base, starts[i] - base + len(w)))
        residue_re = self.residue_re

        def clause_at(pos: int) -> int:
            for k, (cs, ce) in enumerate(clauses):
                if cs <= pos < ce:
                    return k
            return len(clauses) - 1

        def residue(s: int, e: int, drop_refs: bool = False) -> str:
            """What a stretch of text says besides names, posts and list glue."""
            chunk = list(text[s:e])
            covered = [(it.start, it.end) for it in items if it.kind != EVENT_REF or drop_refs]
            covered += names  # place and other names the recognizer saw (山西省省长林武)
            for a, b in covered:
                if s <= a and b <= e:
                    for i in range(a - s, b - s):
                        chunk[i] = ""
            return residue_re.sub("", "".join(chunk))

        def has_trigger(s: int, e: int) -> bool:
            return any(s <= ts and te <= e for ts, te, _ in trigs)

        def subjects_of(k: int, t_start: int, kinds: frozenset, objects: frozenset, region_start: int) -> tuple[list[Item], bool]:
            cs, _ = clauses[k]
            start = max(cs, region_start)
            region = [it for it in items if start <= it.start and it.end <= t_start]
            objs = [it for it in region if it.kind in objects and not it.adverbial]
            if objs:  # the object stands between: "…联合承办的“活动”在天津举办"
                start = objs[-1].end
                region = [it for it in region if it.start >= start]
            subs = [it for it in region if it.kind in kinds and not it.affiliation]
            extended = False
            # a list that began in earlier clauses, or a subject left out of this clause
            lead = residue(start, subs[0].start) if subs else None
            if start == cs and (not subs or lead == ""):
                j = k - 1
                while j >= 0:
                    js, je = clauses[j]
                    c_items = [it for it in items if js <= it.start and it.end <= je]
                    stops = [ts for ts, te, _ in trigs if js <= ts and te <= je]
                    stops += [it.start for it in c_items if it.kind in objects]
                    if stops:
                        if subs:
                            break
                        # the subject of a clause with its own verb or event is the sentence's topic
                        # (中机质协在参展“…”期间，举办…), or what follows the event (会议邀请A、B等，…参加)
                        first = [it for it in c_items if it.end <= min(stops) and it.kind in kinds and not it.affiliation]
                        c_objs = [it for it in c_items if it.kind in objects]
                        last = [it for it in c_items if c_objs and it.start >= c_objs[-1].end
                                and it.kind in kinds and not it.affiliation and not has_trigger(c_objs[-1].end, je)]
                        subs = first or last
                        extended = bool(subs)
                        break
                    more = [it for it in c_items if it.kind in kinds and not it.affiliation]
                    if not more:
                        break
                    if residue(js, je) == "":
                        subs = more + subs
                        extended = True
                        j -= 1
                        continue
                    if not subs:
                        subs = more
                        extended = True
                    break
            return subs, extended

        def event_object(k: int, t_start: int, t_end: int, subs: list[Item]) -> Item | None:
            cs, ce = clauses[k]
            cands = [it for it in items if it.kind in ("Event", EVENT_REF) and it not in subs]
            order = (
                [it for it in cands if t_end <= it.start < ce],
                [it for it in cands if cs <= it.start and it.end <= t_start][::-1],
                [it for it in cands if it.start >= ce],
                [it for it in cands if it.end <= cs][::-1],
            )
            return next((group[0] for group in order if group), None)

        def listed_after(t_end: int, kinds: frozenset) -> list[Item]:
            mt = _LISTED.match(text, t_end)
            if not mt:
                return []
            k = clause_at(mt.end())
            subs = [it for it in items if mt.end() <= it.start and it.end <= clauses[k][1]
                    and it.kind in kinds and not it.affiliation]
            for js, je in clauses[k + 1:]:
                more = [it for it in items if js <= it.start and it.end <= je and it.kind in kinds and not it.affiliation]
                if not more or has_trigger(js, je) or residue(js, je) != "":
                    break
                subs += more
            return subs

        rels: list[tuple] = []
        prev_end: dict[int, int] = {}
        prev_subs: dict[int, list[Item]] = {}
        implicit = Item(0, 0, EVENT_REF, EVENT_REF, "")
        for t_start, t_end, rule in trigs:
            pred = rule.predicate
            kinds, objects = SIGNATURES[pred]
            k = clause_at(t_start)
            cs, ce = clauses[k]
            # a plan (将举办, 拟召开) names its organizers and its place, but nobody has attended it yet
            if _NEGATION.search(text[max(cs, t_start - 3):t_start]) or (pred in NOT_YET and any(
                    max(cs, prev_end.get(k, cs)) <= s and e <= t_start for s, e in tokens_modal)):
                prev_end[k] = t_end
                continue
            conf = rule.confidence
            if rule.frame == "label":
                nxt = next((s for s, _, _ in trigs if s >= t_end), len(text))
                subs = [it for it in items if t_end <= it.start and it.end <= nxt and it.kind in kinds and not it.affiliation]
                extended = False
            elif k in prev_subs and _COORDINATED.fullmatch(residue(prev_end[k], t_start, drop_refs=True)):
                # 出席会议并讲话: the second verb shares the first one's subjects
                subs, extended = [it for it in prev_subs[k] if it.kind in kinds], False
            else:
                subs, extended = subjects_of(k, t_start, kinds, objects, prev_end.get(k, cs))
                if extended:
                    conf *= 0.9
            prev_end[k] = t_end
            prev_subs[k] = subs
            if not subs and rule.frame == "agent" and pred in IMPLICIT_EVENT:
                subs = listed_after(t_end, kinds)  # 参加论坛的领导包括A、B、C
            if pred == "awarded" and subs:
                subs, recipients = _split_recipients(text, subs, t_start, t_end, items)
                for r in recipients:
                    nxt = next((s for s, _, _ in trigs if s >= t_end), len(text))
                    for o in [it for it in items if it.kind == "Award" and t_end <= it.start < nxt]:
                        rels.append((r, "receivedAward", o, (t_start, t_end), round(conf, 3), f"recipient:{text[t_start:t_end]}"))
            if not subs and pred == "awarded":
                subs = [implicit]  # 活动现场，还颁发了…
                conf *= 0.8
            if not subs:
                continue
            if pred in EVENT_OBJECT:
                obj = event_object(k, t_start, t_end, subs)
                if obj is None:
                    if pred not in IMPLICIT_EVENT and rule.frame != "label":
                        continue
                    obj = implicit
                    conf *= 0.85
                elif obj.kind == EVENT_REF:
                    conf *= 0.9
                objs = [obj]
            else:
                nxt = next((s for s, _, _ in trigs if s >= t_end), len(text))  # up to the next verb
                objs = [it for it in items if it.kind in objects and t_end <= it.start and it.end <= nxt]
                if not objs:  # 对…先进单位予以表彰
                    objs = [it for it in items if it.kind in objects and cs <= it.start and it.end <= t_start
                            and it.start >= max((x.end for x in subs if x.start < t_start), default=cs)]
                if pred == "issued" and not objs:  # 《…》由工业和信息化部印发
                    objs = [it for it in items if it.kind in objects and it.end <= subs[0].start][-1:]
                if not objs:
                    continue
            for s in subs:
                for o in objs:
                    if s is not o:
                        rels.append((s, pred, o, (t_start, t_end), round(conf, 3), f"{rule.frame}:{text[t_start:t_end]}"))
        inner_orgs = [Item(sp.start_char - base, sp.end_char - base, ORG, sp.label_, text[sp.start_char - base:sp.end_char - base], sp)
                      for sp in spans.within(base, sent.end_char) if _kind(sp.label_) == ORG]
        rels += _issuer_rules(doc, sent, items, inner_orgs, lex)
        rels += _held_in(items, clauses, clause_at)
        # what the rules read, and what a scorer may judge besides: every argument of the right
        # kind in a sentence with a verb for the relation, every body and person of an article
        # about an event (attended), every recipient in a sentence or list naming an award
        ctx = _Context(text, items, found, clauses, clause_at, residue, tokens_modal, current, art_index, posts)
        out: list[RelationCandidate] = []
        seen: set = set()

        def emit(s: Item, pred: str, o: Item, ts: int, te: int, conf: float, rule: str, src: str) -> None:
            subj, obj = current.bind(s), current.bind(o)
            if subj is None or obj is None or subj == obj:
                return
            key = (subj.start_char, subj.end_char, pred, obj.start_char, obj.end_char)
            if key in seen:
                return
            seen.add(key)
            if src == "rule" and pred == "hosted" and s.kind == ORG and s.span is not None:  # may award at its events
                current.hosts.setdefault((s.span.start_char, s.span.end_char), Item(-1, -1, s.kind, s.label, s.text, s.span))
            feats = ctx.features(s, pred, o, obj, ts, te, src, rule)
            if te <= ts:  # no word states it: the words that show it are the argument the sentence names
                ts, te = next(((it.start, it.end) for it in (s, o) if it.span is not None and it.start >= 0
                               and it.end > it.start and it.end <= len(text)), (0, len(text.rstrip())))
            out.append(RelationCandidate(subj, pred, obj, sent, (base + ts, base + te), conf, rule, feats))

        for s, pred, o, (ts, te), conf, rule in rels:
            emit(s, pred, o, ts, te, conf, rule, "rule")
        if self.candidates:
            for s, pred, o, ts, te in ctx.more():
                emit(s, pred, o, ts, te, 0.0, f"candidate:{text[ts:te]}" if te > ts else "candidate", "candidate")
        return out


class _CurrentEvent:
    """The event an article is on at a point: its last event said to be held (or headlined) so far,
    else its main event. Binds references and implicit events to it. It also remembers the bodies
    said to host the article's events, and an award that heads the list below it."""

    def __init__(self, doc: Doc, art):
        self.main = art.main_event
        self.now = art.main_event
        self.headline = art.headline
        self.hosts: dict[tuple[int, int], Item] = {}
        self.heading_award: Item | None = None

    def advance(self, sent: Span, items: list[Item]) -> None:
        for it in items:
            if it.kind == "Event" and it.span is not None and holding(it.span):
                self.now = info_of(it.span).refers_to or it.span
                return

    def bind(self, item: Item) -> Span | None:
        if item.kind != EVENT_REF:
            if item.span is not None and info_of(item.span) is not None and info_of(item.span).refers_to is not None:
                return info_of(item.span).refers_to  # 协会 for its body, a headline's short name for the event
            return item.span
        if item.span is not None:  # a reference tied to its event
            return info_of(item.span).refers_to
        return self.now  # implicit


@lru_cache(maxsize=4096)
def _bucket(n: int, cuts=(0, 1, 2, 4, 8)) -> str:
    return next((f"<={c}" for c in cuts if n <= c), f">{cuts[-1]}")


class _Context:
    """One sentence as the candidate generator and the features see it (offsets in the sentence)."""

    def __init__(self, text, items, trigs, clauses, clause_at, residue, modal, current, art_index, posts):
        self.text, self.items, self.trigs, self.clauses = text, items, trigs, clauses
        self.clause_at, self.residue, self.modal, self.current = clause_at, residue, modal, current
        self.art_index, self.posts = art_index, posts
        self.preds = {rule.predicate for _, _, rule in trigs if rule.frame != "cue"}
        self.cues = {rule.predicate for _, _, rule in trigs if rule.frame == "cue"}
        self.persons = sum(1 for it in items if it.kind == "Person")
        self.awards = [it for it in items if it.kind == "Award"]
        self.bare = residue(0, len(text), drop_refs=True)  # what the sentence says besides names
        self._fixed: frozenset | None = None  # sentence_features()
        if self.awards and len(self.bare) <= 12 and not trigs:
            current.heading_award = self.awards[0]  # 长三角年度质量品牌（20家，节选）: a list follows
        elif trigs and not self.awards:
            current.heading_award = None

    def more(self):
        """(subject, predicate, object, trigger start, trigger end) beyond what the rules read."""
        items, current = self.items, self.current
        implicit = Item(0, 0, EVENT_REF, EVENT_REF, "")
        # the article's main event too, where the article has moved on to another (a sub-forum):
        # who speaks at a sub-forum of a conference attends the conference
        main = Item(-1, -1, "Event", "Event", span_text(current.main), current.main) \
            if current.main is not None and current.now is not current.main else None
        args = [it for it in items if it.kind in (ORG, "Person")]
        events = [it for it in items if it.kind in ("Event", EVENT_REF)]
        for ts, te, rule in self.trigs:
            pred = rule.predicate
            kinds, objects = SIGNATURES[pred]
            if pred in EVENT_OBJECT:
                after = [e for e in events if e.start >= te and self.clause_at(e.start) == self.clause_at(ts)]
                before = [e for e in events if e.end <= ts]
                obj = after[0] if after else before[-1] if before else implicit
                for it in args:
                    if it.kind in kinds:
                        yield it, pred, obj, ts, te
                        if main is not None:
                            yield it, pred, main, ts, te
            else:
                for o in (it for it in items if it.kind in objects):
                    for it in items:
                        if it.kind in kinds and it.kind != EVENT_REF and it is not o:
                            yield it, pred, o, ts, te
        if current.now is not None:  # an article about an event: who is named in it may have attended
            here = next((e for e in events if e.kind == "Event" or e.span is not None), None)
            for it in args:
                yield it, "attended", here or implicit, 0, 0  # the event the sentence names, else the current one
                if main is not None:
                    yield it, "attended", main, 0, 0
        awards = self.awards or ([current.heading_award] if current.heading_award else [])
        for a in awards:
            for it in args:
                yield it, "receivedAward", a, 0, 0
            if current.now is not None:
                yield implicit, "awarded", a, 0, 0
                if main is not None:
                    yield main, "awarded", a, 0, 0
            for host in current.hosts.values():
                yield host, "awarded", a, 0, 0

    def features(self, s: Item, pred: str, o: Item, obj: Span, ts: int, te: int, src: str, rule: str) -> dict:
        text, current = self.text, self.current
        f = {f"src={src}", f"family={rule.split(':')[0]}", f"stype={s.label}"}
        if te > ts:
            f.add(f"trig={text[ts:te]}")
            if s.span is not None and 0 <= s.end <= ts:
                f.add("before")
                between = (s.end, ts)
            elif s.span is not None and s.start >= te:
                f.add("after")
                between = (te, s.start)
            else:
                between = None
            if between is not None:
                f.add(f"clauses={_bucket(abs(self.clause_at(between[1]) - self.clause_at(between[0])), (0, 1, 2, 3))}")
                residue = self.residue(*between, drop_refs=True)
                f.add("residue=0" if not residue else f"residue={_bucket(len(residue), (3, 8, 16))}")
                if any(between[0] <= a and b <= between[1] for a, b, _ in self.trigs):
                    f.add("verb_between")
                people = sum(1 for it in self.items if it.kind == "Person" and between[0] <= it.start and it.end <= between[1])
                f.add(f"people_between={_bucket(people)}")
            if any(ts >= b and ts - b <= 8 and self.clause_at(a) == self.clause_at(ts) for a, b in self.modal):
                f.add("modal")
            if _NEGATION.search(text[max(0, ts - 3):ts]):
                f.add("negated")
        else:
            f.add("no_verb")
        if s.affiliation:
            f.add("affiliation")
        if s.span is not None and (s.span.start_char, s.span.end_char) in self.posts:
            f.add("has_post")
        if s.span is not None and text.startswith("代表", s.end):
            f.add("daibiao_after")
        if s.span is not None and text[max(0, s.start - 2):s.start].endswith("代表"):
            f.add("daibiao_before")
        if s.span is None and s.kind == EVENT_REF:
            f.add("subject_event")
        if s.start < 0 or (s.span is not None and sentence_of(s.span).start_char != sentence_of(obj).start_char and o.kind != EVENT_REF):
            f.add("subject_elsewhere")
        if o.kind == "Event" and o.start < 0:
            f.add("obj=main_elsewhere")
        elif o.kind == "Event":
            f.add("obj=named")
        elif o.kind == EVENT_REF:
            f.add("obj=ref" if o.span is not None else "obj=implicit")
        else:
            f.add(f"obj={o.kind}")
        if obj is current.main:
            f.add("obj_main")
        if current.heading_award is not None and o is current.heading_award:
            f.add("heading_award")
        if current.headline is not None and current.headline.start_char <= (s.span.start_char if s.span is not None else -1) < current.headline.end_char:
            f.add("in_headline")
        if o.kind == "Award" and o.span is not None and current.main is not None:
            years = _YEARS.findall(o.text)
            if years and any(y in current.main.text or y in text for y in years):
                f.add("award_year_here")
        f |= self.sentence_features()
        return dict.fromkeys(sorted(f), 1.0)

    def sentence_features(self) -> frozenset:
        """The features every candidate of the sentence has (computed once per sentence)."""
        fixed = self._fixed
        if fixed is None:
            f = {f"sentence={_bucket(self.art_index, (0, 1, 2, 4))}", f"persons={_bucket(self.persons)}"}
            for p in ("attended", "spokeAt", "chaired", "hosted", "coHosted", "awarded", "receivedAward", "issued"):
                if p in self.preds:
                    f.add(f"s_{p}")
                if p in self.cues:
                    f.add(f"cue_{p}")
            if not self.preds:
                f.add("no_verb_in_sentence")
            if _PAST.search(self.text):
                f.add("past")  # 曾获, 此前, 历届: what happened before the article's event
            if len(self.bare) <= 12:
                f.add("list_like")
            fixed = self._fixed = frozenset(f)
        return fixed


def _split_recipients(text: str, subs: list[Item], t_start: int, t_end: int, items: list[Item]):
    """Conferrers and recipients of an award: "A为B颁发…", "A向B授牌…" (B receives), and
    "A授予B…称号" (the body or person between the verb and the award receives)."""
    recipients = []
    for i, it in enumerate(subs):
        before = text[subs[i - 1].end if i else 0:it.start]
        if re.search(r"(?:为|向|给)$", before.strip()):
            recipients = subs[i:]
            subs = subs[:i]
            break
    award_start = min((it.start for it in items if it.kind == "Award" and it.start >= t_end), default=None)
    if award_start is not None:
        recipients += [it for it in items if it.kind in (ORG, "Person") and not it.affiliation
                       and t_end <= it.start and it.end <= award_start]
    return subs, recipients


def _clauses(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for mt in _CLAUSE_BREAK.finditer(text):
        out.append((start, mt.end()))
        start = mt.end()
    if start < len(text) or not out:
        out.append((start, len(text)))
    return out


def _issuer_rules(doc: Doc, sent: Span, items: list[Item], inner_orgs: list[Item], lex: Lexicon) -> list[tuple]:
    """A body right before a document's title (工业和信息化部《…实施意见》), and the issuer
    abbreviation a document number starts with (中机质协[2020]2号)."""
    text, base = span_text(sent), sent.start_char
    out = []
    for a, b in zip(items, items[1:]):
        if a.kind == ORG and not a.affiliation and b.kind == "Document":
            gap = text[a.end:b.start].lstrip("《“")
            if _ADJACENT_ISSUER_GAP.match(gap):
                out.append((a, "issued", b, (a.end, b.start), 0.75, "adjacent:issuer-title"))
    for it in items:
        if it.kind != "Document":
            continue
        about = it.text.find("关于")
        if about >= 2:  # 工业和信息化部关于…的通知, 中共中央 国务院关于…的指导意见
            named = [o for o in inner_orgs if it.start <= o.start and o.end <= it.start + about]
            if not named:
                for part in re.split(r"[ 、和与]+", it.text[:about]):
                    canonical = lex.canonical_org(part)
                    if canonical:
                        pos = it.start + it.text.find(part)
                        sp = doc.char_span(base + pos, base + pos + len(part), label=lex.orgs[canonical].type,
                                           alignment_mode="expand")
                        named.append(Item(pos, pos + len(part), ORG, lex.orgs[canonical].type, part, sp))
            for issuer in named:
                if not any(o is not issuer and o.start <= issuer.start and issuer.end <= o.end for o in named):
                    out.append((issuer, "issued", it, (issuer.start, issuer.end), 0.85, "title-issuer"))
        mt = _DOC_NUMBER_PREFIX.match(it.text)
        if not mt:
            continue
        prefix = mt.group(1).strip()
        for cut in range(len(prefix), 1, -1):  # the longest known name the number starts with
            canonical = lex.canonical_org(prefix[:cut])
            if canonical:
                typ = lex.orgs[canonical].type
                sp = doc.char_span(base + it.start, base + it.start + cut, label=typ, alignment_mode="expand")
                issuer = Item(it.start, it.start + cut, ORG, typ, prefix[:cut], sp)
                out.append((issuer, "issued", it, (it.start, it.start + cut), 0.7, "doc-number-prefix"))
                break
    return out


def _held_in(items: list[Item], clauses, clause_at) -> list[tuple]:
    """A place stated as where something is held belongs to the event of its clause (or sentence)."""
    out = []
    for place in (it for it in items if it.kind == "Place"):
        k = clause_at(place.start)
        cs, ce = clauses[k]
        events = [it for it in items if it.kind in ("Event", EVENT_REF)]
        same = [it for it in events if cs <= it.start < ce]
        if same:
            ev = min(same, key=lambda it: abs(it.start - place.start))
        elif events:
            ev = min(events, key=lambda it: abs(it.start - place.start))
        else:
            ev = Item(place.start, place.start, EVENT_REF, EVENT_REF, "")
        out.append((ev, "heldIn", place, (place.start, place.end), 0.85 if ev.kind == "Event" else 0.75, "place-verb"))
    return out


@Language.factory("kg_relations", default_config={"ontology": None, "candidates": True},
                  assigns=["doc._.relations", "doc._.relation_candidates"],
                  requires=["doc.spans", "doc._.posts", "doc._.articles"])
def make_relations(nlp: Language, name: str, ontology: str | None, candidates: bool) -> RelationExtractor:
    return RelationExtractor(nlp, name, ontology, candidates)
