"""Score a build against hand-made gold in the ANNOTATION.md format, as unseen passages are scored.

The scoring is the reference scorer's (``../shared/tools/score.py``, kept in
``tests/reference/score.py``; a test holds the two to the same numbers), run on the graph a build
of the same documents writes as ``graph.ttl``:

- a graph node matches a gold entity when one of its labels (``rdfs:label``, ``skos:altLabel`` …),
  normalized, equals one of the gold names, normalized; an event also matches when one name contains
  the other and the shorter has at least 5 characters;
- entities, relations and positions are counted over the whole graph (corpus level), typed through
  the graph's own ``rdfs:subClassOf`` axioms; a relation is right when some gold relation with the
  same predicate joins entities its two nodes match;
- event dates (not scored by the reference) compare ``kg:date``/``kg:endDate`` with the gold
  ``date`` (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or ``START/END``).

:func:`evaluate` extracts a corpus once and scores every group of it (a set of the development
data, a part of its split, the whole) on the graph built from that group's documents alone, so
each figure is what ``score.py`` says of ``kg build GROUP/`` (see :func:`groups_of`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from rdflib import RDF, RDFS, Graph, Literal

from kg.errors import BadInput
from kg.records import ENTITY_TYPES, RELATION_TYPES

if TYPE_CHECKING:
    from kg.records import DocumentExtraction

_LABEL_LOCALS = frozenset({"label", "prefLabel", "altLabel", "name", "hiddenLabel"})
_MIN_EVENT_CONTAINMENT = 5


class GoldError(BadInput, ValueError):
    """A gold file or folder that cannot be read."""


@dataclass
class Gold:
    """The gold annotation of one document."""

    doc: str
    entities: list[dict]
    relations: list[list]
    positions: list[list]


def load_gold(folder: str | Path, docs: Iterable[str] | None = None) -> list[Gold]:
    """Every ``*.json`` gold file of ``folder`` (only those of ``docs`` when given), checked."""
    wanted = set(docs) if docs is not None else None
    out = []
    files = sorted(Path(folder).glob("*.json"))
    if not files:
        raise GoldError(f"{folder}: no gold .json files")
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise GoldError(f"{f}: not valid JSON ({e})") from None
        for key in ("doc", "entities"):
            if key not in data:
                raise GoldError(f"{f}: missing {key!r}")
        if wanted is not None and data["doc"] not in wanted:
            continue
        ids = {e.get("id") for e in data["entities"]}
        for e in data["entities"]:
            if e.get("type") not in ENTITY_TYPES:
                raise GoldError(f"{f}: entity {e.get('id')}: unknown type {e.get('type')!r}")
            if not e.get("names"):
                raise GoldError(f"{f}: entity {e.get('id')}: no names")
        for rel in data.get("relations", []):
            if len(rel) != 3 or rel[1] not in RELATION_TYPES:
                raise GoldError(f"{f}: {rel}: not [subject, predicate, object] with a known predicate")
        for rel in data.get("relations", []) + data.get("positions", []):
            for ref in (rel[0], rel[2]):
                if ref is not None and ref not in ids:
                    raise GoldError(f"{f}: {rel}: id {ref!r} is not among the entities")
        out.append(Gold(data["doc"], data["entities"], data.get("relations", []), data.get("positions", [])))
    return out


# --- the reference scorer, on an rdflib graph ---------------------------------------------------


def norm(s: str) -> str:
    """Names as the reference scorer compares them: NFKC, no spaces, no quotes or 《》, one bracket style."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s)))
    s = s.replace("〔", "[").replace("〕", "]").replace("【", "[").replace("】", "]")
    return re.sub(r"[“”\"'‘’《》〈〉「」『』]", "", s)


def _local(u) -> str:
    return re.split(r"[#/]", str(u))[-1]


def _prf(tp_sys: int, n_sys: int, tp_gold: int, n_gold: int) -> dict:
    p = tp_sys / n_sys if n_sys else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "system": n_sys, "gold": n_gold}


def _node_types(g: Graph) -> dict:
    parents: dict[str, set[str]] = defaultdict(set)
    for c, p in g.subject_objects(RDFS.subClassOf):
        parents[_local(c)].add(_local(p))

    def closure(c: str) -> set[str]:
        out, todo = {c}, [c]
        while todo:
            for p in parents.get(todo.pop(), ()):
                if p not in out:
                    out.add(p)
                    todo.append(p)
        return out

    types: dict = defaultdict(set)
    for s, c in g.subject_objects(RDF.type):
        types[s] |= closure(_local(c))
    return {n: ts & set(ENTITY_TYPES) for n, ts in types.items() if ts & set(ENTITY_TYPES)}


def _labels(g: Graph, n) -> set[str]:
    out = {norm(o) for p, o in g.predicate_objects(n) if isinstance(o, Literal) and _local(p) in _LABEL_LOCALS}
    return {x for x in out if x}


def _names_match(labels: set[str], names: set[str], is_event: bool) -> bool:
    if labels & names:
        return True
    if is_event:
        for a in labels:
            for b in names:
                short, long_ = sorted((a, b), key=len)
                if len(short) >= _MIN_EVENT_CONTAINMENT and short in long_:
                    return True
    return False


def _date_ok(gold_date: str, start: str | None, end: str | None) -> bool:
    g_start, _, g_end = gold_date.partition("/")
    return start == g_start and (not g_end or end == g_end)


def score_graph(g: Graph, gold: list[Gold]) -> dict:
    """The reference scorer's figures for graph ``g`` against ``gold``, with what was missed and
    what was spurious (as names, for reading), and event dates."""
    ents, rels, poss = _gold_sets(gold)
    nodes = _node_types(g)
    node_labels = {n: _labels(g, n) for n in nodes}
    match: dict = defaultdict(set)  # node -> gold ids it matches (any type)
    for n, ls in node_labels.items():
        if ls:
            for gid, ge in ents.items():
                if _names_match(ls, ge["names"], ge["type"] == "Event" or "Event" in nodes[n]):
                    match[n].add(gid)

    def typed(n) -> set[str]:
        return {gid for gid in match[n] if ents[gid]["type"] in nodes[n]}

    def shown(n) -> str:
        return min(node_labels[n], key=lambda s: (-len(s), s)) if node_labels.get(n) else str(n)

    out: dict = {}
    hit = {gid for n in match for gid in match[n]}
    hit_typed = {gid for n in nodes for gid in typed(n)}
    out["entities"] = _prf(sum(1 for n in nodes if match[n]), len(nodes), len(hit), len(ents))
    out["entities_typed"] = _prf(sum(1 for n in nodes if typed(n)), len(nodes), len(hit_typed), len(ents))
    out["per_type"] = {}
    for t in ENTITY_TYPES:
        gids = [gid for gid, e in ents.items() if e["type"] == t]
        tnodes = [n for n in nodes if t in nodes[n]]
        tp_s = sum(1 for n in tnodes if any(ents[gid]["type"] == t for gid in match[n]))
        out["per_type"][t] = _prf(tp_s, len(tnodes), sum(1 for gid in gids if gid in hit_typed), len(gids))
    by_gold: dict = defaultdict(set)
    for n in nodes:
        for gid in typed(n):
            by_gold[gid].add(n)
    out["duplicated_gold_entities"] = sum(1 for v in by_gold.values() if len(v) > 1)
    sys_rel = {(s, _local(p), o) for s, p, o in g
               if _local(p) in RELATION_TYPES and s in nodes and o in nodes}
    out.update(_relations(sys_rel, rels, ents, match, shown))
    out["positions"] = _positions(g, poss, match, node_labels)
    out["event_dates"] = _event_dates(g, ents, nodes, match)
    out["entities_missed"] = sorted(f"{ents[gid]['type']} {ents[gid]['shown']}" for gid in set(ents) - hit_typed)
    out["entities_spurious"] = sorted(f"{'/'.join(sorted(nodes[n]))} {shown(n)}" for n in nodes if not typed(n))
    out["sizes"] = {"gold_entities": len(ents), "gold_relations": len(rels), "gold_positions": len(poss),
                    "system_entities": len(nodes), "system_relations": len(sys_rel), "triples": len(g)}
    return out


def _gold_sets(gold: list[Gold]) -> tuple[dict[str, dict], set[tuple], set[tuple]]:
    """The gold entities (by document-qualified id), relations and positions of every document."""
    ents: dict[str, dict] = {}
    rels: set[tuple[str, str, str]] = set()
    poss: set[tuple] = set()
    for d in gold:
        pre = d.doc + ":"
        for e in d.entities:
            ents[pre + e["id"]] = {"type": e["type"], "names": {norm(n) for n in e["names"]},
                                   "shown": f"{d.doc}: {e['names'][0]}", "date": e.get("date")}
        rels.update((pre + s, p, pre + o) for s, p, o in d.relations)
        poss.update((pre + s, norm(t), pre + o if o else None) for s, t, o in d.positions)
    return ents, rels, poss


def _relations(sys_rel: set, rels: set, ents: dict, match: dict, shown) -> dict:
    """Relations: right when some gold relation with the same predicate joins entities the two nodes
    match; the figures overall and per predicate, what was missed and what was spurious."""
    gold_by_pred: dict = defaultdict(set)
    for s, p, o in rels:
        gold_by_pred[p].add((s, o))
    rel_hit: set = set()
    per_pred: dict = defaultdict(lambda: [0, 0])  # right, system
    spurious = []
    for s, p, o in sorted(sys_rel):
        per_pred[p][1] += 1
        hits = {(gs, go) for gs in match[s] for go in match[o]} & gold_by_pred[p]
        if hits:
            per_pred[p][0] += 1
            rel_hit.update((gs, p, go) for gs, go in hits)
        else:
            spurious.append(f"{shown(s)} {p} {shown(o)}")
    return {
        "relations": _prf(sum(v[0] for v in per_pred.values()), len(sys_rel), len(rel_hit), len(rels)),
        "per_predicate": {
            p: _prf(per_pred[p][0], per_pred[p][1], sum(1 for x in rel_hit if x[1] == p), len(gold_by_pred[p]))
            for p in RELATION_TYPES if per_pred[p][1] or gold_by_pred[p]},
        "relations_missed": sorted(f"{ents[s]['shown']} {p} {ents[o]['shown'].split(': ', 1)[1]}"
                                   for s, p, o in rels - rel_hit),
        "relations_spurious": spurious,
    }


def _positions(g: Graph, poss: set, match: dict, node_labels: dict) -> dict:
    """Posts from ``org:Membership``-shaped nodes (member, role or title, organization)."""
    sys_pos = set()
    for m in set(g.subjects()):
        props: dict = defaultdict(set)
        for p, o in g.predicate_objects(m):
            props[_local(p)].add(o)
        if "member" not in props or not ("role" in props or "title" in props):
            continue
        roles: set[str] = set()
        for r in props.get("role", set()) | props.get("title", set()):
            roles |= {norm(r)} if isinstance(r, Literal) else _labels(g, r)
        for person in props["member"]:
            for org in props.get("organization", {None}):
                sys_pos.update((person, r, org) for r in roles)
    gold_pos: dict = defaultdict(set)
    for s, t, o in poss:
        gold_pos[s].add((t, o))
    right, hit = 0, set()
    for person, r, org in sys_pos:
        ok = False
        for gs in match.get(person, ()):
            for t, go in gold_pos.get(gs, ()):
                if t == r and (go is None or org is None or go in match.get(org, ())):
                    ok = True
                    hit.add((gs, t, go))
        right += ok
    return _prf(right, len(sys_pos), len(hit), len(poss))


def _event_dates(g: Graph, ents: dict, nodes: dict, match: dict) -> dict:
    """Gold events with a date: is it the date (and end date) of a node that matches them?"""
    counts = {"correct": 0, "wrong": 0, "missing": 0}
    dates = {}
    for n in nodes:
        if "Event" in nodes[n]:
            got = {_local(p): str(o) for p, o in g.predicate_objects(n) if _local(p) in ("date", "endDate")}
            dates[n] = (got.get("date"), got.get("endDate"))
    for gid, e in ents.items():
        if e["type"] != "Event" or not e["date"]:
            continue
        found = [dates[n] for n in dates if gid in match[n] and dates[n][0]]
        counts["correct" if any(_date_ok(e["date"], *d) for d in found) else "wrong" if found else "missing"] += 1
    return counts


# --- a corpus against its gold, group by group --------------------------------------------------


@dataclass
class Evaluation:
    """The scores of each group of documents (``groups[name] = score_graph(...)``)."""

    groups: dict[str, dict] = field(default_factory=dict)
    documents: dict[str, list[str]] = field(default_factory=dict)  # group -> its gold documents
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"groups": {k: {"documents": self.documents[k], **v} for k, v in self.groups.items()},
                "failures": self.failures}


def read_split(path: str | Path) -> dict[str, str]:
    """``file<TAB>part`` lines (``#`` comments) of a split file: file name -> part."""
    out = {}
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 2:
            raise GoldError(f"{path}:{lineno}: expected 'file<TAB>part'")
        out[cells[0].strip()] = cells[1].strip()
    return out


def set_of(doc: str) -> str:
    """The set a development passage belongs to: the letters its file name starts with (a01 -> a)."""
    mt = re.match(r"[A-Za-z]+(?=\d)", Path(doc).name)
    return mt.group(0) if mt else ""


def groups_of(docs: list[str], split: dict[str, str] | None = None, parts: Iterable[str] | None = None,
              by_set: bool = True) -> dict[str, list[str]]:
    """The groups a report shows: each part of the split (or all documents), and within each part
    every set (a, b, …) when the names have sets. Documents outside the wanted parts are left out.

    >>> groups_of(["a01.txt", "a02.txt", "b01.txt"], {"a01.txt": "develop", "a02.txt": "report", "b01.txt": "develop"})
    {'develop': ['a01.txt', 'b01.txt'], 'develop/a': ['a01.txt'], 'develop/b': ['b01.txt'], 'report': ['a02.txt']}
    """
    wanted = set(parts) if parts else None
    by_part: dict[str, list[str]] = defaultdict(list)
    for d in sorted(docs):
        part = (split or {}).get(d, "all") if split else "all"
        if wanted is None or part in wanted:
            by_part[part].append(d)
    out: dict[str, list[str]] = {}
    for part in sorted(by_part):
        out[part] = by_part[part]
        sets = sorted({set_of(d) for d in by_part[part]} - {""})
        if by_set and len(sets) > 1:
            for s in sets:
                out[f"{part}/{s}"] = [d for d in by_part[part] if set_of(d) == s]
    return out


def evaluate(corpus: str | Path, gold_dir: str | Path, split: str | Path | None = None,
             parts: Iterable[str] | None = None, by_set: bool = True, ontology: str | None = None,
             extract=None, use_model: bool = True) -> Evaluation:
    """Extract the documents of ``corpus`` that ``gold_dir`` annotates and score each group.

    ``extract`` maps a list of paths to extractions (default: :func:`kg.build.extract_corpus`, with
    the trained scorers unless ``use_model`` is False); failures are reported, not raised.
    """
    from kg.build import extract_corpus
    from kg.rdf import build_graph
    from kg.resolve import resolve_corpus

    split_map = read_split(split) if split else None
    gold = load_gold(gold_dir)
    groups = groups_of([d.doc for d in gold], split_map, parts, by_set)
    wanted = sorted({d for docs in groups.values() for d in docs})
    paths = []
    for doc in wanted:
        p = Path(corpus) / doc
        if not p.is_file():
            raise GoldError(f"{p}: document named by the gold file not found in {corpus}")
        paths.append(str(p))
    result = Evaluation()
    extractions: dict[str, DocumentExtraction] = {}
    for item in (extract or (lambda ps: extract_corpus(ps, ontology, use_model=use_model)))(paths):
        if hasattr(item, "reason"):
            result.failures.append(str(item))
        else:
            extractions[Path(item.path).name] = item
    by_doc = {g.doc: g for g in gold}
    for name, docs in groups.items():
        exs = [extractions[d] for d in docs if d in extractions]
        resolved = resolve_corpus(exs, ontology)
        graph = build_graph(resolved.resolution.entities, resolved.positions, ontology, resolved.relations)
        result.groups[name] = score_graph(graph, [by_doc[d] for d in docs])
        result.documents[name] = docs
    return result
