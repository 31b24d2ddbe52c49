"""The trained scorers: the model file, the pipeline with and without them, training, and the scores
they reach on passages they never saw (a ratchet: a change that loses them fails here).

The ratchet and the traditional-character comparison build the development data
(``tests/data/dev``) with the shipped models and score it with the reference scorer's rules
(:mod:`kg.evaluate`); they are marked slow and run in CI.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from extract.model import LinearModel, model_path, relation_features
from extract.pipeline import build_nlp, extract_document, get_nlp, models_available
from kg.cli import main
from kg.evaluate import evaluate, read_split
from kg.ingest import ingest_text

DEV = Path(__file__).parent / "data" / "dev"
NEWS = ("华夏智能装备行业协会召开2021年会员代表大会\n\n"
        "3月15日，华夏智能装备行业协会在北京召开2021年会员代表大会。协会会长李明华出席会议并讲话，"
        "东方精工有限公司董事长王建国主持会议。")


def test_the_models_ship_with_the_package():
    assert models_available()
    for name in ("events", "relations"):
        m = LinearModel.load(model_path(name))
        assert m.weights and 0 < m.threshold < 1
        assert m.meta["cross_validated"]["relations"]["f1"] > 0  # it carries how it was measured


def test_a_model_file_round_trips(tmp_path):
    m = LinearModel("demo", {"year": 1.5, "attended|before": -0.5}, 0.25, 0.6, {"documents": 3}, {"attended": 0.7})
    back = LinearModel.load(m.save(tmp_path / "demo.json"))
    assert back == m
    f = relation_features("attended", {"before": 1.0, "year": 1.0})
    assert back.score(f) == m.score(f)
    assert back.threshold_for("attended") == 0.7 and back.threshold_for("hosted") == 0.6


def test_relation_features_are_conjoined_with_the_predicate():
    f = relation_features("spokeAt", {"trig=讲话": 1.0, "before": 1.0})
    assert {"p=spokeAt", "spokeAt|trig=讲话", "spokeAt|before", "spokeAt|trig=讲话&before"} <= set(f)


_SHIPPED = LinearModel.load(model_path("relations"))
_FEATURES = sorted({k.partition("|")[2].partition("&")[0] for k in _SHIPPED.weights if "|" in k}
                   | {k for k in _SHIPPED.weights if "|" not in k and not k.startswith("p=")})
_PREDICATES = sorted({k[2:] for k in _SHIPPED.weights if k.startswith("p=")})


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_PREDICATES), st.lists(st.sampled_from(_FEATURES) | st.text(max_size=6), max_size=25, unique=True))
def test_the_scorer_scores_a_relation_as_its_spelled_out_features_do(predicate, names):
    """The relation scorer looks conjunctions up by their parts (no strings built); the probability is
    the same, to the last bit, as the model's over relation_features (what training sees)."""
    features = dict.fromkeys(names, 1.0)
    assert _SHIPPED.relation_score(predicate, features) == _SHIPPED.score(relation_features(predicate, features))


def test_the_scorers_are_steps_of_the_pipeline_only_with_the_models():
    with_models = build_nlp().pipe_names
    rules = build_nlp(use_model=False).pipe_names
    assert with_models.index("kg_event_scorer") == with_models.index("kg_events") + 1
    assert with_models.index("kg_relation_scorer") == with_models.index("kg_relations") + 1
    assert "kg_event_scorer" not in rules and "kg_relation_scorer" not in rules
    assert build_nlp().analyze_pipes(pretty=False)["problems"] == {n: [] for n in with_models}


def test_a_threshold_decides_what_the_relation_scorer_keeps():
    nlp = get_nlp()
    scorer = nlp.get_pipe("kg_relation_scorer")
    doc = ingest_text(NEWS, doc_id="t.txt")
    kept_all = replace(scorer.model, thresholds={}, threshold=0.0)
    kept_none = replace(scorer.model, thresholds={}, threshold=1.01)
    try:
        scorer.model = kept_all
        every = extract_document(doc).relations
        scorer.model = kept_none
        assert extract_document(doc).relations == []
    finally:
        scorer.model = LinearModel.load(model_path("relations"))
    assert every and all(0.0 < r.confidence <= 1.0 for r in every)


def test_the_confidence_of_a_kept_relation_is_the_models_probability():
    doc = ingest_text(NEWS, doc_id="t.txt")
    ex = extract_document(doc)
    chaired = [r for r in ex.relations if r.predicate == "chaired"]
    assert chaired and all(r.extractor.startswith("relations:") for r in chaired)
    rules = extract_document(doc, use_model=False)
    assert {round(r.confidence, 3) for r in chaired} != {round(r.confidence, 3) for r in rules.relations
                                                        if r.predicate == "chaired"}


def test_kg_build_no_model_reads_with_the_rules_alone(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "news.txt").write_text(NEWS, encoding="utf-8")
    for flag, out in (([], "m"), (["--no-model"], "r")):
        result = CliRunner().invoke(main, ["build", str(tmp_path / "in"), "-o", str(tmp_path / out), *flag])
        assert result.exit_code == 0, result.output
    rules = (tmp_path / "r" / "graph.trig").read_text(encoding="utf-8")
    model = (tmp_path / "m" / "graph.trig").read_text(encoding="utf-8")
    assert "relations:candidate" not in rules  # only the scorer keeps candidates the rules did not read
    assert rules != model


@pytest.mark.slow
def test_training_is_deterministic_and_reports_rules_beside_models(tmp_path):
    from extract.train import format_report, train

    split = read_split(DEV / "split.tsv")
    docs = sorted(d for d, part in split.items() if part == "develop")[::6]  # one in six, every set
    texts, gold = tmp_path / "texts", tmp_path / "gold"
    texts.mkdir()
    gold.mkdir()
    for d in docs:
        shutil.copy(DEV / "texts" / d, texts / d)
        shutil.copy(DEV / "gold" / f"{d}.json", gold / f"{d}.json")
    runs = [train(texts, gold, None, "develop", folds=2, log=lambda m: None, also=()) for _ in range(2)]
    assert json.dumps(runs[0].relations.to_dict(), sort_keys=True) == json.dumps(runs[1].relations.to_dict(), sort_keys=True)
    assert runs[0].events.to_dict() == runs[1].events.to_dict()
    text = format_report(runs[0])
    assert "rules alone" in text and "with models" in text
    assert runs[0].relations.meta["documents"] == len(docs)


# --- the ratchet: the report part, never read while tuning ----------------------------------------

# what the shipped models reach on the 38 passages of the report part (kg eval tests/data/dev/texts
# tests/data/dev/gold --split tests/data/dev/split.tsv --part report); a change that loses more than
# a hair of any of them fails. Raise them when the extractor gets better.
REPORT_FLOOR = {"entities_typed": 0.865, "events": 0.865, "relations": 0.648, "positions": 0.815}
REPORT_FLOOR_PRECISION = {"relations": 0.755}
RULES_FLOOR = {"entities_typed": 0.855, "events": 0.82, "relations": 0.58, "positions": 0.815}


def _figures(report: dict) -> dict:
    return {"entities_typed": report["entities_typed"], "events": report["per_type"]["Event"],
            "relations": report["relations"], "positions": report["positions"]}


@pytest.mark.slow
@pytest.mark.parametrize("use_model, floor", [(True, REPORT_FLOOR), (False, RULES_FLOOR)], ids=["models", "rules"])
def test_the_report_part_keeps_its_scores(use_model, floor):
    ev = evaluate(DEV / "texts", DEV / "gold", DEV / "split.tsv", parts=["report"], by_set=False, use_model=use_model)
    got = _figures(ev.groups["report"])
    for key, value in floor.items():
        assert got[key]["f1"] >= value, (key, got[key])
    if use_model:
        for key, value in REPORT_FLOOR_PRECISION.items():
            assert got[key]["precision"] >= value, (key, got[key])


@pytest.mark.slow
def test_traditional_characters_score_as_simplified_ones_do(tmp_path):
    """Set g (Hong Kong, Macau, Taiwan, an older mainland page, in traditional characters) against all
    simplified sets: events and relations within 0.05 F1."""
    split = tmp_path / "scripts.tsv"
    split.write_text("".join(f"{p.name}\t{'traditional' if p.name.startswith('g') else 'simplified'}\n"
                             for p in sorted((DEV / "texts").iterdir())), encoding="utf-8")
    ev = evaluate(DEV / "texts", DEV / "gold", split, by_set=False)
    trad, simp = _figures(ev.groups["traditional"]), _figures(ev.groups["simplified"])
    for key in ("events", "relations"):
        assert trad[key]["f1"] >= simp[key]["f1"] - 0.05, (key, trad[key], simp[key])
