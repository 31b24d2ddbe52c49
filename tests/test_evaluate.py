"""``kg eval`` and :mod:`kg.evaluate`: the reference scorer's figures, group by group.

The reference is ``tests/reference/score.py`` (a copy of ``../shared/tools/score.py``, the scorer
that passages nobody here has seen are scored with); ``kg eval`` must say what it says.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from kg.cli import main
from kg.evaluate import GoldError, groups_of, load_gold, score_graph

HERE = Path(__file__).parent
DEV = HERE / "data" / "dev"
SEEDS = HERE.parent / "seeds"


def _reference():
    spec = importlib.util.spec_from_file_location("reference_score", HERE / "reference" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


REFERENCE_KEYS = ("entities", "entities_typed", "relations", "positions")


def _same_as_reference(ours: dict, ref: dict) -> None:
    for key in REFERENCE_KEYS:
        assert (ours[key]["precision"], ours[key]["recall"], ours[key]["f1"]) == ref[key], key
    for t, (p, r, f, n_sys, n_gold) in ref["per_type"].items():
        s = ours["per_type"][t]
        assert (s["precision"], s["recall"], s["f1"], s["system"], s["gold"]) == (p, r, f, n_sys, n_gold), t
    for pred, (p, r, f, n_sys, n_gold) in ref["per_predicate"].items():
        s = ours["per_predicate"][pred]
        assert (s["precision"], s["recall"], s["f1"], s["system"], s["gold"]) == (p, r, f, n_sys, n_gold), pred
    assert ours["duplicated_gold_entities"] == ref["duplicated_gold_entities"]


# a small graph with the cases the reference treats specially: an event named by containment
# (either way, the shorter side at least 5 characters), a type read through rdfs:subClassOf, an
# alias, a duplicate, a post with and without its body, a relation whose object is untyped
GRAPH = """
@prefix kg: <https://example.org/o#> . @prefix id: <https://example.org/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org: <http://www.w3.org/ns/org#> .
kg:Association rdfs:subClassOf kg:Organization . kg:Company rdfs:subClassOf kg:Organization .
id:a a kg:Association ; rdfs:label "中国机械工业质量管理协会"@zh ; skos:altLabel "中机质协"@zh .
id:a2 a kg:Association ; rdfs:label "中 机 质 协"@zh .
id:c a kg:Company ; rdfs:label "东方精工有限公司"@zh .
id:e a kg:Event ; rdfs:label "2021年全国质量工作会议在京召开"@zh .
id:e2 a kg:Event ; rdfs:label "质量会议"@zh .
id:p a kg:Person ; rdfs:label "王建国"@zh .
id:q a kg:Person ; rdfs:label "李明"@zh .
id:a kg:hosted id:e . id:c kg:coHosted id:e . id:p kg:attended id:e . id:q kg:attended id:e2 .
id:p kg:spokeAt id:x .
id:m a org:Membership ; org:member id:p ; org:role [ rdfs:label "副会长" ] ; org:organization id:a .
id:m2 a org:Membership ; org:member id:q ; org:role [ rdfs:label "董事长" ] .
"""
GOLD = {
    "doc": "x.txt",
    "entities": [
        {"id": "cmiqma", "type": "Association", "names": ["中国机械工业质量管理协会", "中机质协"]},
        {"id": "df", "type": "Association", "names": ["东方精工有限公司"]},
        {"id": "ev", "type": "Event", "names": ["2021年全国质量工作会议"], "date": "2021-05"},
        {"id": "wang", "type": "Person", "names": ["王建国"]},
        {"id": "li", "type": "Person", "names": ["李明"]},
        {"id": "award", "type": "Award", "names": ["机械工业质量奖"]},
    ],
    "relations": [["cmiqma", "hosted", "ev"], ["df", "coHosted", "ev"], ["wang", "attended", "ev"],
                  ["li", "attended", "ev"], ["wang", "spokeAt", "ev"]],
    "positions": [["wang", "副会长", "cmiqma"], ["li", "董事长", "df"], ["li", "总经理", None]],
}


@pytest.fixture
def small(tmp_path):
    ttl = tmp_path / "graph.ttl"
    ttl.write_text(GRAPH, encoding="utf-8")
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "x.txt.json").write_text(json.dumps(GOLD, ensure_ascii=False), encoding="utf-8")
    return ttl, gold


def test_score_graph_says_what_the_reference_says(small):
    ttl, gold = small
    g = Graph().parse(ttl)
    ours = score_graph(g, load_gold(gold))
    _same_as_reference(ours, _reference().score(str(ttl), str(gold)))
    # and what a reader of the graph expects
    assert ours["per_type"]["Event"]["recall"] == 1.0  # by containment
    assert ours["duplicated_gold_entities"] == 1  # 中机质协 twice
    assert ours["per_type"]["Association"]["gold"] == 2 and ours["per_type"]["Association"]["recall"] == 0.5
    assert "x.txt: 机械工业质量奖" in " ".join(ours["entities_missed"])
    assert "李明 attended 质量会议" in ours["relations_spurious"]
    assert ours["event_dates"] == {"correct": 0, "wrong": 0, "missing": 1}


@pytest.mark.parametrize("names, label, matches", [
    (["2021年全国质量工作会议"], "2021年全国质量工作会议暨表彰大会", True),  # gold inside the label
    (["2021年全国质量工作会议暨表彰大会"], "全国质量工作会议", True),  # label inside gold, 8 characters
    (["2021年质量工作会议"], "工作会议", False),  # 4 characters: too short to count
    (["中机质协"], "中机质协会员大会", False),  # containment is for events only
])
def test_event_names_match_by_containment(tmp_path, names, label, matches):
    typ = "Event" if label.endswith(("会议", "大会")) and names[0].endswith(("会议", "大会")) else "Association"
    g = Graph().parse(data=f'@prefix kg: <https://example.org/o#> . <https://example.org/id/n> a kg:{typ} ; '
                           f'<http://www.w3.org/2000/01/rdf-schema#label> "{label}" .', format="turtle")
    gold = [__import__("kg.evaluate", fromlist=["Gold"]).Gold(
        "d.txt", [{"id": "x", "type": typ, "names": names}], [], [])]
    assert (score_graph(g, gold)["entities_typed"]["recall"] == 1.0) is matches


def test_groups_are_parts_then_sets():
    split = {"a01.txt": "develop", "a02.txt": "report", "b01.txt": "develop", "c01.txt": "other"}
    groups = groups_of(list(split), split, parts=["develop", "report"])
    assert groups == {"develop": ["a01.txt", "b01.txt"], "develop/a": ["a01.txt"], "develop/b": ["b01.txt"],
                      "report": ["a02.txt"]}
    assert groups_of(["000_x.txt", "001_y.txt"]) == {"all": ["000_x.txt", "001_y.txt"]}


# --- kg eval ----------------------------------------------------------------------------------------

NEWS = (
    "东方精工有限公司召开质量工作会议\n\n"
    "2021年5月，东方精工有限公司在苏州召开2021年质量工作会议。"
    "公司董事长陈志强主持会议，中国轴承工业协会副会长王建国出席并讲话。\n"
)
NEWS_GOLD = {
    "doc": "news.txt",
    "entities": [
        {"id": "dongfang", "type": "Company", "names": ["东方精工有限公司"]},
        {"id": "bearing", "type": "Association", "names": ["中国轴承工业协会"]},
        {"id": "chen", "type": "Person", "names": ["陈志强"]},
        {"id": "wang", "type": "Person", "names": ["王建国"]},
        {"id": "meeting", "type": "Event", "names": ["2021年质量工作会议"], "date": "2021-05", "place": "苏州"},
        {"id": "suzhou", "type": "Place", "names": ["苏州"]},
    ],
    "relations": [["dongfang", "hosted", "meeting"], ["chen", "chaired", "meeting"], ["chen", "attended", "meeting"],
                  ["wang", "spokeAt", "meeting"], ["wang", "attended", "meeting"], ["meeting", "heldIn", "suzhou"]],
    "positions": [["chen", "董事长", "dongfang"], ["wang", "副会长", "bearing"]],
}


@pytest.fixture
def news(tmp_path):
    corpus, gold = tmp_path / "corpus", tmp_path / "gold"
    corpus.mkdir()
    gold.mkdir()
    (corpus / "news.txt").write_text(NEWS, encoding="utf-8")
    (gold / "news.txt.json").write_text(json.dumps(NEWS_GOLD, ensure_ascii=False), encoding="utf-8")
    return corpus, gold


def _table(output: str) -> dict[str, tuple[float, float, float, int, int]]:
    rows = {}
    for line in output.splitlines():
        mt = re.match(r"\s*([\w, ]+?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+(\d+)$", line)
        if mt:
            rows[mt.group(1)] = (*(float(x) for x in mt.group(2, 3, 4)), int(mt.group(5)), int(mt.group(6)))
    return rows


def test_eval_prints_a_table_per_type_and_relation(news):
    corpus, gold = news
    result = CliRunner().invoke(main, ["eval", str(corpus), str(gold)])
    assert result.exit_code == 0, result.output
    rows = _table(result.stdout)
    assert {"entities", "entities, typed", "Person", "Company", "Event", "relations", "positions"} <= set(rows)
    assert rows["Person"][1] == rows["Company"][1] == 1.0  # every name of the passage is found
    assert rows["relations"][4] == 6 and rows["positions"][4] == 2  # gold counts as written
    assert re.search(r"^all\s+1\s+", result.stdout, re.M)  # the summary line


def test_eval_json_has_the_misses(news):
    corpus, gold = news
    result = CliRunner().invoke(main, ["eval", str(corpus), str(gold), "--json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)["groups"]["all"]
    assert report["documents"] == ["news.txt"]
    assert report["per_type"]["Person"]["gold"] == 2
    assert isinstance(report["relations_missed"], list) and isinstance(report["relations_spurious"], list)


@pytest.mark.parametrize("content, reason", [
    ('{"doc": "news.txt", "entities": [', "not valid JSON"),
    ('{"doc": "news.txt"}', "missing 'entities'"),
    ('{"doc": "news.txt", "entities": [{"id": "a", "type": "Persn", "names": ["王建国"]}]}', "unknown type"),
    ('{"doc": "news.txt", "entities": [{"id": "a", "type": "Person", "names": ["王建国"]}], '
     '"positions": [["a", "会长", "nobody"]]}', "nobody"),
    ('{"doc": "news.txt", "entities": [{"id": "a", "type": "Person", "names": ["王建国"]}], '
     '"relations": [["a", "hosts", "a"]]}', "known predicate"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
], ids=["truncated", "no-entities", "unknown-type", "dangling-id", "unknown-predicate", "binary"])
def test_eval_malformed_gold_names_the_file(news, content, reason):
    corpus, gold = news
    bad = gold / "news.txt.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = CliRunner().invoke(main, ["eval", str(corpus), str(gold)])
    assert result.exit_code != 0
    assert str(bad) in result.stderr and reason in result.stderr
    assert "Traceback" not in result.output


def test_eval_gold_naming_a_missing_document(news, tmp_path):
    _, gold = news
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["eval", str(empty), str(gold)])
    assert result.exit_code != 0
    assert "news.txt" in result.stderr and "not found" in result.stderr


def test_eval_empty_gold_dir(news, tmp_path):
    corpus, _ = news
    empty = tmp_path / "nogold"
    empty.mkdir()
    result = CliRunner().invoke(main, ["eval", str(corpus), str(empty)])
    assert result.exit_code != 0
    assert str(empty) in result.stderr and "no gold" in result.stderr


def test_the_development_data_is_whole():
    gold = load_gold(DEV / "gold")
    assert len(gold) == 116
    assert sorted(p.name for p in (DEV / "texts").iterdir()) == sorted(g.doc for g in gold)
    split = dict(line.split("\t") for line in (DEV / "split.tsv").read_text(encoding="utf-8").splitlines()
                 if line and not line.startswith("#"))
    assert sorted(split) == sorted(g.doc for g in gold)
    parts = {s.strip() for s in split.values()}
    assert parts == {"develop", "report"}
    with pytest.raises(GoldError):
        load_gold(DEV / "texts")


@pytest.mark.slow
def test_kg_eval_agrees_with_the_reference_on_a_build(tmp_path):
    """``kg build`` a part of the development data, score graph.ttl with the reference, and compare
    with what ``kg eval`` says of the same part."""
    from kg.build import build
    from kg.evaluate import evaluate, read_split

    split = read_split(DEV / "split.tsv")
    docs = sorted(d for d, part in split.items() if part == "report" and d[0] in "acfh")
    corpus, gold = tmp_path / "corpus", tmp_path / "gold"
    corpus.mkdir()
    gold.mkdir()
    for d in docs:
        (corpus / d).write_bytes((DEV / "texts" / d).read_bytes())
        (gold / f"{d}.json").write_bytes((DEV / "gold" / f"{d}.json").read_bytes())
    build([str(corpus)], tmp_path / "out", incremental=False)
    ref = _reference().score(str(tmp_path / "out" / "graph.ttl"), str(gold))
    ours = evaluate(corpus, gold, by_set=False)
    assert ours.documents["all"] == docs
    _same_as_reference(ours.groups["all"], ref)
