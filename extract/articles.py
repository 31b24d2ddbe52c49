"""The ``kg_articles`` component: what each article is about, and what its references stand for.

A news item is written around one event. Its headline (or, without one, the first event its
sentences say was held, convened or hosted) names the article's *main event*
(``ArticleInfo.main_event``); a shorter name of it inside the article (the headline's
“2023年…年会” for the body's “2023年…年会暨第九届…论坛”) is the same event
(``span._.info.refers_to``). References (会议, 本次论坛, 大会上, 会上, 活动期间) stand for the last
event of the article with the same kind of head (座谈会 for …座谈会), else for the main event; they
go to ``doc.spans["event_refs"]`` with ``span._.info.refers_to``. References never cross articles.
Each event gets the date its article gives it (a dateline opening the sentence that holds it, or
a date right before its name), completed from the year in its name, the article and the document.

>>> from kg.ingest import ingest_text
>>> from extract.pipeline import extract_document
>>> d = ingest_text("2021年质量论坛在京举行\\n\\n9月3日，2021年质量论坛在北京举行。王建国出席会议。", doc_id="t.txt")
>>> sorted({(r.subject.text, r.predicate, r.object.text) for r in extract_document(d).relations if r.predicate == "attended"})
[('王建国', 'attended', '2021年质量论坛')]
"""

from __future__ import annotations

import bisect
import re

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from kg.dates import complete, find_dates, year_in
from kg.ontology.lexicon import load_lexicon

from .spans import SpanIndex, info_of, make_span, sentences, span_text, text_of

_MIN_SHARED = 5  # characters a shorter name must have to stand for a longer one it is part of
_PLACE_REFS = re.compile(r"(?:会议|大会|论坛|活动|会)(?:上|期间|现场|中|后|前)|会上|期间")
_HOLDING = ("held", "governed", "by", "headline")
_CLAUSE = re.compile(r"[，,；;：:。]")
_OTHER_TIME = re.compile(r"(?:下一?届|下次|下一次|明年|上一?届|上次|去年|往届|历届|前几届|首届)的?$")


def holding(span: Span) -> bool:
    """Whether the text says the event is held (X在…召开, 召开X, 由…主办的X) or headlines it."""
    f = info_of(span).features if info_of(span) else {}
    return any(f.get(k) for k in _HOLDING)


class ArticleLinker:
    """Main events, event references (``doc.spans["event_refs"]``) and event dates."""

    def __init__(self, nlp: Language, name: str, ontology: str | None = None):
        self.name = name
        self.heads = sorted(load_lexicon(ontology).event_heads, key=len, reverse=True)

    def __call__(self, doc: Doc) -> Doc:
        events = sorted(doc.spans.get("events", []), key=lambda s: s.start_char)
        candidates = [c for c in doc.spans.get("event_candidates", []) if info_of(c).features.get("reference")]
        refs: list[Span] = []
        for art in doc._.articles:
            lo, hi = art.span.start_char, art.span.end_char
            mine = [e for e in events if lo <= e.start_char < hi]
            canonical = _coreference(mine)
            main = self._main_event(art, mine)
            art.main_event = canonical.get(main, main) if main is not None else None
            if art.main_event is None:
                continue
            for e in mine:
                if canonical.get(e, e) is not e:
                    info_of(e).refers_to = canonical[e]
            refs += self._references(doc, art, mine, canonical, [c for c in candidates if lo <= c.start_char < hi])
        doc.spans["event_refs"] = SpanGroup(doc, name="event_refs", spans=sorted(refs, key=lambda s: s.start_char))
        self._dates(doc)
        return doc

    @staticmethod
    def _main_event(art, events: list[Span]) -> Span | None:
        if not events:
            return None
        if art.headline is not None:
            head = [e for e in events if art.headline.start_char <= e.start_char < art.headline.end_char]
            if head:
                return head[0]
        held = [e for e in events if holding(e)]
        return held[0] if held else events[0]

    def _kind(self, name: str) -> str | None:
        head = next((h for h in self.heads if name.endswith(h)), None)
        return head

    def _references(self, doc: Doc, art, events: list[Span], canonical: dict, candidates: list[Span]) -> list[Span]:
        """Each reference with the event it stands for: the last earlier event of the article whose
        name ends in the same head word (…座谈会 for 座谈会), else the article's main event."""
        out = []
        taken = [(e.start_char, e.end_char) for e in events]
        spans = [(c.start_char, c.end_char, "reference-part" if info_of(c).features.get("part") else "reference")
                 for c in candidates]
        for mt in _PLACE_REFS.finditer(span_text(art.span)):
            spans.append((art.span.start_char + mt.start(), art.span.start_char + mt.end(), "reference-place"))
        starts = [e.start_char for e in events]
        for s, e, rule in sorted(spans):
            if any(a < e and s < b for a, b in taken) or _OTHER_TIME.search(text_of(doc)[max(0, s - 4):s]):
                continue  # 下一届年会, 去年的论坛: another event than the article's
            head = self._kind(text_of(doc)[s:e].rstrip("上期间现场中后前"))
            before = events[:bisect.bisect_left(starts, s)]
            same = [ev for ev in before if head and span_text(ev).endswith(head) and rule != "reference-part"]
            target = canonical.get(same[-1], same[-1]) if same else art.main_event
            sp = make_span(doc, s, e, "EventRef", rule, 0.9 if same else 0.8)
            if sp is not None:
                info_of(sp).refers_to = target
                out.append(sp)
                taken.append((s, e))
        return out

    def _dates(self, doc: Doc) -> None:
        """Date events from their sentences. An event the sentence says is held (or a reference to
        one) takes a date right before its name ("27日上午的质量高峰论坛"), else a date in its own
        clause ("…于10月12日在苏州召开"), else a dateline opening a clause before it ("9月11日，由…主办
        的“…活动”在天津举办"); a date of a day replaces one of a month or a year read before. Missing
        parts come from the year in the event's name, the article's date, the document's."""
        events = SpanIndex(list(doc.spans.get("events", [])) + list(doc.spans.get("event_refs", [])))
        if not events.spans:
            return
        text = text_of(doc)
        for sent in sentences(doc):
            dates = find_dates(span_text(sent)) if re.search(r"\d|[一二三四五六七八九十]", span_text(sent)) else []
            if not dates:
                continue
            in_sent = [e for e in events.within(sent.start_char, sent.end_char) if e.label_ == "EventRef" or holding(e)]
            if not in_sent:
                continue
            clauses = [sent.start_char] + [sent.start_char + m.end() for m in _CLAUSE.finditer(span_text(sent))]
            art = next((a for a in doc._.articles if a.span.start_char <= sent.start_char < a.span.end_char), None)
            spans = [(sent.start_char + d.start, sent.start_char + d.end, d) for d in dates]
            for target in in_sent:
                clause = max(c for c in clauses if c <= target.start_char)
                nxt = min([c for c in clauses if c > target.start_char] + [sent.end_char])
                before = [x for x in spans if 0 <= target.start_char - x[1] <= 4
                          and re.fullmatch(r"(?:上午|下午|晚上|晚)?的?", text[x[1]:target.start_char])]
                own = [x for x in spans if clause <= x[0] and x[1] <= nxt]
                opening = [x for x in spans if x[1] <= target.start_char and x[0] in clauses]
                earlier = [x for x in spans if x[1] <= target.start_char]  # a dateline after a byline
                chosen = (before or own or opening or earlier or [None])[0]
                if chosen is None:
                    continue
                event = info_of(target).refers_to or target
                if info_of(event) is None:
                    continue
                date, end = complete(chosen[2], year_in(event.text), art.date if art else None, doc._.date)
                if date and (not info_of(event).date or _finer(date, info_of(event).date)):
                    info_of(event).date, info_of(event).end_date = date, end
        # a shorter name of an event shares its date; an event whose name states its year
        # (2024年“质量提升年”活动) and that no sentence dates is of that year
        for e in doc.spans.get("events", []):
            ref = info_of(e).refers_to
            if ref is not None and info_of(ref).date and not info_of(e).date:
                info_of(e).date, info_of(e).end_date = info_of(ref).date, info_of(ref).end_date
        for e in doc.spans.get("events", []):
            if not info_of(e).date and info_of(e).refers_to is None and year_in(e.text):
                info_of(e).date = year_in(e.text)


def _finer(new: str, old: str) -> bool:
    """Whether ``new`` says more than ``old`` of the same time (2023-05-12 over 2023-05 or 2023)."""
    return len(new) > len(old) and new.startswith(old)


def _coreference(events: list[Span]) -> dict[Span, Span]:
    """Each event to the longest name of the article it is part of (the same event), when that
    name is the only one it is part of."""
    out: dict[Span, Span] = {}
    texts = [span_text(x) for x in events]  # Span.text joins the tokens on each access
    for e, et in zip(events, texts):
        if len(et) < _MIN_SHARED:
            continue
        longer = {xt: x for x, xt in zip(events, texts) if xt != et and et in xt}
        if len(longer) == 1:
            out[e] = next(iter(longer.values()))
        elif len(longer) > 1:  # inside several names: only if they are one name, contained in each other
            names = sorted(longer, key=len)
            if all(a in b for a, b in zip(names, names[1:])):
                out[e] = longer[names[-1]]
    return out


@Language.factory("kg_articles", default_config={"ontology": None},
                  assigns=["doc.spans", "doc._.articles"], requires=["doc.spans", "doc._.articles"])
def make_articles(nlp: Language, name: str, ontology: str | None) -> ArticleLinker:
    return ArticleLinker(nlp, name, ontology)
