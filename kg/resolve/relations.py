"""From relation mentions to facts between resolved entities.

:func:`resolve_relations`, over the corpus: arguments become entity ids, relations outside the
ontology's domains and ranges are dropped (:mod:`kg.ontology.kinds`), repeated facts keep all their
evidence, a fact of a sub-property is also one of its super-properties (a person who chairs or speaks
also attends), and chained names give ``subOrganizationOf``. (Which event a
reference or an implicit event stands for is decided in the document it is read in:
:mod:`extract.articles`.)

>>> from kg.records import Arg, Mention, RelationMention
>>> from kg.resolve.entities import resolve
>>> ms = [Mention("d", "工信部", "GovernmentBody", 0, 3, 0, 0, "t", 0.9, "工信部"),
...       Mention("d", "2020年质量论坛", "Event", 5, 14, 0, 0, "t", 0.9, "2020年质量论坛")]
>>> rm = RelationMention("d", Arg("工信部", "GovernmentBody", 0, 3), "hosted", Arg("2020年质量论坛", "Event", 5, 14),
...                      0, 0, "…", 0, 20, "召开", "agent:召开", 0.8)
>>> [(r.subject, r.predicate, r.object) for r in resolve_relations([rm], ms, resolve(ms))]
[('org/工业和信息化部', 'hosted', 'event/2020年质量论坛')]
"""

from __future__ import annotations

from typing import Iterable

from kg.ontology.kinds import ORG, SIGNATURES, SUPER_PROPERTIES, kind
from kg.ontology.lexicon import load_lexicon, name_key
from kg.records import ORG_TYPES, Arg, Entity, Evidence, Mention, Relation, RelationMention
from kg.resolve.entities import Resolution, expand_org_name

__all__ = ["resolve_relations"]


def resolve_relations(relations: Iterable[RelationMention], mentions: Iterable[Mention], res: Resolution,
                      ontology: str | None = None) -> list[Relation]:
    """Facts between entities, one per (subject, predicate, object), with all their evidence."""
    lex = load_lexicon(ontology)
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
    seen: set[tuple[tuple[str, str, str], Evidence]] = set()  # a fact's evidence, each piece once

    kinds = {e.id: kind(e.type) for e in res.entities}

    def add(s: str, p: str, o: str, ev: Evidence) -> None:
        if s == o or s not in kinds or o not in kinds:
            return
        dom, rng = SIGNATURES[p]
        if kinds[s] not in dom or kinds[o] not in rng:
            return
        fact = (s, p, o)
        rel = facts.get(fact)
        if rel is None:
            rel = facts[fact] = Relation(s, p, o, [], 0.0)
        known = len(seen)
        seen.add((fact, ev))
        if len(seen) > known:  # a piece not seen before (one hash of the evidence, not two)
            rel.evidence.append(ev)
            rel.confidence = 1 - (1 - rel.confidence) * (1 - ev.confidence)  # independent pieces of evidence

    for r in relations:
        s, o = entity(r.doc_id, r.subject), entity(r.doc_id, r.object)
        if s is None or o is None:
            continue
        ev = Evidence(r.doc_id, r.sentence_text, r.start, r.end, r.extractor, r.confidence, r.trigger)
        add(s, r.predicate, o, ev)
        for implied in SUPER_PROPERTIES.get(r.predicate, ()):
            add(s, implied, o, Evidence(ev.doc_id, ev.sentence, ev.start, ev.end, f"implied-by:{r.predicate}",
                                        ev.confidence * 0.95, ev.trigger))
    _sub_organizations(res.entities, mention_list, res, add)
    for rel in facts.values():
        rel.evidence.sort(key=lambda e: (e.doc_id, e.start, e.extractor))
        rel.confidence = round(min(rel.confidence, 0.99), 3)
    return [facts[k] for k in sorted(facts)]


def _sub_organizations(entities: list[Entity], mentions: list[Mention], res: Resolution, add) -> None:
    """``subOrganizationOf`` for every organization whose parent the resolver found; the evidence
    is the chained name (工信部科技司质量处) or, for a parent known from the gazetteer, a mention."""
    parents = {e.id: e.parent for e in entities if e.parent}
    first: dict[tuple[str, str], Mention] = {}  # (entity with a parent, document) -> the mention to cite
    entity_of = res.mention_entity.get  # (Resolution.entity_of, without a call a mention)
    for m in mentions:
        eid = entity_of((m.doc_id, m.start, m.end, m.type))
        if eid not in parents:
            continue
        key = (eid, m.doc_id)
        if key not in first or (m.parent and not first[key].parent):
            first[key] = m
    for (eid, _doc), m in sorted(first.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        source = "chained-name" if m.parent else "gazetteer-parent"
        add(eid, "subOrganizationOf", parents[eid],
            Evidence(m.doc_id, m.text, m.start, m.end, f"resolve:{source}", 0.9 if m.parent else 0.8))
