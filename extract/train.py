"""Train the pipeline's scorers on the development gold, and say how well they do on passages they
did not see (``kg train``; ``python -m extract.train``).

The rules propose candidates: event names (``doc.spans["event_candidates"]``) and relations
(``doc._.relation_candidates``), each with its features. A candidate is right when the gold of its
document has it, matched as the reference scorer matches (names normalized; an event also by
containment, the shorter name 5 characters at least). Two logistic regressions (scikit-learn, L2,
lbfgs: deterministic) learn which candidates are right: first the event model, then, on the
candidates of the events it keeps, the relation model.

How well they do is measured by document-level cross-validation: the documents are dealt into
``folds`` folds (by name, so every set is spread over all of them); each fold is scored by models
trained on the other folds, with the reference scorer on the graph its extractions give, beside the
rules alone on the same documents. The thresholds are chosen on those cross-validated predictions.
The models written (``extract/models/events.json``, ``relations.json``) are then trained on every
document of the part (and of the seeds, whose gold is in ``tests/data/gold-seeds``), and carry these
figures in their ``meta``. The report part of the split is never read here.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from spacy.tokens import Doc

from kg.evaluate import Gold, load_gold, norm, read_split, score_graph
from kg.ingest import iter_documents
from kg.records import Document, IngestFailure

from .model import MODEL_DIR, LinearModel, relation_features
from .pipeline import build_nlp, make_docs, to_records
from .scorer import EventScorer, RelationScorer

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "dev"
SEEDS, SEED_GOLD = ROOT / "seeds", ROOT / "tests" / "data" / "gold-seeds"
EVENT_THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
RELATION_THRESHOLDS = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
MIN_EVENT_CONTAINMENT = 5
MIN_PRECISION = 0.77  # relation thresholds are chosen for the best F1 at this precision at least


# --- labels: what the gold says of a candidate --------------------------------------------------


class GoldIndex:
    """The gold of one document, looked up by a span's names."""

    def __init__(self, gold: Gold):
        self.entities = {e["id"]: (e["type"], {norm(n) for n in e["names"]}) for e in gold.entities}
        self.events = {gid for gid, (t, _) in self.entities.items() if t == "Event"}
        self.relations = {tuple(r) for r in gold.relations}

    def match(self, names: set[str], event: bool) -> set[str]:
        out = set()
        for gid, (typ, gnames) in self.entities.items():
            if names & gnames:
                out.add(gid)
            elif event or typ == "Event":
                if any(len(s) >= MIN_EVENT_CONTAINMENT and s in l
                       for a in names for b in gnames for s, l in [sorted((a, b), key=len)]):
                    out.add(gid)
        return out

    def event(self, names: set[str]) -> bool:
        return bool(self.match(names, True) & self.events)

    def relation(self, subj: set[str], pred: str, obj: set[str]) -> bool:
        return any((s, pred, o) in self.relations for s in subj for o in obj)


def span_names(span, document: Document) -> set[str]:
    """Every name a span goes by: as written, as read, its further names, what it stands for."""
    info = span._.info
    names = {span.text, document.text[span.start_char:span.end_char]}
    if info is not None:
        names.update(info.names)
        if info.refers_to is not None:
            names.add(info.refers_to.text)
            names.add(document.text[info.refers_to.start_char:info.refers_to.end_char])
    if span.kb_id_:
        names.add(span.kb_id_)
    return {n for n in map(norm, names) if n}


# --- examples -------------------------------------------------------------------------------------


@dataclass
class Examples:
    features: list[dict] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    keys: list[tuple] = field(default_factory=list)  # the fact a candidate states (document, names, predicate)

    def add(self, features: dict, label: bool, key: tuple = ()) -> None:
        self.features.append(features)
        self.labels.append(int(label))
        self.keys.append(key)


def event_examples(processed: list[tuple[Document, Doc, GoldIndex]]) -> Examples:
    ex = Examples()
    for document, doc, gold in processed:
        for c in doc.spans.get("event_candidates", []):
            ex.add(c._.info.features, gold.event(span_names(c, document)))
    return ex


def relation_examples(processed: list[tuple[Document, Doc, GoldIndex]]) -> Examples:
    ex = Examples()
    for document, doc, gold in processed:
        cache: dict = {}

        def names(span):
            key = (span.label_, span.start_char, span.end_char)
            if key not in cache:
                cache[key] = gold.match(span_names(span, document), span.label_ == "Event")
            return cache[key]

        for c in doc._.relation_candidates:
            key = (document.doc_id, _fact_name(c.subject), c.predicate, _fact_name(c.object))
            ex.add(relation_features(c.predicate, c.features), gold.relation(names(c.subject), c.predicate, names(c.object)),
                   key)
    return ex


def _fact_name(span) -> str:
    info = span._.info
    target = info.refers_to if info is not None and info.refers_to is not None else span
    return norm(target.kb_id_ or target.text)


def choose_thresholds(scores: list[float], ex: Examples, n_gold: dict[str, int], min_precision: float,
                      grid=RELATION_THRESHOLDS) -> tuple[dict[str, float], dict]:
    """A threshold per relation, from held-out scores, over the facts the candidates state (a fact
    stands when one of its candidates scores at or above its relation's threshold, and is right when
    one of them is). One trade-off serves every relation: for a price ``cost`` of a wrong fact, each
    relation takes the threshold with the most right facts less ``cost`` times the wrong ones; the
    price is the lowest whose precision reaches ``min_precision`` (or, if none does, the one with
    the best precision), so no relation is tuned alone."""
    facts: dict[tuple, list] = {}
    for p, y, key in zip(scores, ex.labels, ex.keys):
        f = facts.setdefault(key, [0.0, 0])
        f[0] = max(f[0], p)
        f[1] = max(f[1], y)
    by_pred: dict[str, list] = {}
    for key, (p, y) in facts.items():
        by_pred.setdefault(key[2], []).append((p, y))
    total_gold = sum(n_gold.values())
    counts = {pred: {t: (sum(y for p, y in items if p >= t), sum(1 for p, _ in items if p >= t)) for t in grid}
              for pred, items in by_pred.items()}

    def measure(ts: dict[str, float]) -> dict:
        tp = sum(counts[pred][t][0] for pred, t in ts.items())
        n = sum(counts[pred][t][1] for pred, t in ts.items())
        p, r = (tp / n if n else 0.0), (tp / total_gold if total_gold else 0.0)
        return {"f1": round(2 * p * r / (p + r) if p + r else 0.0, 3), "precision": round(p, 3), "recall": round(r, 3)}

    options = []
    for cost in [x / 4 for x in range(2, 41)]:  # 0.5 … 10 wrong facts for one right
        ts = {pred: max(grid, key=lambda t: (c[t][0] - cost * (c[t][1] - c[t][0]), -t)) for pred, c in counts.items()}
        options.append((measure(ts), ts))
    feasible = [o for o in options if o[0]["precision"] >= min_precision]
    best = max(feasible, key=lambda o: o[0]["f1"]) if feasible else max(options, key=lambda o: o[0]["precision"])
    return best[1], best[0]


def fit(ex: Examples, name: str, c: float = 0.5) -> LinearModel:
    """A logistic regression (L2, lbfgs) over the examples' features."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer(sort=True)
    x = vec.fit_transform(ex.features)
    if len(set(ex.labels)) < 2:
        return LinearModel(name, {}, 4.0 if ex.labels and ex.labels[0] else -4.0)
    lr = LogisticRegression(C=c, max_iter=5000, solver="lbfgs")
    lr.fit(x, ex.labels)
    weights = {f: round(float(w), 5) for f, w in zip(vec.get_feature_names_out(), lr.coef_[0]) if abs(w) >= 1e-5}
    return LinearModel(name, weights, round(float(lr.intercept_[0]), 5))


# --- the pipeline, with or without models ---------------------------------------------------------


class Runner:
    """The rule pipeline run once over the documents (LAC and the entity components are the costly
    part); the event-dependent steps run again under each event model."""

    def __init__(self, ontology: str | None = None):
        self.nlp = build_nlp(ontology, use_model=False)
        self.articles = self.nlp.get_pipe("kg_articles")
        self.relations = self.nlp.get_pipe("kg_relations")
        self.relations.candidates = True  # what a scorer judges: the rules' candidates and the others

    def process(self, documents: list[Document]) -> list[Doc]:
        return list(self.nlp.pipe(make_docs(self.nlp, documents)))

    def with_events(self, doc: Doc, events: LinearModel | None) -> Doc:
        """Events chosen by ``events`` (None: by the rules), then articles and relations again."""
        from spacy.tokens import SpanGroup

        if events is None:
            from .events import EventRecognizer

            kept = []
            for c in doc.spans["event_candidates"]:
                c._.info.confidence = EventRecognizer.rule_score(c._.info.features)
                if c._.info.confidence >= 0.5:
                    kept.append(c)
        else:
            scorer = EventScorer.__new__(EventScorer)
            scorer.model = events
            scorer(doc)
            kept = list(doc.spans["events"])
        for c in doc.spans["event_candidates"]:  # a fresh start for what kg_articles sets
            c._.info.refers_to = None
            c._.info.date = c._.info.end_date = None
        doc.spans["events"] = SpanGroup(doc, name="events", spans=kept)
        return self.relations(self.articles(doc))


def _apply_relations(doc: Doc, model: LinearModel | None) -> Doc:
    if model is not None:
        scorer = RelationScorer.__new__(RelationScorer)
        scorer.model = model
        scorer(doc)
    return doc


# --- cross-validation -----------------------------------------------------------------------------


def folds_of(names: list[str], k: int) -> dict[str, int]:
    """Documents dealt into ``k`` folds in name order (a01 -> 0, a02 -> 1, …): each set in every fold."""
    return {n: i % k for i, n in enumerate(sorted(names))}


def _graph_scores(items: list[tuple[Document, Doc]], golds: list[Gold], ontology: str | None) -> dict:
    from kg.build import resolve_corpus
    from kg.rdf import build_graph

    extractions = [to_records(doc, document) for document, doc in items]
    resolved = resolve_corpus(extractions, ontology)
    graph = build_graph(resolved.resolution.entities, resolved.positions, ontology, resolved.relations)
    return score_graph(graph, golds)


@dataclass
class TrainReport:
    documents: list[str]
    folds: int
    rules: dict  # the reference scorer's figures, rules alone
    cross_validated: dict  # the same with the cross-validated models
    event_threshold: float
    relation_thresholds: dict[str, float]  # per relation, chosen on held-out scores
    events: LinearModel | None = None
    relations: LinearModel | None = None


def train(texts: Path = DEV / "texts", gold_dir: Path = DEV / "gold", split: Path | None = DEV / "split.tsv",
          part: str = "develop", folds: int = 5, ontology: str | None = None, log=print,
          min_precision: float = MIN_PRECISION, also: Iterable[tuple[Path, Path]] = ((SEEDS, SEED_GOLD),)) -> TrainReport:
    """Cross-validate, choose thresholds, and train both models on every document of ``part`` and
    of the corpora ``also`` holds (folder of texts, folder of gold; by default the seeds)."""
    parts = read_split(split) if split else None
    golds = {g.doc: g for g in load_gold(gold_dir)}
    names = sorted(n for n in golds if parts is None or parts.get(n) == part)
    paths = [str(Path(texts) / n) for n in names]
    for more_texts, more_gold in also:
        for g in load_gold(more_gold):
            if g.doc in golds:
                raise ValueError(f"{more_gold}: {g.doc} is also in {gold_dir}")
            golds[g.doc] = g
            names.append(g.doc)
            paths.append(str(Path(more_texts) / g.doc))
    documents = [d for d in iter_documents(paths) if not isinstance(d, IngestFailure)]
    by_name = {Path(d.path).name: d for d in documents}
    names = sorted(n for n in names if n in by_name)
    log(f"{len(names)} documents ({part}{' and more' if also else ''}); running the rules over them")
    runner = Runner(ontology)
    docs = dict(zip(names, runner.process([by_name[n] for n in names])))
    index = {n: GoldIndex(golds[n]) for n in names}
    gold_list = [golds[n] for n in names]

    rules = _graph_scores([(by_name[n], runner.with_events(docs[n], None)) for n in names], gold_list, ontology)
    fold = folds_of(names, folds)
    cv_events: dict[str, LinearModel] = {}
    for k in range(folds):
        train_names = [n for n in names if fold[n] != k]
        for n in train_names:
            runner.with_events(docs[n], None)
        cv_events[k] = fit(event_examples([(by_name[n], docs[n], index[n]) for n in train_names]), "events")
    # event threshold: the one that gives the best event F1 on held-out documents
    best_event = (-1.0, 0.5)
    event_scores = {}
    for t in EVENT_THRESHOLDS:
        items = []
        for n in names:
            m = cv_events[fold[n]]
            m.threshold = t
            items.append((by_name[n], runner.with_events(docs[n], m)))
        s = _graph_scores(items, gold_list, ontology)["per_type"]["Event"]["f1"]
        event_scores[t] = s
        best_event = max(best_event, (s, -t))
    event_threshold = -best_event[1]
    log(f"event threshold {event_threshold} (cross-validated event F1 by threshold: {event_scores})")
    for m in cv_events.values():
        m.threshold = event_threshold
    # relation models per fold, trained on candidates of the fold's own events
    cv_relations: dict[int, LinearModel] = {}
    for k in range(folds):
        train_names = [n for n in names if fold[n] != k]
        processed = [(by_name[n], runner.with_events(docs[n], cv_events[k]), index[n]) for n in train_names]
        cv_relations[k] = fit(relation_examples(processed), "relations")
    held_out = {n: runner.with_events(docs[n], cv_events[fold[n]]) for n in names}
    # thresholds per relation from the held-out scores
    held_ex = Examples()
    held_scores: list[float] = []
    for n in names:
        ex = relation_examples([(by_name[n], held_out[n], index[n])])
        model = cv_relations[fold[n]]
        held_scores += [model.score(f) for f in ex.features]
        held_ex.features += ex.features
        held_ex.labels += ex.labels
        held_ex.keys += ex.keys
    n_gold: dict[str, int] = {}
    for n in names:
        for _, p, _ in index[n].relations:
            n_gold[p] = n_gold.get(p, 0) + 1
    thresholds, proxy = choose_thresholds(held_scores, held_ex, n_gold, min_precision)
    log(f"relation thresholds {thresholds} (held-out facts: {proxy})")
    items = []
    for n in names:
        m = cv_relations[fold[n]]
        m.thresholds = thresholds
        items.append((by_name[n], _apply_relations(held_out[n], m)))
    cross_validated = _graph_scores(items, gold_list, ontology)
    # the models shipped: every document of the part
    events = fit(event_examples([(by_name[n], runner.with_events(docs[n], None), index[n]) for n in names]), "events")
    events.threshold = event_threshold
    processed = [(by_name[n], runner.with_events(docs[n], events), index[n]) for n in names]
    relations = fit(relation_examples(processed), "relations")
    relations.thresholds = thresholds
    report = TrainReport(names, folds, rules, cross_validated, event_threshold, thresholds, events, relations)
    meta = {"documents": len(names), "part": part, "folds": folds, "min_precision": min_precision,
            "cross_validated": _summary(cross_validated), "rules": _summary(rules)}
    events.meta = dict(meta)
    relations.meta = dict(meta)
    return report


def _summary(s: dict) -> dict:
    return {k: {m: s[k][m] for m in ("precision", "recall", "f1")} for k in ("entities_typed", "relations", "positions")} | {
        "events": {m: s["per_type"]["Event"][m] for m in ("precision", "recall", "f1")}}


def format_report(r: TrainReport) -> str:
    def cell(s):
        return f"{s['f1']:.3f} ({s['precision']:.2f}/{s['recall']:.2f})"

    lines = [f"{len(r.documents)} documents, {r.folds}-fold cross-validation by document; F1 (precision/recall)",
             f"{'':14}{'entities':<19}{'events':<19}{'relations':<19}{'positions':<19}"]
    for name, s in (("rules alone", r.rules), ("with models", r.cross_validated)):
        lines.append(f"{name:<14}{cell(s['entities_typed']):<19}{cell(s['per_type']['Event']):<19}"
                     f"{cell(s['relations']):<19}{cell(s['positions']):<19}")
    lines.append(f"thresholds: events {r.event_threshold}; relations " +
                 ", ".join(f"{p} {t}" for p, t in sorted(r.relation_thresholds.items())))
    per = r.cross_validated["per_predicate"]
    lines.append("relations with models, per predicate: " + ", ".join(
        f"{p} {v['f1']:.2f} ({v['precision']:.2f}/{v['recall']:.2f})" for p, v in per.items()))
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m extract.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--texts", type=Path, default=DEV / "texts")
    ap.add_argument("--gold", type=Path, default=DEV / "gold")
    ap.add_argument("--split", type=Path, default=DEV / "split.tsv")
    ap.add_argument("--part", default="develop")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--min-precision", type=float, default=MIN_PRECISION,
                    help="choose relation thresholds for the best F1 at this precision at least")
    ap.add_argument("--no-seeds", action="store_true", help="do not also train on the seeds")
    ap.add_argument("--dry-run", action="store_true", help="cross-validate only; write no model")
    args = ap.parse_args(list(argv) if argv is not None else None)
    report = train(args.texts, args.gold, args.split, args.part, args.folds, log=lambda m: print(m, file=sys.stderr),
                   min_precision=args.min_precision, also=[] if args.no_seeds else [(SEEDS, SEED_GOLD)])
    print(format_report(report))
    if not args.dry_run:
        for m in (report.events, report.relations):
            print(f"wrote {m.save(args.out / f'{m.name}.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
