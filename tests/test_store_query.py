"""The embedded store (kg.store) and SPARQL queries (kg.query) on a hand-written TriG fixture.

``tests/data/query_graph.trig`` has three source documents as named graphs, the ontology's subclass
axioms in the default graph, facts repeated across documents and an organization whose name is
SPARQL syntax. Every stored query is run and its rows compared with rows worked out by hand.
The store's default graph holds each fact once; provenance stays in the documents' named graphs.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.query import (
    paginate,
    IRI,
    QueryError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoredQueryError,
    UpdateRefusedError,
    bind_parameters,
    close_workers,
    entity_lookup,
    list_queries,
    parse_query_text,
    resolve_query,
    run_query,
    to_python,
)
from kg.lookup import AmbiguousName, NameNotFound
from kg.rdf import GraphNotFoundError, GraphUnreadable, graph_file
from kg.store import (
    MANIFEST,
    load_store,
    open_rdflib,
    open_store,
    read_manifest,
    store_is_current,
)

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "query_graph.trig"
FIXTURE_QUADS = 153
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _fixture_facts() -> set:
    """The fixture's distinct triples without its one reified statement and the provenance links."""
    quads = list(ox.parse(path=str(FIXTURE)))
    statements = {q.subject for q in quads if q.predicate.value == RDF + "type" and q.object.value == RDF + "Statement"}
    return {(q.subject, q.predicate, q.object) for q in quads
            if q.subject not in statements and q.predicate.value != PROV + "wasDerivedFrom"}


FIXTURE_FACTS = len(_fixture_facts())
SRC = "https://example.org/cnqkg/id/source/"

CONF = "2020年全国机械工业质量品牌工作会议"
FORUM = "质量发展专家座谈会"
MONTH = "2021年全国“质量月”活动"
STD = "第五届质量标准化论坛"
CMIQMA = "中国机械工业质量管理协会"
CAQ = "中国质量协会"
MIIT = "工业和信息化部"
MIIT_ST = "工业和信息化部科技司"
SAMR = "国家市场监督管理总局"
WEICHAI = "潍柴动力股份有限公司"
ZZU = "郑州大学"
WEIRD = '测试"} ; DROP ALL ; #公司'


@pytest.fixture(scope="module")
def out(query_graph_out: Path) -> Path:
    return query_graph_out


@pytest.fixture
def fresh(tmp_path) -> Path:
    """A graph folder of its own, for tests that change the store or the graph file."""
    shutil.copy(FIXTURE, tmp_path / "graph.trig")
    yield tmp_path
    close_workers()


def plain(rows):
    """Rows with dates as ISO strings, for comparing with the literal expectations below."""
    return [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in r) for r in rows]


# (stored query, parameters, expected rows in order). Every stored query needs at least one case.
CASES = [
    ("organizers", {}, [
        ("2020-09-12", CONF, "hosted", "主办", CMIQMA),
        ("2020-09-12", CONF, "coHosted", "承办/协办", WEICHAI),
        ("2020-09-12", CONF, "guided", "指导", MIIT_ST),
        ("2021-03-18", FORUM, "hosted", "主办", CMIQMA),  # stated by two documents, listed once
        ("2021-03-18", FORUM, "hosted", "主办", CAQ),
        ("2021-03-18", FORUM, "supported", "支持", ZZU),
        ("2021-09-01", MONTH, "hosted", "主办", SAMR),
        ("2021-09-01", MONTH, "hosted", "主办", MIIT),
        ("2021-09-01", MONTH, "coHosted", "承办/协办", CMIQMA),
        ("2021-09-01", MONTH, "coHosted", "承办/协办", CAQ),
        ("2022-06-10", STD, "hosted", "主办", CMIQMA),
        ("2022-06-10", STD, "coHosted", "承办/协办", CAQ),
    ]),
    ("organizers", {"event": "质量品牌工作会议"}, [  # by alias
        ("2020-09-12", CONF, "hosted", "主办", CMIQMA),
        ("2020-09-12", CONF, "coHosted", "承办/协办", WEICHAI),
        ("2020-09-12", CONF, "guided", "指导", MIIT_ST),
    ]),
    ("participants", {}, [
        ("2020-09-12", CONF, "chaired", "主持", "李明", "Person"),
        ("2020-09-12", CONF, "spokeAt", "讲话", "张华", "Person"),
        ("2020-09-12", CONF, "spokeAt", "讲话", "王建和", "Person"),
        ("2020-09-12", CONF, "attended", "出席", "张华", "Person"),
        ("2020-09-12", CONF, "attended", "出席", "李明", "Person"),
        ("2020-09-12", CONF, "attended", "出席", WEICHAI, "Company"),
        ("2020-09-12", CONF, "attended", "出席", "王建和", "Person"),
        ("2021-03-18", FORUM, "spokeAt", "讲话", "赵丽", "Person"),
        ("2021-03-18", FORUM, "attended", "出席", "赵丽", "Person"),
        ("2022-06-10", STD, "attended", "出席", WEIRD, "Company"),
    ]),
    ("participants", {"event": FORUM}, [
        ("2021-03-18", FORUM, "spokeAt", "讲话", "赵丽", "Person"),
        ("2021-03-18", FORUM, "attended", "出席", "赵丽", "Person"),
    ]),
    ("org-events", {"org": "中机质协"}, [
        ("2020-09-12", CONF, "hosted", "主办", CMIQMA),
        ("2021-03-18", FORUM, "hosted", "主办", CMIQMA),
        ("2021-09-01", MONTH, "coHosted", "承办/协办", CMIQMA),
        ("2022-06-10", STD, "hosted", "主办", CMIQMA),
    ]),
    ("org-events", {"org": "潍柴动力"}, [
        ("2020-09-12", CONF, "coHosted", "承办/协办", WEICHAI),
        ("2020-09-12", CONF, "attended", "出席", WEICHAI),
    ]),
    ("org-events", {"org": MIIT}, [  # its unit's guidance is not its own
        ("2021-09-01", MONTH, "hosted", "主办", MIIT),
    ]),
    ("org-documents", {}, [
        ("关于做好2020年工业质量品牌建设工作的通知", "工信厅科函〔2020〕59号", SAMR),  # issued jointly
        ("关于做好2020年工业质量品牌建设工作的通知", "工信厅科函〔2020〕59号", MIIT),
        ("关于开展2021年全国机械工业质量品牌活动的通知", "中机质协[2021]1号", CMIQMA),
    ]),
    ("org-documents", {"org": "市场监管总局"}, [
        ("关于做好2020年工业质量品牌建设工作的通知", "工信厅科函〔2020〕59号", SAMR),
    ]),
    ("org-people", {}, [
        ("张华", "司长", MIIT_ST, MIIT),  # a post in a unit is also a post in its parent
        ("张华", "司长", MIIT_ST, MIIT_ST),
        ("李明", "会长", CMIQMA, CMIQMA),
        ("王建和", "副会长兼秘书长", CMIQMA, CMIQMA),
        ("王建和", "教授", ZZU, ZZU),
    ]),
    ("org-people", {"org": "工信部"}, [("张华", "司长", MIIT_ST, MIIT)]),
    ("person-posts", {}, [
        ("张华", "司长", MIIT_ST),
        ("李明", "会长", CMIQMA),
        ("王建和", "副会长兼秘书长", CMIQMA),
        ("王建和", "教授", ZZU),
        ("赵丽", "高级工程师", None),
    ]),
    ("person-posts", {"person": "王建和"}, [("王建和", "副会长兼秘书长", CMIQMA), ("王建和", "教授", ZZU)]),
    ("awards", {}, [
        ("中国质量奖", "conferrer", "颁发", SAMR, "GovernmentBody"),
        ("机械工业质量奖", "conferrer", "颁发", CONF, "Event"),
        ("机械工业质量奖", "conferrer", "颁发", CMIQMA, "Association"),
        ("机械工业质量奖", "recipient", "获奖", WEICHAI, "Company"),
        ("机械工业质量奖", "recipient", "获奖", "王建和", "Person"),
    ]),
    ("awards", {"award": "中国质量奖"}, [("中国质量奖", "conferrer", "颁发", SAMR, "GovernmentBody")]),
    ("events-by-date", {}, [
        ("2020-09-12", None, CONF, "北京"),
        ("2021-03-18", None, FORUM, "郑州"),
        ("2021-09-01", "2021-09-30", MONTH, None),
        ("2022-06-10", None, STD, None),
    ]),
    ("events-by-date", {"from": "2021-01-01", "to": "2021-06-30"}, [("2021-03-18", None, FORUM, "郑州")]),
    ("events-by-date", {"from": "2021-09-15", "to": "2022-01-01"}, [  # overlaps by its end date
        ("2021-09-01", "2021-09-30", MONTH, None),
    ]),
    ("events-by-date", {"from": "2022-01-01"}, [("2022-06-10", None, STD, None)]),
    ("cohosts", {"org": "中国质协"}, [(CAQ, CMIQMA, 3), (CAQ, SAMR, 1), (CAQ, MIIT, 1)]),
    ("cohosts", {"org": "中机质协"}, [(CMIQMA, CAQ, 3), (CMIQMA, SAMR, 1), (CMIQMA, MIIT, 1), (CMIQMA, WEICHAI, 1)]),
    ("evidence", {"name": "中机质协"}, [
        (CMIQMA, "hosted", CONF, IRI(SRC + "001.txt"), 120, 158,
         "9月12日，由中机质协主办的2020年全国机械工业质量品牌工作会议在北京召开。", "rule:hosted/主办", Decimal("0.9")),
    ]),
    ("evidence", {"name": ZZU}, []),
]


#: Listings that stay sorted without a parameter; the others come in the store's order (see the .rq files).
SORTED_LISTINGS = {"events-by-date"}


def _in_order(name: str, params: dict, rows: list) -> list:
    """Rows as the test compares them: unsorted listings are compared as multisets."""
    if params or name in SORTED_LISTINGS:
        return rows
    return sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))


def _case_id(case):
    name, params, _ = case
    return name + ("[" + ",".join(f"{k}={v}" for k, v in params.items()) + "]" if params else "")


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_stored_query_rows(out, case):
    name, params, expected = case
    result = run_query(name, out, params=params)
    assert result.kind == "select"
    assert _in_order(name, params, plain(result.rows)) == _in_order(name, params, expected)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_stored_query_as_written_gives_the_same_rows(out, case):
    """The ``# if ?param`` lines only speed Oxigraph up: kept, as other engines keep them, the rows are the same."""
    name, params, expected = case
    text = bind_parameters(resolve_query(name), params, markers=False, lookup=entity_lookup(out))
    load_store(out)
    store = open_store(out, refresh=False)
    rows = [tuple(to_python(v) for v in sol) for sol in store.query(text)]
    del store
    assert _in_order(name, params, plain(rows)) == _in_order(name, params, expected)


def test_marker_lines_are_blanked():
    q = parse_query_text("# param: org text@zh x\nSELECT * WHERE {\n  VALUES ?org { UNDEF }\n"
                         "  ?o rdfs:label ?org .  # if ?org (only when given)\n  ?o a kg:Event .  #if $org\n"
                         "  ?o kg:date ?d .  # ?org\n}\n")
    without = bind_parameters(q, {})
    assert "rdfs:label" not in without and "kg:Event" not in without and "kg:date" in without
    given = bind_parameters(q, {"org": "中机质协"})
    assert "rdfs:label" in given and "kg:Event" in given
    assert without.count("\n") == given.count("\n") == q.text.count("\n")
    with pytest.raises(StoredQueryError, match="names no declared parameter"):
        parse_query_text("SELECT * WHERE { ?s ?p ?o .  # if ?nope\n}")


def test_every_stored_query_is_tested_and_documented():
    stored = list_queries()
    assert {q.name for q in stored} == {c[0] for c in CASES}
    for q in stored:
        assert q.title and q.description, q.name
        for p in q.params:
            assert p.description, (q.name, p.name)
    required = {"organizers", "participants", "org-events", "org-documents", "org-people", "person-posts", "awards",
                "events-by-date", "cohosts"}
    assert required <= {q.name for q in stored}


def test_result_values_are_plain_python(out):
    r = run_query("SELECT ?e ?d ?n WHERE { ?e kg:date ?d . BIND(42 AS ?n) } ORDER BY ?d LIMIT 1", out)
    (e, d, n), = r.rows
    assert isinstance(e, IRI) and e == "https://example.org/cnqkg/id/event/" + CONF
    assert d == dt.date(2020, 9, 12) and n == 42
    assert r.dicts() == [{"e": e, "d": d, "n": 42}]


def test_ask_and_construct(out):
    assert run_query("ASK { ?x kg:hosted ?e }", out).boolean is True
    assert run_query("ASK { ?x kg:issued ?x }", out).boolean is False
    r = run_query("CONSTRUCT { ?a rdfs:label ?l } WHERE { ?a a kg:Award ; rdfs:label ?l }", out)
    assert r.kind == "construct"
    assert sorted(o for _, _, o in r.triples) == ["中国质量奖", "机械工业质量奖"]


def test_a_plain_query_returns_each_event_once(out):
    """Regression: over the union of the documents' graphs an event named by two documents came twice."""
    r = run_query("SELECT ?e ?label WHERE { ?e a kg:Event ; rdfs:label ?label }", out)
    assert sorted(label for _, label in r.rows) == sorted([CONF, FORUM, MONTH, STD])
    r = run_query("SELECT ?o ?e WHERE { ?o kg:hosted ?e }", out)  # two hosts of the forum, in documents 002 and 003
    assert len(r.rows) == len(set(r.rows)) == 6


def test_default_graph_holds_each_fact_once_and_provenance_is_in_named_graphs(out):
    r = run_query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", out)
    assert len(r.rows) == len(set(r.rows)) == FIXTURE_FACTS
    assert run_query("ASK { ?st a rdf:Statement }", out).boolean is False
    assert run_query("ASK { ?x prov:wasDerivedFrom ?doc }", out).boolean is False
    r = run_query("SELECT ?doc ?sentence WHERE { GRAPH ?doc { ?st a rdf:Statement ; kg:sentenceText ?sentence } }", out)
    assert r.rows == [(IRI(SRC + "001.txt"), "9月12日，由中机质协主办的2020年全国机械工业质量品牌工作会议在北京召开。")]
    r = run_query("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", out)
    assert r.rows == [(3,)]
    # which documents state a fact: its named graphs
    r = run_query("SELECT ?doc WHERE { GRAPH ?doc { ?o kg:hosted ?e } ?e rdfs:label ?l FILTER(STR(?l) = '质量发展专家座谈会') "
                  "?o skos:altLabel '中机质协'@zh } ORDER BY ?doc", out)
    assert r.rows == [(IRI(SRC + "002.txt"),), (IRI(SRC + "003.txt"),)]


@pytest.mark.parametrize("base_iri", [None, "https://data.example.com/质量/kg/"])
def test_default_graph_of_a_built_graph_is_graph_ttl(tmp_path, base_iri):
    """For graph.trig and graph.ttl written by kg.rdf, the store's default graph is graph.ttl exactly
    (under the default base and under one of a user's: provenance is told by the ontology's terms)."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from kg.rdf import build_dataset, build_graph, serialize_trig, serialize_turtle
    from kg.records import DocumentExtraction, Entity, Evidence, Position, Relation

    def ev(doc, start):
        return Evidence(doc_id=doc, sentence="中机质协主办质量论坛。", start=start, end=start + 11,
                        extractor="rule:test", confidence=0.8)

    def entity(eid, etype, aliases, docs, **kw):
        return Entity(id=eid, type=etype, label=eid.split("/", 1)[1], aliases=aliases, mentions=len(docs), docs=docs,
                      **kw)

    entities = [
        entity("org/中国机械工业质量管理协会", "Association", ["中机质协"], ["a.txt", "b.txt"]),
        entity("org/工业和信息化部科技司", "GovernmentBody", [], ["a.txt"], parent="org/工业和信息化部"),
        entity("org/工业和信息化部", "GovernmentBody", ["工信部"], ["a.txt"]),
        entity("event/质量论坛", "Event", [], ["a.txt", "b.txt"], date="2021-05-01"),
        entity("person/王明", "Person", [], ["b.txt"]),
    ]
    relations = [
        Relation("org/中国机械工业质量管理协会", "hosted", "event/质量论坛", [ev("a.txt", 10), ev("b.txt", 30)], 0.8),
        Relation("person/王明", "spokeAt", "event/质量论坛", [ev("b.txt", 50)], 0.8),
        Relation("org/工业和信息化部科技司", "subOrganizationOf", "org/工业和信息化部", [ev("a.txt", 0)], 0.9),
    ]
    positions = [Position("person/王明", "会长", "org/中国机械工业质量管理协会",
                          [Evidence("a.txt", "", 1, 3, "posts", 0.8), Evidence("b.txt", "", 5, 7, "posts", 0.8)], 0.8)]
    extractions = [DocumentExtraction(doc_id=d, path=f"corpus/{d}", sha256=c * 64, title=None, date=None, mentions=[],
                                      positions=[]) for d, c in (("a.txt", "a"), ("b.txt", "b"))]
    (tmp_path / "graph.trig").write_bytes(serialize_trig(build_dataset(extractions, entities, positions, relations,
                                                                      base_iri=base_iri)))
    ttl = serialize_turtle(build_graph(entities, positions, relations=relations, base_iri=base_iri))
    if base_iri:
        assert base_iri + "id/" in ttl.decode("utf-8") and "example.org/cnqkg/id/" not in ttl.decode("utf-8")
    load_store(tmp_path)
    store = open_store(tmp_path, refresh=False)
    default = Graph().parse(data=ox.serialize(
        (q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())), format=ox.RdfFormat.N_TRIPLES),
        format="nt")
    del store
    expected = Graph().parse(data=ttl, format="turtle")
    assert len(default) == len(expected)
    assert isomorphic(default, expected)
    close_workers()


def test_a_build_loads_graph_ttl_as_the_default_graph_and_the_store_is_the_same(served_graph, tmp_path):
    """kg build loads its graph.ttl as the store's default graph rather than merging the named graphs
    in the store: the store holds the same quads as one made from graph.trig alone."""
    import shutil

    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(served_graph / "graph.trig", alone / "graph.trig")
    load_store(alone)
    built, merged = open_store(served_graph, refresh=False), open_store(alone, refresh=False)
    try:
        quads = set(built)
        assert len(quads) > 1000 and quads == set(merged)
        assert len(list(built.quads_for_pattern(None, None, None, ox.DefaultGraph()))) > 100
    finally:
        del built, merged
    close_workers()


# --- parameters are data ----------------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    '中机质协" } ; DROP ALL',
    '中机质协"@zh } } DROP ALL ; INSERT DATA { <a:a> <a:b> <a:c> } #',
    "中机质协'\n} ; CLEAR DEFAULT",
    "back\\slash \\u0022 ?org $org VALUES ?org { UNDEF }",
])
def test_parameter_values_cannot_inject_sparql(out, value):
    with pytest.raises(NameNotFound):  # looked up as a name, which no organization has
        run_query("org-events", out, params={"org": value})
    assert run_query("SELECT ?x WHERE { VALUES ?x { UNDEF } }", out, params={"x": value}).rows == [(value,)]
    assert run_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", out).rows == [(FIXTURE_FACTS,)]


def test_parameter_with_sparql_syntax_matches_that_exact_name(out):
    rows = run_query("org-events", out, params={"org": WEIRD}).rows
    assert plain(rows) == [("2022-06-10", STD, "attended", "出席", WEIRD)]


# --- a name parameter names one entity, by the rule of kg.lookup --------------------------------------
def test_a_name_contained_in_one_name_only_is_that_entity(out):
    rows = run_query("org-events", out, params={"org": "潍柴"}).rows
    assert {r[-1] for r in rows} == {WEICHAI}


def test_an_exact_alias_wins_over_names_containing_it(out):
    rows = run_query("org-people", out, params={"org": "工信部"}).rows  # also in 工信部科技司
    assert rows == [("张华", "司长", MIIT_ST, MIIT)]


def test_an_ambiguous_name_lists_the_entities_it_names(out):
    with pytest.raises(AmbiguousName) as err:
        run_query("org-events", out, params={"org": "质量"})
    assert {c["label"] for c in err.value.candidates} == {CMIQMA, CAQ}
    assert err.value.exit_code == 2


def test_an_unknown_name_suggests_close_names(out):
    with pytest.raises(NameNotFound) as err:
        run_query("org-events", out, params={"org": "中国机械工业质量协会"})
    assert err.value.suggestions[0] == CMIQMA and "close matches" in str(err.value)
    assert err.value.exit_code == 2


def test_a_name_is_looked_up_among_the_entities_of_the_parameters_class(out):
    with pytest.raises(NameNotFound, match="no organization named '王建和'"):
        run_query("org-events", out, params={"org": "王建和"})
    assert run_query("person-posts", out, params={"person": "王建和"}).rows


def test_several_values_for_one_parameter(out):
    rows = run_query("org-people", out, params={"org": ["工信部", ZZU]}).rows
    assert rows == [("张华", "司长", MIIT_ST, MIIT), ("王建和", "教授", ZZU, ZZU)]


def test_typed_parameters_are_checked(out):
    with pytest.raises(StoredQueryError, match="not a valid date"):
        run_query("events-by-date", out, params={"from": "2021-13-01"})
    with pytest.raises(StoredQueryError, match="not a valid date"):
        run_query("events-by-date", out, params={"from": '2021-01-01"^^xsd:string } #'})
    q = parse_query_text("# param: x iri\nSELECT ?x WHERE { VALUES ?x { UNDEF } }")
    with pytest.raises(StoredQueryError, match="not a valid iri"):
        bind_parameters(q, {"x": "http://e/a> } ; DROP ALL ; <http://e/b"})
    assert "<http://e/a>" in bind_parameters(q, {"x": "http://e/a"})


def test_unknown_parameter_is_an_error(out):
    with pytest.raises(StoredQueryError, match="takes no parameter 'orgg'"):
        run_query("org-events", out, params={"orgg": "中机质协"})


def test_binding_skips_strings_and_comments():
    text = ('# param: org text@zh the organization\n'
            'SELECT ?s WHERE {\n'
            '  # VALUES ?org { "in a comment" }\n'
            '  BIND("VALUES ?org { not me }" AS ?s)\n'
            '  VALUES ?org { UNDEF }\n'
            '}\n')
    bound = bind_parameters(parse_query_text(text), {"org": 'a"b'})
    assert '# VALUES ?org { "in a comment" }' in bound
    assert '"VALUES ?org { not me }"' in bound
    assert 'VALUES ?org { "a\\"b"@zh }' in bound
    assert bound.count("\n") == text.count("\n")  # line numbers of errors stay right


def test_ad_hoc_query_parameters_are_plain_or_typed_literals(out):
    q = "SELECT ?x WHERE { VALUES ?x { UNDEF } }"
    assert run_query(q, out, params={"x": "中机质协"}).rows == [("中机质协",)]
    assert run_query(q, out, params={"x": dt.date(2020, 1, 2)}).rows == [(dt.date(2020, 1, 2),)]
    assert run_query(q, out, params={"x": 7}).rows == [(7,)]
    assert run_query(q, out, params={"x": ox.Literal("工信部", language="zh")}).rows == [("工信部",)]


def test_bad_header_and_missing_values_block():
    with pytest.raises(StoredQueryError, match="bad '# param:' line"):
        parse_query_text("# param: org textual\nSELECT * WHERE { VALUES ?org { UNDEF } }")
    with pytest.raises(StoredQueryError, match="no 'VALUES \\?org"):
        parse_query_text("# param: org text@zh\nSELECT * WHERE { ?s ?p ?org }")


def test_unknown_stored_query_names_the_known_ones():
    with pytest.raises(StoredQueryError, match="no stored query named 'nope'.*organizers"):
        resolve_query("nope")


def test_user_queries_in_their_ontology_folder(tmp_path, out, monkeypatch):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "my-events.rq").write_text(
        "# title: my events\n# description: events by label\n"
        "SELECT ?l WHERE { ?e kg:date ?d ; rdfs:label ?l } ORDER BY ?d LIMIT 2\n", encoding="utf-8")
    monkeypatch.setenv("KG_ONTOLOGY", str(tmp_path))
    names = [q.name for q in list_queries()]
    assert "my-events" in names and "organizers" in names  # the project's queries stay available
    assert run_query("my-events", out).rows == [(CONF,), (FORUM,)]
    assert run_query(tmp_path / "queries" / "my-events.rq", out).rows == [(CONF,), (FORUM,)]


# --- errors ---------------------------------------------------------------------------------------------
def test_malformed_query_reports_line_and_column(out):
    with pytest.raises(QuerySyntaxError) as e:
        run_query("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER( }", out)
    assert e.value.line == 3 and isinstance(e.value.column, int) and e.value.column > 1
    assert "line 3, column" in str(e.value) and e.value.detail


def test_malformed_query_file_is_named(out, tmp_path):
    p = tmp_path / "broken.rq"
    p.write_text("# title: broken\nSELECT * WHERE { ?s ?p ?o } LIMIT x\n", encoding="utf-8")
    with pytest.raises(QuerySyntaxError) as e:
        run_query(str(p), out)
    assert str(p) in str(e.value)
    assert (e.value.line, e.value.column) == (2, 35)  # the "x"
    assert "line 2, column 35" in str(e.value)


def test_one_line_query_error_is_on_line_1_even_with_a_page_clause(out):
    """Regression: a page clause appended on a new line made a one-line query's error line 2, with
    the parser's expectations about that clause."""
    query = "SELECT ?e WHERE { ?e rdfs:label ?l FILTER( }"
    with pytest.raises(QuerySyntaxError) as e:
        run_query(query, out, limit=100)
    assert (e.value.line, e.value.column) == (1, len(query) + 1)
    assert "LIMIT" not in str(e.value) and "LANGMATCHES" not in str(e.value)
    assert "line 1, column 45" in str(e.value)
    with pytest.raises(QuerySyntaxError) as e:
        run_query("SELECT * WHERE { ?s ?p ?o ", out, limit=100)
    assert (e.value.line, e.value.column) == (1, 27) and '"}"' in e.value.detail


def test_error_column_is_in_the_text_written_not_the_text_bound(out, tmp_path):
    """Regression: a bound value is longer than UNDEF; the column must still point into the file."""
    p = tmp_path / "mine.rq"
    for line, where in [("SELECT ?o WHERE { VALUES ?org { UNDEF } ?o rdfs:label ?org } LIMIT x", "x"),
                        ("ASK { VALUES ?org { UNDEF } ?o rdfs:label ?org . ?o ?p 1 2 }", None)]:
        p.write_text("# title: mine\n# param: org text@zh an organization\n" + line, encoding="utf-8")
        with pytest.raises(QuerySyntaxError) as e:
            run_query(p, out, params={"org": "中国机械工业质量管理协会"})
        # Oxigraph reports where it gave up: the "x", or the end of the query (of its last line)
        column = line.index(where) + 1 if where else len(line) + 1
        assert (e.value.line, e.value.column) == (3, column), line
        assert "中国机械工业质量管理协会" not in str(e.value) and str(p) in str(e.value)


def test_unknown_prefix_is_one_line_naming_it(out):
    query = "SELECT ?x WHERE {\n  ?x foaf:name ?n ; dct:title ?t }"
    with pytest.raises(QuerySyntaxError) as e:
        run_query(query, out)
    message = str(e.value)
    assert "\n" not in message and len(message) < 300
    assert "unknown prefix 'dct:'" in message and "PREFIX dct:" in message
    assert (e.value.line, e.value.column) == (2, query.split("\n")[1].index("dct:") + 1)
    assert "\\u{" not in message and "['" not in message  # none of the grammar's character classes


def test_parser_messages_keep_keywords_not_character_classes(out):
    with pytest.raises(QuerySyntaxError) as e:
        run_query("SELECT * WHERE { ?s ?p ?o } LIMIT x", out)
    assert (e.value.line, e.value.column) == (1, 35)
    assert e.value.detail.startswith("unexpected 'x'; expected one of") and "a number" in e.value.detail
    assert "[" not in e.value.detail


@pytest.mark.parametrize("update", [
    "DROP ALL",
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "PREFIX kg: <https://example.org/cnqkg/ontology#>\n# a comment\ndelete where { ?s kg:hosted ?o }",
    "CLEAR DEFAULT ; LOAD <http://example.org/x.ttl>",
])
def test_update_is_refused(out, update):
    with pytest.raises(UpdateRefusedError, match="read-only") as e:
        run_query(update, out)
    assert "allow_update" not in str(e.value)
    assert run_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", out).rows == [(FIXTURE_FACTS,)]


def test_update_when_allowed(fresh):
    r = run_query("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }", fresh, allow_update=True)
    assert r.kind == "update"
    assert run_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", fresh).rows == [(FIXTURE_FACTS + 1,)]


def test_store_is_opened_read_only(out):
    load_store(out)
    store = open_store(out)
    with pytest.raises((OSError, RuntimeError), match="read-write"):
        store.update("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
    del store


def test_timeout_stops_a_pathological_query(out):
    cross = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"
    run_query("ASK {}", out)  # the worker is up: time only the query
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match="timeout"):
        run_query(cross, out, timeout=1.0)
    assert time.monotonic() - started < 10
    assert run_query("ASK { ?s ?p ?o }", out).boolean is True  # a new worker takes over


def test_no_graph_is_a_clear_error(tmp_path):
    with pytest.raises(GraphNotFoundError, match="no graph.trig or graph.ttl"):
        run_query("organizers", tmp_path)
    with pytest.raises(GraphNotFoundError):
        load_store(tmp_path)



def test_a_stopped_load_raises_and_leaves_no_store(fresh):
    import threading

    from kg.store import StoreUnavailable

    stop = threading.Event()
    stop.set()  # set by another thread (a build whose page failed) before the first piece
    with pytest.raises(StoreUnavailable, match="graph.trig: loading the store was stopped"):
        load_store(fresh, stop=stop)
    assert not (fresh / "store").exists() and not list(fresh.glob(".store-*"))
    load_store(fresh, stop=threading.Event())  # not set: the load goes on
    assert read_manifest(fresh)["default_graph_triples"] == FIXTURE_FACTS


# --- the store ------------------------------------------------------------------------------------------
MARK = "{ <http://example.org/mark> <http://example.org/kept> 1 }"


def _marked(d: Path) -> bool:
    """Whether the store still holds the mark an update put in (a store loaded again from the graph has not)."""
    return run_query(f"ASK {MARK}", d).boolean


def test_store_is_rebuilt_only_when_the_graph_changes(fresh):
    load_store(fresh)
    m1 = read_manifest(fresh)
    assert m1["source"] == "graph.trig" and m1["default_graph_triples"] == FIXTURE_FACTS
    run_query(f"INSERT DATA {MARK}", fresh, allow_update=True)
    load_store(fresh)
    assert _marked(fresh)  # nothing changed: the store is kept as it is

    g = fresh / "graph.trig"
    g.write_bytes(g.read_bytes())  # same content rewritten (a deterministic rebuild)
    os.utime(g, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert store_is_current(fresh)
    load_store(fresh)
    assert _marked(fresh)
    assert read_manifest(fresh)["mtime_ns"] == g.stat().st_mtime_ns

    assert run_query("ASK { ?s <http://e/new> ?o }", fresh).boolean is False
    with g.open("a", encoding="utf-8") as f:
        f.write('\n<http://e/g> { <http://e/s> <http://e/new> "新"@zh . }\n')
    assert not store_is_current(fresh)
    assert run_query("ASK { ?s <http://e/new> ?o }", fresh).boolean is True  # rebuilt, worker restarted
    assert not _marked(fresh)
    assert read_manifest(fresh)["default_graph_triples"] == FIXTURE_FACTS + 1


def test_turtle_is_used_when_there_is_no_trig(fresh):
    quads = list(ox.parse(path=str(fresh / "graph.trig")))
    (fresh / "graph.trig").unlink()
    (fresh / "graph.ttl").write_bytes(ox.serialize((q.triple for q in quads), format=ox.RdfFormat.TURTLE))
    assert graph_file(fresh).name == "graph.ttl"
    rows = run_query("org-events", fresh, params={"org": "中机质协"}).rows
    assert len(rows) == 4
    assert read_manifest(fresh)["source"] == "graph.ttl"
    shutil.copy(FIXTURE, fresh / "graph.trig")  # a TriG appears: it is preferred and the store rebuilt
    assert not store_is_current(fresh)
    load_store(fresh)
    assert read_manifest(fresh)["source"] == "graph.trig"


def test_bad_graph_file_keeps_the_old_store_and_leaves_no_temporary(fresh):
    load_store(fresh)
    run_query(f"INSERT DATA {MARK}", fresh, allow_update=True)
    (fresh / ".store-tmp-interrupted").mkdir()  # what a killed load would leave
    with (fresh / "graph.trig").open("a", encoding="utf-8") as f:
        f.write("\n<http://e/g> { <http://e/s> <http://e/p> . }\n")
    with pytest.raises(GraphUnreadable, match=r"graph\.trig: not a readable graph: .*line"):
        load_store(fresh)
    assert (fresh / "store" / MANIFEST).is_file() and not [p for p in fresh.iterdir() if p.name.startswith(".store-")]
    close_workers()
    store = open_store(fresh, refresh=False)  # the old store, as it was (the graph file does not parse)
    assert store.query(f"ASK {MARK}")
    del store


def test_rdflib_view_of_the_store(out):
    load_store(out)
    ds = open_rdflib(out)
    rows = ds.query(
        "SELECT DISTINCT ?l WHERE { ?o skos:altLabel '中机质协'@zh ; kg:hosted ?e . ?e rdfs:label ?l } ORDER BY ?l",
        initNs={"kg": "https://example.org/cnqkg/ontology#", "skos": "http://www.w3.org/2004/02/skos/core#",
                "rdfs": "http://www.w3.org/2000/01/rdf-schema#"})
    assert [str(r[0]) for r in rows] == [CONF, STD, FORUM]  # code point order: 第 < 质
    ds.close()


def test_query_error_base_class(out):
    for exc in (QuerySyntaxError, UpdateRefusedError, QueryTimeoutError, StoredQueryError):
        assert issubclass(exc, QueryError)


# --- pages --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["organizers", "participants", "org-events", "awards", "org-people", "person-posts",
                                  "org-documents", "events-by-date"])
def test_pages_cover_a_listing_once(out, name):
    """Consecutive pages of a listing hold every row once (the store's order is stable)."""
    full = plain(run_query(name, out).rows)
    pages, offset = [], 0
    while True:
        page = plain(run_query(name, out, limit=2, offset=offset).rows)
        if not page:
            break
        pages.extend(page)
        offset += 2
    assert sorted(pages, key=str) == sorted(full, key=str)
    assert len(full) > 2  # more than one page, so the test pages at all


def test_a_page_of_events_by_date_is_the_earliest(out):
    r = run_query("events-by-date", out, limit=2)
    assert [row[0].isoformat() for row in r.rows] == ["2020-09-12", "2021-03-18"]
    r = run_query("events-by-date", out, limit=2, offset=2)
    assert [row[0].isoformat() for row in r.rows] == ["2021-09-01", "2022-06-10"]


def test_a_page_of_a_parameterized_query_keeps_its_order(out):
    r = run_query("cohosts", out, params={"org": "中机质协"}, limit=2, offset=1)
    assert plain(r.rows) == [(CMIQMA, SAMR, 1), (CMIQMA, MIIT, 1)]


def test_required_parameter(out):
    with pytest.raises(StoredQueryError, match=r"cohosts needs a value for 'org'"):
        run_query("cohosts", out)
    assert resolve_query("cohosts").param("org").required
    assert not resolve_query("org-events").param("org").required


@pytest.mark.parametrize("text, expected", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o }\nLIMIT 3 OFFSET 6"),
    ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s", "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\nLIMIT 3 OFFSET 6"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", None),  # its own limit wins
    ("SELECT * WHERE { ?s ?p ?o } offset 1", None),
    ("SELECT * WHERE { ?s ?p ?o } VALUES ?s { <x:a> }", None),  # LIMIT cannot follow a trailing VALUES
    ("ASK { ?s ?p ?o }", None),
    ("INSERT DATA { <x:a> <x:b> <x:c> }", None),
    ("SELECT * WHERE { ?s ?p \"} LIMIT 9\" }", "SELECT * WHERE { ?s ?p \"} LIMIT 9\" }\nLIMIT 3 OFFSET 6"),
    ("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o }  # page\n} }",
     "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 OFFSET 6 # page\n} }"),
])
def test_paginate(text, expected):
    assert paginate(text, 3, 6) == (text if expected is None else expected)
    assert paginate(text, None) == text


def test_a_large_graph_file_written_by_kg_is_loaded_a_part_at_a_time_with_the_same_quads(tmp_path, monkeypatch):
    """kg.rdf.write's TriG is bulk-loaded in pieces (the loader's memory follows what it is given):
    the store holds the quads of the whole file loaded at once, and a bad line is still named."""
    import shutil

    from kg.rdf.files import GraphUnreadable
    from kg.store import embedded

    built = tmp_path / "built"
    from kg.rdf.write import LINE_FORMAT, TrigWriter
    from kg.rdf import id_namespace
    from rdflib import Literal, URIRef

    ns = id_namespace()
    with open(tmp_path / "graph.trig", "wb") as f:
        w = TrigWriter(f, ns)
        for i in range(30):
            w.graph(ns[f"source/{i}.txt"], [(ns[f"event/{i}"], URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
                                            Literal(f"第{i}届论坛", lang="zh"))])
    assert (tmp_path / "graph.trig").read_text(encoding="utf-8").startswith(LINE_FORMAT)
    built.mkdir()
    shutil.copy(tmp_path / "graph.trig", built / "graph.trig")
    pieces = []
    monkeypatch.setattr(embedded, "CHUNK_BYTES", 200)
    real = embedded._cut
    monkeypatch.setattr(embedded, "_cut", lambda src, **k: (pieces.append(c) or c for c in real(src, **k)))
    load_store(built)
    assert len(pieces) > 5
    whole = tmp_path / "whole"
    whole.mkdir()
    (whole / "graph.trig").write_bytes((tmp_path / "graph.trig").read_bytes()[len(LINE_FORMAT):])  # no mark: at once
    load_store(whole)
    a, b = open_store(built, refresh=False), open_store(whole, refresh=False)
    assert len(a) == len(b) == 60 and set(a) == set(b)  # 30 named + 30 merged into the default graph
    del a, b
    bad = (built / "graph.trig").read_text(encoding="utf-8").replace("第29届论坛\"@zh", "第29届论坛@zh")
    (built / "graph.trig").write_text(bad, encoding="utf-8")
    line = bad.splitlines().index(next(x for x in bad.splitlines() if "第29届论坛" in x)) + 1
    with pytest.raises(GraphUnreadable, match=f"graph.trig: not a readable graph: .* line {line} "):
        load_store(built)
