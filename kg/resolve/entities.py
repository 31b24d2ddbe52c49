"""Entity resolution: one canonical entity per real-world entity across sentences and documents.

Mentions are grouped by a normalised key: width, spacing, quotes and bracket styles do not
count; known abbreviations and ``国家``-prefixed forms resolve through the gazetteer, and an
abbreviated parent inside a longer name is expanded (工信部科技司 -> 工业和信息化部科技司).
A document's title and its number join one entity. Names are never merged because one
contains the other (中国机械工业质量高峰论坛 and 质量高峰论坛 stay apart).

>>> from kg.records import Mention
>>> ms = [Mention("a.txt", "工信部", "GovernmentBody", 0, 3, 0, 0, "t", 0.9, "工信部"),
...       Mention("b.txt", "工业和信息化部", "GovernmentBody", 5, 12, 0, 0, "t", 0.9, "工业和信息化部")]
>>> [(e.label, e.aliases) for e in resolve(ms).entities]
[('工业和信息化部', ['工信部'])]
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from kg.ontology.lexicon import Lexicon, load_lexicon, name_key
from kg.records import ORG_TYPES, Entity, Mention

GROUP = {t: "org" for t in ORG_TYPES}
GROUP.update({"Person": "person", "Event": "event", "Document": "document", "Award": "award", "Place": "place"})
_PAREN = re.compile(r"[（(][^（）()]{0,40}[）)]")
_NUMBER_ONLY = re.compile(r"\d+号$|\d{4}$")  # a document's number (…〔2020〕2号) or year, not its title


def expand_org_name(name: str, lex: Lexicon) -> str:
    """The canonical form of an organization name, expanding a known abbreviated parent.

    >>> lex = load_lexicon()
    >>> expand_org_name("工信部", lex), expand_org_name("国家工业和信息化部", lex)
    ('工业和信息化部', '工业和信息化部')

    Remembered for the last lexicon asked about (a name is looked up once per prefix, and a
    corpus names the same organizations in every document: resolution asks several times a mention).
    """
    global _expanded
    if _expanded[0] is not lex:
        _expanded = (lex, {})
    known = _expanded[1]
    found = known.get(name)
    if found is None:
        if len(known) >= _EXPANDED_MAX:
            known.clear()
        found = known[name] = _expand_org_name(name, lex)
    return found


_EXPANDED_MAX = 500_000
_expanded: tuple[Lexicon | None, dict[str, str]] = (None, {})


def _expand_org_name(name: str, lex: Lexicon) -> str:
    canonical = lex.canonical_org(name)
    if canonical:
        return canonical
    if name.startswith("国家") and lex.canonical_org(name[2:]):
        return lex.canonical_org(name[2:])
    for cut in range(len(name) - 1, 1, -1):  # longest known prefix first
        head = lex.canonical_org(name[:cut])
        if head:
            return head + name[cut:]
    return name


@dataclass
class Resolution:
    """The entities of a corpus, and which entity each mention is (``mention_entity``: (document, start,
    end, type) -> entity id; None where it was not kept: :func:`kg.resolve.resolve_corpus`)."""

    entities: list[Entity]
    mention_entity: dict[tuple[str, int, int, str], str] | None = field(default_factory=dict)

    def entity_of(self, m: Mention) -> str | None:
        """The id of the entity ``m`` is (None: a mention resolution left out, such as a blank one)."""
        if self.mention_entity is None:
            raise LookupError("this resolution did not keep which mention is which entity (a build lets that go "
                              "once the relations and posts are resolved): kg.resolve.resolve_corpus(extractions) "
                              "makes one that does")
        return self.mention_entity.get((m.doc_id, m.start, m.end, m.type))

    def by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        if parent.setdefault(x, x) == x:  # a root (most are)
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def mention_keys(m: Mention, lex: Lexicon) -> list[str]:
    """The keys a mention resolves by: its ``key`` (the normalised name the extractor read, in
    simplified characters; for an event, the name of the event it stands for in its article), an
    organization's expanded to its canonical name, and a document's or award's further names."""
    return _mention_keys(m, GROUP.get(m.type, "org"), lex)


def _mention_keys(m: Mention, group: str, lex: Lexicon) -> list[str]:
    """:func:`mention_keys` of a mention of ``group``."""
    key = name_key(m.key or m.text)
    if group == "org":
        return [name_key(expand_org_name(key, lex))]
    if group == "event":
        return [name_key(_PAREN.sub("", key))]
    if not m.names:
        return [key]
    return [key] + [name_key(n) for n in m.names]


def entity_id(group: str, label: str) -> str:
    return f"{group}/{label}"


def _id_key(names: Iterable[str]) -> str:
    """The name an entity's id is made from: the longest normalised name (ties: the smallest).

    It depends only on which names an entity has, not on how often each occurs, so a corpus that
    adds documents, or another corpus naming the entity the same ways, gives the same id; the
    ``rdfs:label`` shown to users stays the most frequent form.

    >>> _id_key(["中机质协", "中国机械工业 质量管理协会", "中国机械工业质量管理协会"])
    '中国机械工业质量管理协会'
    """
    keys = {k for k in map(name_key, names) if k}
    return min(keys, key=lambda k: (-len(k), k)) if keys else ""


def resolve(mentions: Iterable[Mention], ontology: str | None = None) -> Resolution:
    lex = load_lexicon(ontology)
    uf = _UnionFind()
    find, union = uf.find, uf.union
    keyed: list[tuple[Mention, tuple[str, str]]] = []  # each mention with its first node (group, key)
    for m in mentions:
        if not m.text.strip():
            continue
        group = GROUP.get(m.type, "org")
        keys = [k for k in _mention_keys(m, group, lex) if k]
        if not keys:
            continue
        first = (group, keys[0])
        for k in keys[1:]:
            union(first, (group, k))
        keyed.append((m, first))
    clusters: dict = defaultdict(list)
    for m, first in keyed:
        clusters[find(first)].append(m)
    del keyed

    entities: list[Entity] = []
    res = Resolution(entities)
    mention_entity = res.mention_entity
    parent_surface: dict[str, list[str]] = {}
    for root, members in clusters.items():
        ent = _make_entity(root[0], members, lex)
        entities.append(ent)
        eid = ent.id
        parents = []
        for m in members:
            mention_entity[(m.doc_id, m.start, m.end, m.type)] = eid
            if m.parent:
                parents.append(m.parent)
        if parents:
            parent_surface[eid] = parents
    # parents: the entity the parent's surface form resolves to (or a gazetteer parent)
    org_index = {name_key(e.label): e.id for e in entities if e.id.startswith("org/")}
    for e in entities:
        if not e.id.startswith("org/"):
            continue
        for surface in parent_surface.get(e.id, []):
            pid = org_index.get(name_key(expand_org_name(surface, lex)))
            if pid and pid != e.id:
                e.parent = pid
                break
        if e.parent is None:
            # a parent the gazetteer knows counts only where the text names the two together
            # (国务院国资委 -> 国务院), never from world knowledge alone (公安部 -> 国务院)
            entry = lex.orgs.get(e.label)
            if entry and entry.parent and name_key(entry.parent) in org_index:
                parent_entry = lex.orgs.get(entry.parent)
                parent_names = {name_key(n) for n in (entry.parent, *(parent_entry.aliases if parent_entry else ()))}
                if any(p in name_key(n) for n in (e.label, *e.aliases) for p in parent_names if p):
                    e.parent = org_index[name_key(entry.parent)]
    entities.sort(key=lambda e: e.id)
    return res


def _make_entity(group: str, members: list[Mention], lex: Lexicon) -> Entity:
    """The entity of a cluster of mentions of ``group``."""
    if len(members) == 1:
        return _one_mention_entity(group, members[0], lex)
    return _counted_entity(group, members, lex)


def _counted_entity(group: str, members: list[Mention], lex: Lexicon) -> Entity:
    """:func:`_make_entity`: the label is the most frequent form, the type the best attested."""
    surfaces = Counter(m.text.strip() for m in members)
    for m in members:
        for n in m.names:
            surfaces.setdefault(n, 0)  # a document's number is an alias, never the most frequent form
    if group == "org":
        canon = Counter(expand_org_name(m.text, lex) for m in members)
        label = max(canon.items(), key=lambda kv: (lex.canonical_org(kv[0]) == kv[0], kv[1], len(kv[0]), kv[0]))[0]
        known = sorted(n for n in canon if lex.canonical_org(n) == n)
        key = name_key(known[0]) if known else _id_key(canon)
        weights: Counter = Counter()
        for m in members:
            weights[m.type] += m.confidence + (1.0 if m.extractor.endswith("gazetteer") else 0.0)
        entry = lex.orgs.get(label)
        typ = entry.type if entry else max(weights.items(), key=lambda kv: (kv[1], kv[0]))[0]
    else:
        typ = members[0].type
        if group == "document":
            titles = [m.text for m in members if not _NUMBER_ONLY.search(m.text)]
            pool = Counter(titles) if titles else surfaces
        else:
            pool = surfaces
        label = max(pool.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]
        key = _id_key(pool)
    aliases = sorted({s for s in surfaces if s and s != label})
    docs = sorted({m.doc_id for m in members})
    conf = max(m.confidence for m in members)
    dated = sorted((-len(m.date), m.doc_id, m.start, m.date, m.end_date or "") for m in members if m.date)  # days first
    date, end = (dated[0][3], dated[0][4] or None) if dated else (None, None)
    return Entity(entity_id(group, key or label), typ, label, aliases, len(members), docs, None, conf, date, end)


def _one_mention_entity(group: str, m: Mention, lex: Lexicon) -> Entity:
    """:func:`_counted_entity` of one mention, without its counting: most entities of a corpus are named
    once (53,000 of 99,000 in 10,000 documents), and the counters cost more than the rest."""
    text = m.text.strip()
    surfaces = [text, *m.names]
    if group == "org":
        label = expand_org_name(m.text, lex)
        key = name_key(label)
        entry = lex.orgs.get(label)
        typ = entry.type if entry else m.type
    else:
        typ = m.type
        if group == "document" and not _NUMBER_ONLY.search(m.text):
            label = m.text
            key = _id_key([label])
        else:  # the one surface counted once, the further names not at all
            label = text
            key = _id_key(dict.fromkeys(surfaces))
    aliases = sorted({s for s in surfaces if s and s != label})
    date, end = (m.date, m.end_date or None) if m.date else (None, None)
    return Entity(entity_id(group, key or label), typ, label, aliases, 1, [m.doc_id], None, m.confidence, date, end)
