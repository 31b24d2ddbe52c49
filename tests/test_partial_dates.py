"""Events dated by month or year keep that date: in the records, the graph (xsd:gYearMonth /
xsd:gYear beside xsd:date), SHACL, the stored queries, the page and the evaluation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg.cli import main
from kg.records import Entity, Mention
from kg.resolve import resolve
from kg.ontology.vocab import KG

ROOT = Path(__file__).resolve().parent.parent


def kg(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# --- records: resolution keeps the most precise date of an event ---------------------------------

FORUM = Mention("d", "2023年轴承质量论坛", "Event", 10, 20, 0, 0, "t", 0.9, "2023年轴承质量论坛")


def test_resolution_keeps_the_most_precise_date_of_an_event():
    from dataclasses import replace

    a = replace(FORUM, doc_id="a.txt", date="2023-05")
    b = replace(FORUM, doc_id="b.txt", date="2023-05-18", start=40, end=50)
    (event,) = resolve([a, b]).entities
    assert event.date == "2023-05-18"
    (event,) = resolve([a]).entities
    assert event.date == "2023-05"


# --- graph and SHACL ---------------------------------------------------------------------------------

def _event(eid: str, date: str | None, end: str | None = None) -> Entity:
    return Entity(f"event/{eid}", "Event", eid, [], 1, ["a.txt"], None, 0.9, date, end)


def test_dates_are_typed_by_their_precision_and_conform():
    from kg.rdf import build_dataset, build_graph, entity_iri
    from kg.records import DocumentExtraction
    from kg.rdf.shacl import validate

    entities = [_event("月会", "2023-05"), _event("年会", "2023"), _event("日会", "2023-05-18", "2023-05-19")]
    g = build_graph(entities)
    assert g.value(entity_iri("event/月会"), KG.date) == Literal("2023-05", datatype=XSD.gYearMonth)
    assert g.value(entity_iri("event/年会"), KG.date) == Literal("2023", datatype=XSD.gYear)
    assert g.value(entity_iri("event/日会"), KG.date) == Literal("2023-05-18", datatype=XSD.date)
    assert g.value(entity_iri("event/日会"), KG.endDate) == Literal("2023-05-19", datatype=XSD.date)
    assert validate(g).conforms, validate(g).text
    ds = build_dataset([DocumentExtraction("a.txt", "a.txt", "0" * 64, None, None, [], [])], entities, [], [])
    assert validate(ds).conforms


SHAPES_CASE = """\
@prefix kg: <https://example.org/cnqkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/cnqkg/id/event/x> a kg:Event ; rdfs:label "论坛"@zh ; {dates} .
"""


@pytest.mark.parametrize("dates, message", [
    ('kg:date "2023-05"^^xsd:gYearMonth', None),
    ('kg:date "2023"^^xsd:gYear', None),
    ('kg:date "2023-13"^^xsd:gYearMonth', "kg:date is a well-formed"),
    ('kg:date "2023-5"^^xsd:gYearMonth', "kg:date is a well-formed"),
    ('kg:date "23"^^xsd:gYear', "kg:date is a well-formed"),
    ('kg:date "2023-05"', "kg:date is a well-formed"),
    ('kg:date "2023-05"^^xsd:gYearMonth ; kg:endDate "2023-05-20"^^xsd:date', "has a day (xsd:date) as kg:date"),
])
def test_shapes_accept_days_months_and_years(dates, message):
    from kg.rdf.shacl import validate

    report = validate(Graph().parse(data=SHAPES_CASE.replace("{dates}", dates), format="turtle"))
    if message is None:
        assert report.conforms, report.text
    else:
        assert not report.conforms and any(message in v["message"] for v in report.violations), report.text


def test_ontology_ranges_allow_days_months_and_years():
    from kg.ontology import load_ontology

    onto = load_ontology()
    for prop, allowed in ((KG.date, {XSD.date, XSD.gYearMonth, XSD.gYear}), (KG.endDate, {XSD.date})):
        (rng,) = onto.objects(prop, URIRef("http://www.w3.org/2000/01/rdf-schema#range"))
        members = set(onto.items(onto.value(rng, URIRef("http://www.w3.org/2002/07/owl#unionOf")))) or {rng}
        assert members == allowed, prop


# --- stored queries ----------------------------------------------------------------------------------

TRIG = """\
@prefix kg: <https://example.org/cnqkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix e: <https://example.org/cnqkg/id/event/> .
<https://example.org/cnqkg/id/source/a.txt> {
  e:y2022 a kg:Event ; rdfs:label "2022年年会"@zh ; kg:date "2022"^^xsd:gYear .
  e:d1230 a kg:Event ; rdfs:label "跨年培训班"@zh ; kg:date "2022-12-30"^^xsd:date ; kg:endDate "2023-01-02"^^xsd:date .
  e:y2023 a kg:Event ; rdfs:label "2023年年会"@zh ; kg:date "2023"^^xsd:gYear .
  e:m05 a kg:Event ; rdfs:label "五月论坛"@zh ; kg:date "2023-05"^^xsd:gYearMonth .
  e:d0518 a kg:Event ; rdfs:label "五月十八日大会"@zh ; kg:date "2023-05-18"^^xsd:date .
  e:m06 a kg:Event ; rdfs:label "六月论坛"@zh ; kg:date "2023-06"^^xsd:gYearMonth .
  e:d0601 a kg:Event ; rdfs:label "六月一日会议"@zh ; kg:date "2023-06-01"^^xsd:date .
}
"""


@pytest.fixture(scope="module")
def dated(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("dated")
    (d / "graph.trig").write_text(TRIG, encoding="utf-8")
    return d


def _events(out: Path, **params) -> list[tuple[str, str | None, str]]:
    from kg.query import run_query

    rows = run_query("events-by-date", out, params=params, limit=None).rows
    return [(str(r[0]), str(r[1]) if r[1] is not None else None, r[2]) for r in rows]


ALL = [("2022", None, "2022年年会"), ("2022-12-30", "2023-01-02", "跨年培训班"), ("2023", None, "2023年年会"),
       ("2023-05", None, "五月论坛"), ("2023-05-18", None, "五月十八日大会"), ("2023-06", None, "六月论坛"),
       ("2023-06-01", None, "六月一日会议")]


@pytest.mark.parametrize("params, labels", [
    ({}, [r[2] for r in ALL]),  # a month or year sorts before the days it holds
    ({"from": "2023-05"}, ["2023年年会", "五月论坛", "五月十八日大会", "六月论坛", "六月一日会议"]),
    ({"from": "2023-05", "to": "2023-05"}, ["2023年年会", "五月论坛", "五月十八日大会"]),
    ({"from": "2023-05-19", "to": "2023-05-31"}, ["2023年年会", "五月论坛"]),
    ({"from": "2023-06-01"}, ["2023年年会", "六月论坛", "六月一日会议"]),
    ({"to": "2022"}, ["2022年年会", "跨年培训班"]),
    ({"from": "2023", "to": "2023-01-01"}, ["跨年培训班", "2023年年会"]),  # overlaps by its end date
    ({"from": "2024"}, []),
])
def test_events_by_date_takes_days_months_and_years(dated, params, labels):
    assert [r[2] for r in _events(dated, **params)] == labels


def test_events_by_date_gives_partial_dates_as_written(dated):
    assert _events(dated) == ALL


@pytest.mark.parametrize("value", ["2023-13", "2023-5", "2023/05", "23", "2023-02-29", "May 2023"])
def test_a_date_parameter_that_is_not_a_day_month_or_year_is_refused(dated, value):
    from kg.query import StoredQueryError, run_query

    with pytest.raises(StoredQueryError, match="not a valid date"):
        run_query("events-by-date", dated, params={"from": value})


def test_kg_query_takes_a_month_parameter(dated):
    r = kg("query", "events-by-date", "--graph", dated, "-p", "from=2020-09", "-p", "to=2022", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[1:] == ["2022,,2022年年会,", "2022-12-30,2023-01-02,跨年培训班,"]


# --- end to end: a month-only event from text to query and page -------------------------------------

MONTH_NEWS = (
    "轴承协会举办质量论坛\n\n"
    "2023年5月，中国轴承工业协会在洛阳举办2023年轴承质量论坛。协会会长张伟主持论坛。\n"
)


def test_a_month_only_event_is_found_by_events_by_date(tmp_path):
    (tmp_path / "news.txt").write_text(MONTH_NEWS, encoding="utf-8")
    out = tmp_path / "out"
    r = kg("build", tmp_path / "news.txt", "-o", out)
    assert r.exit_code == 0, r.output
    assert "SHACL: conforms" in r.stderr
    r = kg("query", "events-by-date", "--graph", out, "-p", "from=2023-05", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[1][:3] == ["2023-05", "", "2023年轴承质量论坛"]
    assert kg("query", "events-by-date", "--graph", out, "-p", "from=2023-06", "--format", "csv").stdout.splitlines() \
        == ["date,endDate,eventLabel,place"]
    # the page shows it
    from kg.network import load_network
    from kg.viz import page_data

    info = {i["label"]: i for i in page_data(load_network(out))["info"]}
    assert info["2023年轴承质量论坛"]["date"] == "2023-05"
    assert (out / "graph.html").read_text(encoding="utf-8").count('"2023-05"') >= 1


# --- evaluation: gold dates of every precision --------------------------------------------------------

EVAL_GRAPH = """\
@prefix kg: <https://example.org/cnqkg/ontology#> . @prefix id: <https://example.org/cnqkg/id/event/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:d a kg:Event ; rdfs:label "日会议"@zh ; kg:date "2023-05-18"^^xsd:date .
id:m a kg:Event ; rdfs:label "月会议"@zh ; kg:date "2023-05"^^xsd:gYearMonth .
id:y a kg:Event ; rdfs:label "年会议"@zh ; kg:date "2023"^^xsd:gYear .
id:r a kg:Event ; rdfs:label "期会议"@zh ; kg:date "2023-05-18"^^xsd:date ; kg:endDate "2023-05-20"^^xsd:date .
id:w a kg:Event ; rdfs:label "错会议"@zh ; kg:date "2023-06-02"^^xsd:date .
id:n a kg:Event ; rdfs:label "缺会议"@zh .
"""


def test_event_dates_of_every_precision_are_scored():
    from kg.evaluate import Gold, score_graph

    gold = Gold("x.txt", [{"id": i, "type": "Event", "names": [name], "date": date} for i, name, date in [
        ("d", "日会议", "2023-05-18"), ("m", "月会议", "2023-05"), ("y", "年会议", "2023"),
        ("r", "期会议", "2023-05-18/2023-05-20"), ("w", "错会议", "2023-06"), ("n", "缺会议", "2022")]], [], [])
    report = score_graph(Graph().parse(data=EVAL_GRAPH, format="turtle"), [gold])
    assert report["event_dates"] == {"correct": 4, "wrong": 1, "missing": 1}


def test_kg_eval_scores_a_month_only_event_from_the_text(tmp_path):
    import json

    corpus, gold = tmp_path / "corpus", tmp_path / "gold"
    corpus.mkdir()
    gold.mkdir()
    (corpus / "news.txt").write_text(MONTH_NEWS, encoding="utf-8")
    (gold / "news.txt.json").write_text(json.dumps({"doc": "news.txt", "entities": [
        {"id": "f", "type": "Event", "names": ["2023年轴承质量论坛"], "date": "2023-05"}]}, ensure_ascii=False),
        encoding="utf-8")
    r = kg("eval", corpus, gold, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["groups"]["all"]["event_dates"] == {"correct": 1, "wrong": 0, "missing": 0}
