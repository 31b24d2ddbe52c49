"""Posts: a person's title in a body, as resolved entities, one record per (person, title, body).

>>> from kg.records import Evidence, Mention, Position, PositionMention
>>> from kg.resolve.entities import resolve
>>> ms = [Mention("a.txt", "李明", "Person", 5, 7, 0, 0, "t", 0.9, "李明"),
...       Mention("a.txt", "中机质协", "Association", 0, 4, 0, 0, "t", 0.9, "中机质协")]
>>> ps = [PositionMention("a.txt", "李明", "会长", "中机质协", 0, 7, 0, "t", 0.8)]
>>> [(p.person, p.title, p.organization) for p in resolve_positions(ps, ms, resolve(ms))]
[('person/李明', '会长', 'org/中国机械工业质量管理协会')]
"""

from __future__ import annotations

from typing import Iterable

from kg.ontology.lexicon import load_lexicon, name_key
from kg.records import Evidence, Mention, Position, PositionMention
from kg.resolve.entities import GROUP, Resolution, expand_org_name

__all__ = ["resolve_positions"]


def resolve_positions(positions: Iterable[PositionMention], mentions: Iterable[Mention], res: Resolution,
                      ontology: str | None = None) -> list[Position]:
    """Posts between entities, one per (person, title, organization or None), with all their mentions."""
    lex = load_lexicon(ontology)
    by_doc_person: dict = {}
    by_doc_org: dict = {}
    entity_of = res.mention_entity.get  # (Resolution.entity_of, without a call a mention)
    for m in mentions:
        eid = entity_of((m.doc_id, m.start, m.end, m.type))
        if eid is None:
            continue
        if m.type == "Person":
            by_doc_person[(m.doc_id, m.text)] = eid
        elif GROUP.get(m.type) == "org":
            by_doc_org[(m.doc_id, m.text)] = eid
    index = {name_key(e.label): e.id for e in res.entities if e.id.startswith("org/")}
    out: dict[tuple, Position] = {}
    for p in positions:
        pid = by_doc_person.get((p.doc_id, p.person))
        if pid is None:
            continue
        oid = None
        if p.organization:
            oid = by_doc_org.get((p.doc_id, p.organization)) or index.get(name_key(expand_org_name(p.organization, lex)))
        key = (pid, p.title, oid)
        post = out.setdefault(key, Position(pid, p.title, oid, [], 0.0))
        post.evidence.append(Evidence(p.doc_id, "", p.start, p.end, p.extractor, p.confidence))
        post.confidence = max(post.confidence, p.confidence)
    # a post stated once with its body and once without (中国质量协会会长贾福兴 … 贾福兴会长) is one post
    # (the post kept is the one whose body's id sorts first)
    with_org: dict[tuple, tuple] = {}
    for k in out:
        if k[2] is not None and (k[:2] not in with_org or k[2] < with_org[k[:2]][2]):
            with_org[k[:2]] = k
    for k in [k for k in out if k[2] is None and k[:2] in with_org]:
        out[with_org[k[:2]]].evidence.extend(out.pop(k).evidence)
    return [out[k] for k in sorted(out, key=lambda k: (k[0], k[1], k[2] or ""))]
