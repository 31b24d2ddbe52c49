"""From relation mentions to facts between resolved entities.

Two steps, both on plain records:

1. :func:`link_article_events`, per document: an event argument that is a reference (会议,
   本次论坛) or implicit (出席并讲话) becomes the event the article is about: the event its
   headline names, else the event its sentences say was hosted or held, else its only event.
   References never cross articles; a reference in an article without an event is dropped.
   Dates read for an event are completed from the event's name, the article and the document.
2. :func:`resolve_relations`, over the corpus: arguments become entity ids, relations outside
   the ontology's domains and ranges are dropped, repeated facts keep all their evidence, a person
   who chairs or speaks also attends, and chained names give ``subOrganizationOf``.

>>> from kg.records import Arg, Mention, RelationMention
>>> ms = [Mention("d", "工信部", "GovernmentBody", 0, 3, 0, 0, "t", 0.9, "工信部"),
...       Mention("d", "2020年质量论坛", "Event", 5, 14, 0, 0, "t", 0.9, "2020年质量论坛")]
>>> rm = RelationMention("d", Arg("工信部", "GovernmentBody", 0, 3), "hosted", Arg("会议", "EventRef", 20, 22),
...                      1, 0, "…", 15, 30, "召开", "agent:召开", 0.8)
>>> ms, rels = link_article_events(ms, [rm], [], headline_sentences={0})
>>> rels[0].object.text
'2020年质量论坛'
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Iterable

from kg.dates import RawDate, complete, year_in
from kg.lexicon import load_lexicon, name_key
from kg.records import ORG_TYPES, Arg, Entity, Evidence, Mention, PositionMention, Relation, RelationMention
from kg.resolve import Resolution, expand_org_name

ORG = "Org"
# the ontology's domains and ranges ("Org" is any organization type)
SIGNATURES: dict[str, tuple[frozenset, frozenset]] = {
    "hosted": (frozenset({ORG}), frozenset({"Event"})),
    "coHosted": (frozenset({ORG}), frozenset({"Event"})),
    "guided": (frozenset({ORG}), frozenset({"Event"})),
    "supported": (frozenset({ORG}), frozenset({"Event"})),
    "attended": (frozenset({"Person", ORG}), frozenset({"Event"})),
    "chaired": (frozenset({"Person"}), frozenset({"Event"})),
    "spokeAt": (frozenset({"Person"}), frozenset({"Event"})),
    "issued": (frozenset({ORG}), frozenset({"Document"})),
    "awarded": (frozenset({ORG, "Event"}), frozenset({"Award"})),
    "receivedAward": (frozenset({"Person", ORG}), frozenset({"Award"})),
    "subOrganizationOf": (frozenset({ORG}), frozenset({ORG})),
    "heldIn": (frozenset({"Event"}), frozenset({"Place"})),
}
EVENT_REF = "EventRef"
IMPLIES_ATTENDED = ("chaired", "spokeAt")
_ARTICLE_EVENT_FROM = ("hosted", "coHosted", "guided", "supported")


def kind(entity_type: str) -> str:
    return ORG if entity_type in ORG_TYPES else entity_type


def link_article_events(
    mentions: list[Mention],
    relations: list[RelationMention],
    event_dates: Iterable[tuple[Arg, RawDate, int]],
    headline_sentences: set[int],
    article_dates: dict[int, str | None] | None = None,
    doc_date: str | None = None,
) -> tuple[list[Mention], list[RelationMention]]:
    """Tie event references to their article's event and date the events of one document.

    ``event_dates`` holds (event argument, date as written, article index).
    """
    article_dates = article_dates or {}
    events = [m for m in mentions if m.type == "Event"]
    by_article: dict[int, list[Mention]] = defaultdict(list)
    for m in events:
        by_article[m.article].append(m)
    by_span = {(m.start, m.end): m for m in events}
    main: dict[int, Mention] = {}
    for art, ms in by_article.items():
        head = [m for m in ms if m.sentence in headline_sentences]
        if head:
            main[art] = min(head, key=lambda m: m.start)
            continue
        for r in sorted(relations, key=lambda r: r.subject.start):
            if r.article != art:
                continue
            arg = r.object if r.predicate in _ARTICLE_EVENT_FROM else r.subject if r.predicate == "heldIn" else None
            if arg is not None and arg.type == "Event" and (arg.start, arg.end) in by_span:
                main[art] = by_span[(arg.start, arg.end)]
                break
        else:
            if len({m.key for m in ms}) == 1:
                main[art] = ms[0]

    def bind(arg: Arg, article: int) -> Arg | None:
        if arg.type != EVENT_REF:
            return arg
        ev = main.get(article)
        return Arg(ev.text, "Event", ev.start, ev.end) if ev else None

    linked = []
    for r in relations:
        s, o = bind(r.subject, r.article), bind(r.object, r.article)
        if s is None or o is None:
            continue
        if s != r.subject or o != r.object:
            r = replace(r, subject=s, object=o)
        linked.append(r)

    dated: dict[tuple[int, int], tuple[str, str | None]] = {}
    for arg, raw, article in event_dates:
        target = bind(arg, article)
        if target is None or (target.start, target.end) not in by_span:
            continue
        date, end = complete(raw, year_in(target.text), article_dates.get(article), doc_date)
        if date:
            dated.setdefault((target.start, target.end), (date, end))
    if dated:
        mentions = [replace(m, date=dated[(m.start, m.end)][0], end_date=dated[(m.start, m.end)][1])
                    if m.type == "Event" and (m.start, m.end) in dated else m for m in mentions]
    return mentions, linked


def inherit_post_organizations(positions: list[PositionMention], sentence_article: dict[int, int],
                                inherited_titles: Iterable[str]) -> list[PositionMention]:
    """A post written without its body takes the body of the nearest earlier post of the same
    kind (会长, 秘书长 …) in the same article: 中机质协张某会长出席…；副会长兼秘书长王某参加.

    >>> ps = [PositionMention("d", "张某", "会长", "中机质协", 0, 8, 0, "t", 0.9),
    ...       PositionMention("d", "王某", "副会长兼秘书长", None, 20, 30, 1, "t", 0.9)]
    >>> [p.organization for p in inherit_post_organizations(ps, {0: 0, 1: 0}, ["会长", "秘书长"])]
    ['中机质协', '中机质协']
    """
    words = tuple(inherited_titles)
    out = []
    last: dict[int, PositionMention] = {}  # article -> latest post of this kind with a body
    for p in sorted(positions, key=lambda p: (p.sentence, p.start)):
        art = sentence_article.get(p.sentence)
        kind_of = any(w in p.title for w in words)
        if kind_of and p.organization is None and art in last:
            src = last[art]
            p = replace(p, organization=src.organization, confidence=p.confidence * 0.7,
                        extractor=p.extractor + "+article-org")
        elif kind_of and p.organization is not None:
            last[art] = p
        out.append(p)
    return out


def resolve_relations(relations: Iterable[RelationMention], mentions: Iterable[Mention], res: Resolution,
                      ontology: str | None = None) -> list[Relation]:
    """Facts between entities, one per (subject, predicate, object), with all their evidence."""
    lex = load_lexicon(ontology)
    ents = res.by_id()
    org_names: dict[str, str] = {}
    for e in res.entities:
        if kind(e.type) == ORG:
            for n in (e.label, *e.aliases):
                org_names.setdefault(name_key(n), e.id)
    mention_list = list(mentions)

    def entity(doc_id: str, arg: Arg) -> str | None:
        eid = res.mention_entity.get((doc_id, arg.start, arg.end, arg.type))
        if eid is None and arg.type in ORG_TYPES:  # a body named inside another name (中机质协[2020]2号)
            eid = org_names.get(name_key(arg.text)) or org_names.get(name_key(expand_org_name(arg.text, lex)))
        return eid

    facts: dict[tuple[str, str, str], Relation] = {}

    def add(s: str, p: str, o: str, ev: Evidence) -> None:
        if s == o or s not in ents or o not in ents:
            return
        dom, rng = SIGNATURES[p]
        if kind(ents[s].type) not in dom or kind(ents[o].type) not in rng:
            return
        rel = facts.get((s, p, o))
        if rel is None:
            rel = facts[(s, p, o)] = Relation(s, p, o, [], 0.0)
        if ev not in rel.evidence:
            rel.evidence.append(ev)
            rel.confidence = 1 - (1 - rel.confidence) * (1 - ev.confidence)  # independent pieces of evidence

    for r in relations:
        s, o = entity(r.doc_id, r.subject), entity(r.doc_id, r.object)
        if s is None or o is None:
            continue
        ev = Evidence(r.doc_id, r.sentence_text, r.start, r.end, r.extractor, r.confidence, r.trigger)
        add(s, r.predicate, o, ev)
        if r.predicate in IMPLIES_ATTENDED:
            add(s, "attended", o, replace(ev, extractor=f"implied-by:{r.predicate}", confidence=ev.confidence * 0.95))
    _sub_organizations(res.entities, mention_list, res, add)
    for rel in facts.values():
        rel.evidence.sort(key=lambda e: (e.doc_id, e.start, e.extractor))
        rel.confidence = round(min(rel.confidence, 0.99), 3)
    return [facts[k] for k in sorted(facts)]


def _sub_organizations(entities: list[Entity], mentions: list[Mention], res: Resolution, add) -> None:
    """``subOrganizationOf`` for every organization whose parent the resolver found; the evidence
    is the chained name (工信部科技司质量处) or, for a parent known from the gazetteer, a mention."""
    first: dict[tuple[str, str], Mention] = {}  # (entity, document) -> the mention to cite
    for m in mentions:
        eid = res.entity_of(m)
        key = (eid, m.doc_id)
        if eid is not None and (key not in first or (m.parent and not first[key].parent)):
            first[key] = m
    parents = {e.id: e.parent for e in entities if e.parent}
    for (eid, _doc), m in sorted(first.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if eid not in parents:
            continue
        source = "chained-name" if m.parent else "gazetteer-parent"
        add(eid, "subOrganizationOf", parents[eid],
            Evidence(m.doc_id, m.text, m.start, m.end, f"resolve:{source}", 0.9 if m.parent else 0.8))
