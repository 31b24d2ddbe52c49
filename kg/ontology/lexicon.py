"""The word lists and gazetteer under ``ontology/``: organizations, suffixes, titles, trigger words.

Every list is a plain UTF-8 file (``#`` starts a comment; the first other line is a header).
Point ``KG_ONTOLOGY`` (or the ``ontology_dir`` argument) at a copy to extend or replace them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.ontology.loader import DEFAULT_ONTOLOGY_DIR, LexiconError, ontology_dir, read_table
from kg.records import ORGANIZATION_TYPES, RELATION_TYPES

__all__ = ["Lexicon", "load_lexicon", "name_key", "Endings", "TriggerRule", "TRIGGER_FRAMES", "GazetteerEntry",
           "trie_pattern"]


_KEY_DROP = re.compile(r"[\s“”\"'‘’「」『』·•]")
_KEY_MAP = str.maketrans({
    "（": "(", "）": ")", "〔": "[", "〕": "]", "【": "[", "】": "]", "［": "[", "］": "]",
    "—": "-", "－": "-", "–": "-", "／": "/",
    **{chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)},
    **{chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)},
    **{chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)},
})


@lru_cache(maxsize=1 << 16)  # names recur (an organization in every article that names it)
def name_key(name: str) -> str:
    """Normalise a name for comparison: no spaces or quotes, one width, one bracket style.

    >>> name_key("中机质协 【2020】 11 号") == name_key("中机质协[2020]11号")
    True
    >>> name_key("汉诺威米兰展览（上海）有限公司") == name_key("汉诺威米兰展览(上海)有限公司")
    True
    """
    return _DOC_WEN.sub("号", _KEY_DROP.sub("", name.translate(_KEY_MAP)).upper())


_DOC_WEN = re.compile(r"号文$")  # 中机质协[2020]2号文 is the document 中机质协[2020]2号


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    canonical: str
    type: str
    aliases: tuple[str, ...]
    parent: str | None


class Endings:
    """The longest of a set of strings that a text ends with, in one lookup per distinct length.

    >>> Endings(["会", "协会", "学会"]).match("中国质量协会")
    '协会'
    """

    __slots__ = ("options", "lengths")

    def __init__(self, options) -> None:
        self.options = frozenset(o for o in options if o)
        self.lengths = sorted({len(o) for o in self.options}, reverse=True)

    def match(self, s: str) -> str | None:
        for n in self.lengths:
            if len(s) >= n and s[-n:] in self.options:
                return s[-n:]
        return None


@dataclass(frozen=True, slots=True)
class TriggerRule:
    """A word (or a regular expression) that states a relation; see ``lexicon/relation_triggers.tsv``."""

    trigger: str
    is_regex: bool
    predicate: str
    frame: str  # "agent", "label" or "cue" (only a trained scorer reads a cue)
    confidence: float


TRIGGER_FRAMES = ("agent", "label", "cue")


@dataclass(slots=True)
class Lexicon:
    orgs: dict[str, GazetteerEntry]  # canonical -> entry
    alias_index: dict[str, str]  # name_key(any name) -> canonical
    org_suffixes: list[tuple[str, str, int]]  # (suffix, type, weight), longest first
    titles: frozenset[str]
    event_heads: dict[str, str]  # head -> kind
    award_heads: tuple[str, ...]
    generic: frozenset[str]
    surnames: frozenset[str]
    not_org_words: frozenset[str] = frozenset()
    relation_triggers: tuple[TriggerRule, ...] = ()
    modal_words: frozenset[str] = frozenset()
    list_glue: tuple[str, ...] = ()
    inherited_titles: tuple[str, ...] = ()
    document_heads: tuple[str, ...] = ()
    event_determiners: tuple[str, ...] = ()
    event_verbs: tuple[str, ...] = ()
    event_head_followers: frozenset[str] = frozenset()
    event_parts: tuple[str, ...] = ()
    not_person_words: frozenset[str] = frozenset()
    places: dict[str, str] = field(default_factory=dict)  # any name of a place (京, 北京市) -> its canonical name
    venue_words: tuple[str, ...] = ()
    department_endings: tuple[str, ...] = ()
    unit_suffixes: tuple[str, ...] = ()
    not_award_words: frozenset[str] = frozenset()
    event_name_openers: frozenset[str] = frozenset()
    org_references: dict[str, str] = field(default_factory=dict)  # 本会 -> 会: names it can stand for end so
    source: Path = field(default=DEFAULT_ONTOLOGY_DIR)
    suffix_info: dict[str, tuple[str, int]] = field(init=False)  # suffix -> (type, weight)
    suffix_endings: "Endings" = field(init=False)

    def __post_init__(self) -> None:
        self.suffix_info = {}
        for suffix, typ, weight in self.org_suffixes:  # longest, then heaviest first
            self.suffix_info.setdefault(suffix, (typ, weight))
        self.suffix_endings = Endings(self.suffix_info)

    def canonical_org(self, name: str) -> str | None:
        return self.alias_index.get(name_key(name))

    def org_names(self) -> list[str]:
        names = []
        for e in self.orgs.values():
            names.append(e.canonical)
            names.extend(e.aliases)
        return names

    def org_suffix(self, name: str) -> str | None:
        """The longest suffix in the suffix table that ``name`` ends with."""
        return self.suffix_endings.match(name)

    def suffix_type(self, name: str) -> tuple[str, int] | None:
        """The organization type a name's ending indicates, with its weight (longest suffix wins)."""
        suffix = self.org_suffix(name)
        return self.suffix_info[suffix] if suffix else None

    def is_generic(self, name: str) -> bool:
        return name_key(name) in self.generic


def _lines(path: Path) -> list[str]:
    return [r[0] for r in read_table(path, 1) if r[0]]


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> Lexicon:
    base = ontology_dir(path)
    orgs: dict[str, GazetteerEntry] = {}
    alias_index: dict[str, str] = {}
    gaz = base / "gazetteer" / "organizations.tsv"
    for canonical, typ, aliases, parent in read_table(gaz, 4):
        if not canonical:
            continue
        if typ not in ORGANIZATION_TYPES:
            raise LexiconError(f"{gaz}: {canonical}: unknown type {typ!r} (one of {', '.join(ORGANIZATION_TYPES)})")
        alias_list = tuple(a.strip() for a in aliases.split("|") if a.strip())
        orgs[canonical] = GazetteerEntry(canonical, typ, alias_list, parent or None)
        alias_index[name_key(canonical)] = canonical
    for e in orgs.values():  # aliases never override a canonical name
        for a in e.aliases:
            alias_index.setdefault(name_key(a), e.canonical)
    suffixes = []
    for suffix, typ, weight in read_table(base / "lexicon" / "org_suffixes.tsv", 3):
        if suffix:
            suffixes.append((suffix, typ, int(weight or 1)))
    suffixes.sort(key=lambda t: (-len(t[0]), -t[2]))
    event_heads = {h: k for h, k in read_table(base / "lexicon" / "event_heads.tsv", 2) if h}
    lexdir = base / "lexicon"
    return Lexicon(
        orgs=orgs,
        alias_index=alias_index,
        org_suffixes=suffixes,
        titles=frozenset(_lines(base / "lexicon" / "titles.txt")),
        event_heads=event_heads,
        award_heads=tuple(sorted(_lines(base / "lexicon" / "award_heads.txt"), key=len, reverse=True)),
        generic=frozenset(name_key(x) for x in _lines(base / "lexicon" / "generic_references.txt")),
        surnames=frozenset(_lines(base / "lexicon" / "surnames.txt")),
        not_org_words=frozenset(_lines(base / "lexicon" / "not_org_words.txt")),
        relation_triggers=_trigger_rules(lexdir / "relation_triggers.tsv"),
        modal_words=frozenset(_lines(lexdir / "modal_words.txt")),
        list_glue=tuple(sorted(_lines(lexdir / "list_glue.txt"), key=len, reverse=True)),
        inherited_titles=tuple(_lines(lexdir / "inherited_titles.txt")),
        document_heads=tuple(_lines(lexdir / "document_heads.txt")),
        event_determiners=tuple(sorted(_lines(lexdir / "event_determiners.txt"), key=len, reverse=True)),
        event_verbs=tuple(sorted(_lines(lexdir / "event_verbs.txt"), key=len, reverse=True)),
        event_head_followers=frozenset(_lines(lexdir / "event_head_followers.txt")),
        event_parts=tuple(sorted(_lines(lexdir / "event_parts.txt"), key=len, reverse=True)),
        not_person_words=frozenset(_lines(lexdir / "not_person_words.txt")),
        places=_places(base / "gazetteer" / "places.tsv"),
        venue_words=tuple(_lines(lexdir / "venue_words.txt")),
        department_endings=tuple(_lines(lexdir / "department_endings.txt")),
        unit_suffixes=tuple(_lines(lexdir / "unit_split_suffixes.txt")),
        not_award_words=frozenset(_lines(lexdir / "not_award_words.txt")),
        event_name_openers=frozenset(_lines(lexdir / "event_name_openers.txt")),
        org_references={r: e for r, e in read_table(lexdir / "org_references.tsv", 2) if r and e},
        source=base,
    )


def _places(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for name, aliases, _kind in read_table(path, 3):
        if name:
            out[name] = name
            for a in aliases.split("|"):
                if a.strip():
                    out.setdefault(a.strip(), name)
    return out


def _trigger_rules(path: Path) -> tuple[TriggerRule, ...]:
    rules = []
    for trigger, predicate, frame, conf in read_table(path, 4):
        if not trigger:
            continue
        if predicate not in RELATION_TYPES:
            raise LexiconError(f"{path}: {trigger}: unknown relation {predicate!r}")
        if frame not in TRIGGER_FRAMES:
            raise LexiconError(f"{path}: {trigger}: unknown frame {frame!r} (one of {', '.join(TRIGGER_FRAMES)})")
        try:
            confidence = float(conf or 0.8)
        except ValueError:
            raise LexiconError(f"{path}: {trigger}: confidence {conf!r} is not a number") from None
        is_regex = trigger.startswith("~")
        if is_regex:
            trigger = trigger[1:]
            try:
                re.compile(trigger)
            except re.error as e:
                raise LexiconError(f"{path}: {trigger}: not a valid regular expression ({e})") from None
        rules.append(TriggerRule(trigger, is_regex, predicate, frame, confidence))
    return tuple(rules)


def trie_pattern(names, sep: str = "") -> str:
    """A regular expression matching any of ``names`` (longest first), built as a trie so
    matching costs about the same for ten names or ten thousand.

    >>> import re
    >>> re.findall(trie_pattern(["工信部", "工业和信息化部", "工信部科技司"]), "工信部科技司和工业和信息化部")
    ['工信部科技司', '工业和信息化部']
    """
    trie: dict = {}
    for name in names:
        if not name:
            continue
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = []
        end = "" in node
        for ch in sorted(k for k in node if k):
            branches.append(re.escape(ch) + (sep if any(node[ch]) and set(node[ch]) != {""} else "") + emit(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return emit(trie)
