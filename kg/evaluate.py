"""Score extraction against hand-made gold in the ANNOTATION.md format.

An entity is found when a predicted entity of the same type, present in the same document,
shares a name with it (names compared with :func:`kg.lexicon.name_key`; every gold name and
every predicted label/alias counts). A gold entity matched by several predicted entities is a
*duplicate* (one real entity split in several). Positions are (person, title, organization)
triples, organization possibly null, compared through the matched entities. Relations are
(subject, predicate, object) triples compared through the matched entities, per document (a
predicted relation counts for a document when one of its pieces of evidence is in it). Event
dates are checked for gold events with a day-precise date.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.lexicon import name_key
from kg.records import ENTITY_TYPES, RELATION_TYPES, DocumentExtraction

if TYPE_CHECKING:
    from kg.build import Resolved


class GoldError(ValueError):
    pass


@dataclass
class Gold:
    doc: str
    entities: list[dict]
    relations: list[list]
    positions: list[list]


def load_gold(folder: str | Path) -> list[Gold]:
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
        ids = {e["id"] for e in data["entities"]}
        for e in data["entities"]:
            if e.get("type") not in ENTITY_TYPES:
                raise GoldError(f"{f}: entity {e.get('id')}: unknown type {e.get('type')!r}")
        for rel in data.get("relations", []) + data.get("positions", []):
            for ref in (rel[0], rel[2]):
                if ref is not None and ref not in ids:
                    raise GoldError(f"{f}: {rel}: id {ref!r} is not among the entities")
        out.append(Gold(data["doc"], data["entities"], data.get("relations", []), data.get("positions", [])))
    return out


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def score(gold: list[Gold], extractions: list[DocumentExtraction], resolved: "Resolved") -> dict:
    res, positions = resolved.resolution, resolved.positions
    by_doc = {ex.doc_id: ex for ex in extractions}
    rel_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    rel_missed: list[str] = []
    pos_missed: list[str] = []
    pos_spurious: list[str] = []
    rel_spurious: list[str] = []
    dates = {"correct": 0, "wrong": 0, "missing": 0}
    ents = res.by_id()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn per type
    pos_counts = [0, 0, 0]
    duplicates = 0
    type_confusions = []
    missed: dict[str, list] = defaultdict(list)
    spurious: dict[str, list] = defaultdict(list)
    for g in gold:
        ex = by_doc.get(g.doc) or by_doc.get(Path(g.doc).name)
        predicted_ids = sorted({res.entity_of(m) for m in ex.mentions} - {None}) if ex else []
        predicted = [ents[i] for i in predicted_ids]
        pred_names = {e.id: {name_key(n) for n in [e.label, *e.aliases]} for e in predicted}
        gold_match: dict[str, list[str]] = {}
        for ge in g.entities:
            names = {name_key(n) for n in ge["names"]}
            hits = [e.id for e in predicted if e.type == ge["type"] and pred_names[e.id] & names]
            gold_match[ge["id"]] = hits
            if hits:
                counts[ge["type"]][0] += 1
                if len(hits) > 1:
                    duplicates += 1
            else:
                counts[ge["type"]][2] += 1
                missed[ge["type"]].append(f"{g.doc}: {ge['names'][0]}")
                other = [e for e in predicted if pred_names[e.id] & names]
                if other:
                    type_confusions.append(f"{ge['names'][0]}: gold {ge['type']}, predicted {other[0].type}")
        matched_pred = {i for hits in gold_match.values() for i in hits}
        for e in predicted:
            if e.type in ENTITY_TYPES and e.id not in matched_pred:
                counts[e.type][1] += 1
                spurious[e.type].append(f"{g.doc}: {e.label}")
        gold_names = {ge["id"]: ge["names"][0] for ge in g.entities}
        # positions: compare through the gold entity each prediction matched
        pred_to_gold = defaultdict(set)
        for gid, hits in gold_match.items():
            for h in hits:
                pred_to_gold[h].add(gid)
        doc_positions = set()
        for p in positions:
            if not any(ev["doc"] == g.doc for ev in p["evidence"]):
                continue
            for gp in pred_to_gold.get(p["person"]) or {"?" + p["person"]}:
                orgs = (pred_to_gold.get(p["organization"]) or {"?" + p["organization"]}) if p["organization"] else {None}
                for go in orgs:
                    doc_positions.add((gp, name_key(p["title"]), go))
        gold_positions = {(a, name_key(t), o) for a, t, o in g.positions}
        for a, t, o in gold_positions - doc_positions:
            pos_missed.append(f"{g.doc}: {_show((a, t, o or '-'), gold_names)}")
        for a, t, o in doc_positions - gold_positions:
            pos_spurious.append(f"{g.doc}: {_show((a or '?', t, o or '-'), gold_names)}")
        tp = len(doc_positions & gold_positions)
        pos_counts[0] += tp
        pos_counts[1] += len(doc_positions) - tp
        pos_counts[2] += len(gold_positions) - tp
        # relations: an unmatched predicted entity stands for itself (so it can only be wrong)
        doc_rels = set()
        for r in resolved.relations:
            if not any(ev.doc_id == g.doc for ev in r.evidence):
                continue
            for gs in pred_to_gold.get(r.subject) or {"?" + r.subject}:
                for go in pred_to_gold.get(r.object) or {"?" + r.object}:
                    doc_rels.add((gs, r.predicate, go))
        gold_rels = {tuple(x) for x in g.relations}
        for triple in doc_rels | gold_rels:
            c = rel_counts[triple[1]]
            if triple in doc_rels and triple in gold_rels:
                c[0] += 1
            elif triple in doc_rels:
                c[1] += 1
                rel_spurious.append(f"{g.doc}: {_show(triple, gold_names)}")
            else:
                c[2] += 1
                rel_missed.append(f"{g.doc}: {_show(triple, gold_names)}")
        for ge in g.entities:
            if ge["type"] != "Event" or len(ge.get("date") or "") != 10:
                continue
            got = {ents[h].date for h in gold_match[ge["id"]]} - {None}
            dates["correct" if ge["date"] in got else "wrong" if got else "missing"] += 1
    per_type = {t: _prf(*counts[t]) for t in ENTITY_TYPES if any(counts[t])}
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    per_rel = {t: _prf(*rel_counts[t]) for t in RELATION_TYPES if any(rel_counts[t])}
    rel_total = [sum(c[i] for c in rel_counts.values()) for i in range(3)]
    return {
        "documents": [g.doc for g in gold],
        "entities": {"all": _prf(*total), **per_type},
        "duplicates": duplicates,
        "relations": {"all": _prf(*rel_total), **per_rel},
        "positions": _prf(*pos_counts),
        "event_dates": dates,
        "relations_missed": sorted(rel_missed),
        "relations_spurious": sorted(rel_spurious),
        "positions_missed": sorted(pos_missed),
        "positions_spurious": sorted(pos_spurious),
        "type_confusions": sorted(type_confusions),
        "missed": {k: sorted(v) for k, v in sorted(missed.items())},
        "spurious": {k: sorted(v) for k, v in sorted(spurious.items())},
    }


def _show(triple: tuple, names: dict[str, str]) -> str:
    s, p, o = triple
    return f"{names.get(s, s.lstrip('?'))} {p} {names.get(o, o.lstrip('?'))}"


def format_report(report: dict) -> str:
    lines = [f"documents: {', '.join(report['documents'])}", "",
             f"{'type':<20}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}"]
    for t, s in report["entities"].items():
        lines.append(f"{t:<20}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}{s['tp']:>6}{s['fp']:>6}{s['fn']:>6}")
    lines.append("")
    lines.append(f"{'relation':<20}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}")
    for t, s in [*report["relations"].items(), ("positions", report["positions"])]:
        lines.append(f"{t:<20}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}{s['tp']:>6}{s['fp']:>6}{s['fn']:>6}")
    lines.append("")
    lines.append(f"duplicates (gold entities split in several): {report['duplicates']}")
    d = report["event_dates"]
    lines.append(f"event dates (gold events with a day): {d['correct']} correct, {d['wrong']} wrong, {d['missing']} missing")
    return "\n".join(lines)
