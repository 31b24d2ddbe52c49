"""``kg query`` through click's CliRunner: table, CSV and JSON output, --list, exit statuses."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.query import list_queries
from kg.report import display_width


@pytest.fixture(scope="module")
def out(query_graph_out: Path) -> Path:
    return query_graph_out


def kg(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_table_is_aligned_for_chinese(out):
    r = kg("query", "--graph", str(out), "person-posts", "--param", "person=王建和")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines() == [
        "personLabel  title           organization",
        "-----------  --------------  ------------------------",
        "王建和       副会长兼秘书长  中国机械工业质量管理协会",
        "王建和       教授            郑州大学",
    ]
    assert "2 row(s)" in r.stderr


def test_table_columns_line_up_in_display_width(out):
    r = kg("query", "--graph", str(out), "organizers")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    rule = lines[1]
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    for line in lines[2:]:
        # every cell starts at the display column where its rule starts
        cells = line.split("  ")
        cells = [c.strip() for c in cells if c.strip()]
        col = 0
        positions = []
        rest = line
        for c in cells:
            k = rest.index(c)
            col += display_width(rest[:k])
            positions.append(col)
            col += display_width(c)
            rest = rest[k + len(c):]
        assert positions == starts[:len(positions)], line


def test_csv_output(out):
    r = kg("query", "--graph", str(out), "cohosts", "-p", "org=中机质协", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["organization", "partner", "events"]
    assert rows[1] == ["中国机械工业质量管理协会", "中国质量协会", "3"]
    assert len(rows) == 5


def test_json_output_has_full_iris_and_iso_dates(out):
    r = kg("query", "--graph", str(out), "SELECT ?e ?d WHERE { ?e kg:date ?d } ORDER BY ?d", "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["columns"] == ["e", "d"]
    assert data["rows"][0] == {"e": "https://example.org/cnqkg/id/event/2020年全国机械工业质量品牌工作会议",
                               "d": "2020-09-12"}
    assert len(data["rows"]) == 4


def test_table_compacts_iris(out):
    r = kg("query", "--graph", str(out), "SELECT ?e WHERE { ?e kg:date ?d } ORDER BY ?d LIMIT 1")
    assert r.stdout.splitlines()[2] == "id:event/2020年全国机械工业质量品牌工作会议"


def test_ask(out):
    r = kg("query", "--graph", str(out), "ASK { ?x kg:hosted ?e }", "--format", "json")
    assert json.loads(r.stdout) == {"boolean": True}


def test_query_file(out, tmp_path):
    p = tmp_path / "q.rq"
    p.write_text("# title: t\n# param: org text@zh an organization\n"
                 "SELECT DISTINCT ?l WHERE { VALUES ?org { UNDEF } ?o skos:altLabel ?org ; kg:issued ?d . ?d rdfs:label ?l }\n",
                 encoding="utf-8")
    r = kg("query", "--graph", str(out), str(p), "-p", "org=工信部", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines() == ["l", "关于做好2020年工业质量品牌建设工作的通知"]


def test_list_shows_every_stored_query(out):
    r = kg("query", "--list")
    assert r.exit_code == 0
    for q in list_queries():
        assert q.name in r.stdout and q.description in r.stdout
    assert "--param org=" in r.stdout


def test_malformed_query_exits_2_with_line_and_column(out):
    r = kg("query", "--graph", str(out), "SELECT * WHERE { ?s ?p ?o }\nLIMIT x")
    assert r.exit_code == 2
    assert "line 2, column 7" in r.stderr and "expected" in r.stderr


def test_bad_parameter_exits_2(out):
    r = kg("query", "--graph", str(out), "org-events", "--param", "orgz=中机质协")
    assert r.exit_code == 2 and "takes no parameter 'orgz'" in r.stderr
    r = kg("query", "--graph", str(out), "events-by-date", "--param", "from")
    assert r.exit_code == 2 and "NAME=VALUE" in r.stderr


def test_a_name_parameter_finds_one_entity_or_exits_2(out):
    r = kg("query", "--graph", str(out), "org-events", "-p", "org=潍柴", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    assert {line.split(",")[-1] for line in r.stdout.splitlines()[1:]} == {"潍柴动力股份有限公司"}
    r = kg("query", "--graph", str(out), "org-events", "-p", "org=质量")
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.count("\n") == 1
    assert "'质量' names 2 entities" in r.stderr and "中国质量协会 (Association)" in r.stderr
    r = kg("query", "--graph", str(out), "org-events", "-p", "org=中国机械工业质量协会")
    assert r.exit_code == 2 and r.stdout == ""
    assert "no organization named '中国机械工业质量协会'; close matches: 中国机械工业质量管理协会" in r.stderr


def test_update_is_refused(out):
    r = kg("query", "--graph", str(out), "DROP ALL")
    assert r.exit_code == 2 and "refused" in r.stderr  # a usage error: --allow-update runs it
    assert "--allow-update" in r.stderr and "allow_update" not in r.stderr  # the option, not the Python argument


def test_one_line_query_error_names_line_1(out):
    """Regression: reported at line 2 (the page clause --limit adds on a line of its own)."""
    r = kg("query", "--graph", str(out), "SELECT ?e WHERE { ?e a kg:Event ; rdfs:label ?l } ORDER ?l")
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: SPARQL syntax error at line 1, column 59: at the end of the query; expected BY"


def test_unknown_prefix_is_one_line(out):
    r = kg("query", "--graph", str(out), "SELECT ?t WHERE { ?d dct:title ?t }")
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "unknown prefix 'dct:'" in r.stderr


def test_no_graph(tmp_path):
    r = kg("query", "--graph", str(tmp_path), "organizers")
    assert r.exit_code == 3 and "no graph.trig or graph.ttl" in r.stderr


def test_timeout_option(out):
    r = kg("query", "--graph", str(out), "--timeout", "1",
           "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }")
    assert r.exit_code == 4 and "timeout" in r.stderr


def test_missing_query_is_a_usage_error():
    r = kg("query")
    assert r.exit_code == 2 and "--list" in r.stderr


def test_limit_and_offset_page_through_rows(out):
    first = kg("query", "--graph", str(out), "events-by-date", "--limit", "2", "--format", "csv")
    assert first.exit_code == 0, first.stderr
    assert [r[0] for r in csv.reader(io.StringIO(first.stdout))][1:] == ["2020-09-12", "2021-03-18"]
    assert "--offset 2" in first.stderr and "--limit 0" in first.stderr  # says how to get the rest
    second = kg("query", "--graph", str(out), "events-by-date", "--limit", "2", "--offset", "2", "--format", "csv")
    assert [r[0] for r in csv.reader(io.StringIO(second.stdout))][1:] == ["2021-09-01", "2022-06-10"]
    everything = kg("query", "--graph", str(out), "events-by-date", "--limit", "0", "--format", "csv")
    assert len(list(csv.reader(io.StringIO(everything.stdout)))) == 5 and "offset" not in everything.stderr


def test_missing_required_parameter_exits_2(out):
    r = kg("query", "--graph", str(out), "cohosts")
    assert r.exit_code == 2
    assert "--param org=" in r.stderr


def _readme_queries() -> list[str]:
    """The SPARQL of each `kg query '…'` example in the README's section on asking your own questions."""
    import shlex

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Asking your own questions (SPARQL)"):]
    section = section[:section.index("\n## ")]
    return [shlex.split(line.strip())[2] for line in section.splitlines() if line.strip().startswith("kg query '")]


def test_readme_shows_how_to_match_a_chinese_label(out):
    """The README's examples run on a graph and give what the text around them says."""
    queries = _readme_queries()
    assert len(queries) == 6
    rows = []
    for q in queries:
        r = kg("query", "--graph", str(out), q, "--format", "json", "--limit", "0")
        assert r.exit_code == 0, (q, r.stderr)
        rows.append(json.loads(r.stdout)["rows"])
    events, by_alias, by_str, by_part, docs, sentences = rows
    assert len(events) == len({r["e"] for r in events}) == 4  # each event once
    assert len(by_alias) == len(by_str) == len(by_part) == 1
    assert by_alias[0]["o"] == by_str[0]["o"] == by_part[0]["o"]
    assert {r["doc"].rsplit("/", 1)[1] for r in docs} == {"001.txt", "002.txt", "003.txt"}
    assert sentences == [{"doc": "https://example.org/cnqkg/id/source/001.txt",
                          "sentence": "9月12日，由中机质协主办的2020年全国机械工业质量品牌工作会议在北京召开。"}]
    # and the pitfall it warns of: the plain string is another literal
    plain = kg("query", "--graph", str(out), queries[1].replace('"中机质协"@zh', '"中机质协"'), "--format", "json")
    assert json.loads(plain.stdout)["rows"] == []
