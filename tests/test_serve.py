"""``kg serve``: the pages, the SPARQL 1.1 Protocol endpoint and their limits, through Starlette's ASGI
test client; a real SPARQL client (SPARQLWrapper) against a uvicorn server on a free port."""

from __future__ import annotations

import json
import re
import shutil
import time
from urllib.parse import unquote

import pytest
import rdflib
from click.testing import CliRunner

from kg.cli import main
from kg.serve import CSP, create_app
from kg.store import load_store

testclient = pytest.importorskip("starlette.testclient", reason="httpx is in the test extra")


ORG = "中国机械工业质量管理协会"
SELECT = "SELECT ?e ?l WHERE { ?e a kg:Event ; rdfs:label ?l } ORDER BY ?l LIMIT 3"


@pytest.fixture(scope="module")
def client(served_graph):
    with testclient.TestClient(create_app(served_graph, timeout=5, row_cap=50)) as c:
        yield c


def entity_url(client, name: str) -> str:
    r = client.get("/search", params={"q": name}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


# --- pages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/search?q=协会", "/query", "/search?q=&type=Person"])
def test_pages_are_html_with_a_csp(client, url):
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP and "script-src 'self'" in CSP
    assert "<script>" not in r.text  # no inline script anywhere: data goes in application/json blocks


def test_home_counts_types_and_relations_and_links_stored_queries(client):
    r = client.get("/")
    assert "Association" in r.text and "hosted" in r.text and "主办" in r.text
    assert 'href="/query?stored=org-events"' in r.text


@pytest.mark.parametrize("name", [ORG, "中机质协"])
def test_a_name_or_alias_opens_its_entity(client, name):
    url = entity_url(client, name)
    assert unquote(url) == "/id/org/" + ORG
    r = client.get(url)
    assert r.status_code == 200 and f"<h1 id=\"label\">{ORG}" in r.text


def test_an_ambiguous_name_lists_the_entities_exact_first_and_pages(client):
    r = client.get("/search", params={"q": "协会"})
    assert r.status_code == 200 and "names 15 entities" in r.text
    labels = re.findall(r'class="result" href="[^"]*">([^<]*)</a>', r.text)
    assert all("协会" in x for x in labels) and [len(x) for x in labels] == sorted(len(x) for x in labels)
    r = client.get("/search", params={"q": "会"})
    labels = re.findall(r'class="result" href="[^"]*">([^<]*)</a>', r.text)
    assert len(labels) == 20 and "下一页" in r.text
    page2 = client.get("/search", params={"q": "会", "list": "1", "page": "2"})
    more = re.findall(r'class="result" href="[^"]*">([^<]*)</a>', page2.text)
    assert more and not set(more) & set(labels)


def test_a_listed_search_gives_the_exact_entity_first_then_those_containing_the_name(client):
    r = client.get("/search", params={"q": ORG, "list": "1"})
    labels = re.findall(r'class="result" href="[^"]*">([^<]*)</a>', r.text)
    assert labels[0] == ORG and len(labels) > 1 and all(ORG in x for x in labels)


def test_search_filters_by_type(client):
    r = client.get("/search", params={"q": "协会", "type": "Person", "list": "1"})
    assert r.status_code == 404  # no person is named 协会
    r = client.get("/search", params={"q": "王", "type": "Person", "list": "1"})
    assert r.status_code == 200 and "Person" in r.text and "Association</span>" not in r.text


def test_an_unknown_name_is_404_with_close_names(client):
    r = client.get("/search", params={"q": "中国机械工业质量协会"})
    assert r.status_code == 404 and ORG in r.text


def test_entity_page_groups_relations_with_evidence_linking_to_the_sentence(client):
    r = client.get(entity_url(client, ORG))
    assert 'data-predicate="hosted" data-direction="out"' in r.text
    assert "主办" in r.text and "中机质协" in r.text  # relation in Chinese, alias
    assert "Events by date" in r.text  # an organization's timeline
    links = set(re.findall(r'class="ev-link" href="(/id/source/[^"#]+)#(s-\d+-\d+)"', r.text))
    assert links
    doc, anchor = sorted(links)[0]
    d = client.get(doc)
    assert d.status_code == 200 and f'<mark class="ev" id="{anchor}">' in d.text


def test_every_evidence_link_lands_on_a_mark_of_its_document(client):
    r = client.get(entity_url(client, ORG))
    links = set(re.findall(r'class="ev-link" href="(/id/source/[^"#]+)#(s-\d+-\d+)"', r.text))
    pages = {doc: client.get(doc).text for doc, _ in links}
    missing = [(doc, a) for doc, a in links if f'id="{a}"' not in pages[doc]]
    assert not missing


def test_an_event_page_gives_its_date_and_roles(client):
    r = client.get("/sparql", params={"query": "SELECT ?l WHERE { ?e a kg:Event ; kg:date ?d ; rdfs:label ?l . "
                                               "?o kg:hosted ?e } ORDER BY ?l LIMIT 1"},
                   headers={"accept": "application/sparql-results+json"})
    label = r.json()["results"]["bindings"][0]["l"]["value"]
    r = client.get("/search", params={"q": label, "type": "Event"})
    assert r.status_code == 200 and "Roles" in r.text and "hosted" in r.text and 'class="date"' not in r.text[:0]
    assert re.search(r"<dt>日期 <span class=\"en\">Date</span></dt><dd>\d{4}", r.text)


def test_document_page_highlights_mentions_by_type(client):
    r = client.get("/id/source/zz_payload.txt")
    assert r.status_code == 200
    assert re.search(r'<a class="ent t-Association"[^>]*>' + ORG + "</a>", r.text)
    assert "Relations stated here" in r.text


def test_document_payloads_are_escaped_everywhere(client):
    pages = [client.get("/id/source/zz_payload.txt").text,
             client.get(entity_url(client, ORG)).text,
             client.get("/search", params={"q": "座谈会", "list": "1"}).text]
    for text in pages:
        assert "<script>window" not in text and "<img src=x" not in text
    assert "&lt;script&gt;" in pages[0] and "&lt;img src=x onerror=" in pages[0]


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                        ("application/n-triples", "nt")])
def test_entity_as_rdf_by_accept_header(client, accept, fmt):
    url = entity_url(client, ORG)
    r = client.get(url, headers={"accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    g = rdflib.Graph().parse(data=r.text, format=fmt)
    me = rdflib.URIRef("https://example.org/cnqkg/id/org/" + ORG)
    assert (me, rdflib.RDFS.label, rdflib.Literal(ORG, lang="zh")) in g
    assert any(True for _ in g.triples((me, rdflib.URIRef("https://example.org/cnqkg/ontology#hosted"), None)))


@pytest.mark.parametrize("fmt,media", [("ttl", "text/turtle"), ("jsonld", "application/ld+json")])
def test_the_page_links_its_rdf_with_a_format_parameter(client, fmt, media):
    page = client.get(entity_url(client, ORG)).text
    href = re.search(r'<a href="([^"]*format=' + fmt + ')" class="rdf">', page).group(1)
    r = client.get(href.replace("&amp;", "&"), headers={"accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)


@pytest.mark.parametrize("url", ["/id/org/没有这个机构", "/resource?iri=https://elsewhere.example/x", "/nothing"])
@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_unknown_iris_and_paths_are_404(client, url, accept):
    assert client.get(url, headers={"accept": accept}).status_code == 404


@pytest.mark.parametrize("url", ["/static/../graph.trig", "/static/%2e%2e/%2e%2e/graph.trig", "/static/vis/..%2f..%2fgraph.trig",
                                 "/id/../graph.trig", "/static//etc/passwd"])
def test_no_url_reaches_the_file_system(client, url):
    r = client.get(url)
    assert r.status_code in (400, 404) and "kg:SourceFile" not in r.text and "root:" not in r.text


def test_static_assets_are_served_from_the_package(client):
    assert client.get("/static/app.css").status_code == 200
    js = client.get("/static/vis/vis-network.min.js")
    assert js.status_code == 200 and "vis" in js.text[:2000]


# --- the SPARQL endpoint ----------------------------------------------------------------------------

RESULTS = [("application/sparql-results+json", lambda b: json.loads(b)["results"]["bindings"]),
           ("application/sparql-results+xml", lambda b: re.findall(rb"<result>", b)),
           ("text/csv", lambda b: b.decode().strip().split("\r\n")[1:]),
           ("text/tab-separated-values", lambda b: b.decode().strip().split("\n")[1:])]


@pytest.mark.parametrize("accept,rows", RESULTS)
@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_select_in_every_results_format_and_every_way_of_asking(client, accept, rows, how):
    if how == "get":
        r = client.get("/sparql", params={"query": SELECT}, headers={"accept": accept})
    elif how == "form":
        r = client.post("/sparql", data={"query": SELECT}, headers={"accept": accept})
    else:
        r = client.post("/sparql", content=SELECT.encode(), headers={"accept": accept,
                                                                     "content-type": "application/sparql-query"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    assert len(rows(r.content)) == 3 and r.headers["x-kg-rows"] == "3"
    assert r.headers["x-kg-row-cap"] == "50" and r.headers["x-kg-truncated"] == "false"


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                        ("application/ld+json", "json-ld")])
def test_construct_and_describe_as_rdf(client, accept, fmt):
    for q in ("CONSTRUCT { ?e a kg:Event } WHERE { ?e a kg:Event }", "DESCRIBE ?e WHERE { ?e a kg:Event } LIMIT 2"):
        r = client.get("/sparql", params={"query": q}, headers={"accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
        assert len(rdflib.Graph().parse(data=r.text, format=fmt)) > 0


def test_ask(client):
    r = client.get("/sparql", params={"query": "ASK { ?s a kg:Event }"},
                   headers={"accept": "application/sparql-results+json"})
    assert r.json() == {"head": {}, "boolean": True}


def test_a_stored_query_with_a_name_parameter_binds_as_kg_query_does(client):
    r = client.get("/sparql", params={"stored": "org-events", "param": "org=中机质协"},
                   headers={"accept": "application/sparql-results+json"})
    assert r.status_code == 200
    orgs = {b["organization"]["value"] for b in r.json()["results"]["bindings"]}
    assert orgs == {ORG}
    r = client.get("/sparql", params={"stored": "org-events", "param": "org=协会"})
    assert r.status_code == 400 and "names" in r.text and "give the full name" in r.text


def test_rows_past_the_cap_are_cut_and_the_client_told(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"accept": "text/csv"})
    assert r.status_code == 200 and r.headers["x-kg-rows"] == "50" and r.headers["x-kg-truncated"] == "true"
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 500"})
    assert r.status_code == 400 and "cap of 50" in r.text


@pytest.mark.parametrize("query,message", [
    ("SELECT ?x WHERE { ?x foo:bar ?y }", "unknown prefix 'foo:'"),
    ("SELECT ?x WHERE { ?x ?p }", "line 1, column"),
    ("SELECT ?x\nWHERE {\n  ?x a kg:Event\n", "line 4, column 1"),
])
def test_malformed_sparql_is_400_with_the_parsers_message(client, query, message):
    r = client.post("/sparql", data={"query": query})
    assert r.status_code == 400 and "SPARQL syntax error" in r.text and message in r.text


@pytest.mark.parametrize("how", ["query", "update-form", "update-body"])
def test_updates_are_refused(client, how):
    if how == "query":
        r = client.get("/sparql", params={"query": "DROP ALL"})
    elif how == "update-form":
        r = client.post("/sparql", data={"update": "INSERT DATA { <http://a> <http://b> <http://c> }"})
    else:
        r = client.post("/sparql", content=b"CLEAR DEFAULT", headers={"content-type": "application/sparql-update"})
    assert r.status_code == 403 and "refused" in r.text
    assert client.get("/sparql", params={"query": "ASK { ?s a kg:Event }"}).json()["boolean"] is True


def test_dataset_parameters_are_refused_not_ignored(client):
    r = client.get("/sparql", params={"query": SELECT, "default-graph-uri": "https://example.org/g"})
    assert r.status_code == 400 and "GRAPH" in r.text


def test_unacceptable_format_is_406(client):
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": "image/png"})
    assert r.status_code == 406 and "application/sparql-results+json" in r.text


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.mark.slow
def test_a_slow_query_times_out_and_does_not_stall_pages(served_graph):
    import threading

    with testclient.TestClient(create_app(served_graph, timeout=2)) as c:
        result = {}

        def slow():
            started = time.monotonic()
            result["r"] = c.get("/sparql", params={"query": SLOW})
            result["seconds"] = time.monotonic() - started

        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.3)
        started = time.monotonic()
        assert c.get(entity_url(c, ORG)).status_code == 200
        assert c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200  # the other worker
        assert time.monotonic() - started < 1.5
        t.join()
        assert result["r"].status_code == 503 and "timeout" in result["r"].text and result["seconds"] < 10
        assert c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200  # a new worker


def test_a_rebuilt_store_is_noticed(tmp_path, served_graph):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(served_graph / "graph.trig", out / "graph.trig")
    app = create_app(out)
    app.state.view.check_every = 0
    with testclient.TestClient(app) as c:
        assert c.get("/search", params={"q": "新加的机构"}).status_code == 404
        with (out / "graph.trig").open("a", encoding="utf-8") as f:
            f.write('\n<https://example.org/cnqkg/id/graph/x> { <https://example.org/cnqkg/id/org/新加的机构> a '
                    '<https://example.org/cnqkg/ontology#Association> ; '
                    '<http://www.w3.org/2000/01/rdf-schema#label> "新加的机构"@zh . }\n')
        load_store(out)  # what a build does: a new store renamed into place
        assert c.get("/search", params={"q": "新加的机构"}, follow_redirects=False).status_code == 303
        r = c.get("/sparql", params={"query": 'ASK { ?o rdfs:label "新加的机构"@zh }'},
                  headers={"accept": "application/sparql-results+json"})
        assert r.json()["boolean"] is True


def test_a_real_sparql_client_queries_the_endpoint(live_server):
    from SPARQLWrapper import JSON, SPARQLWrapper

    sw = SPARQLWrapper(live_server + "/sparql")
    sw.setQuery("PREFIX kg: <https://example.org/cnqkg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                'SELECT ?o WHERE { ?o skos:altLabel "中机质协"@zh }')
    sw.setReturnFormat(JSON)
    rows = sw.query().convert()["results"]["bindings"]
    assert [r["o"]["value"] for r in rows] == ["https://example.org/cnqkg/id/org/" + ORG]


def test_rdflib_sparqlstore_queries_the_endpoint(live_server):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = rdflib.Graph(store=SPARQLStore(live_server + "/sparql", returnFormat="json"))
    rows = list(g.query("SELECT ?l WHERE { ?o <http://www.w3.org/2004/02/skos/core#altLabel> \"中机质协\"@zh ; "
                        "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"))
    assert [str(r[0]) for r in rows] == [ORG]


def test_kg_serve_without_a_graph_exits_3(tmp_path):
    r = CliRunner().invoke(main, ["serve", "--graph", str(tmp_path / "none")])
    assert r.exit_code == 3 and "error:" in r.output


def test_kg_serve_binds_localhost_by_default():
    r = CliRunner().invoke(main, ["serve", "--help"])
    assert "127.0.0.1" in r.output and "--port" in r.output


# --- the document's text cut into marks and names ------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kg.serve.document import Span, segments  # noqa: E402


def _flatten(parts):
    text, marks = "", []
    for p in parts:
        if "mark" in p:
            marks.append(p["mark"])
            inner, more = _flatten(p["parts"])
            assert inner == "".join(x.get("text", "") for x in _leaves(p["parts"]))
            text += inner
            marks += more
        elif "anchor" in p:
            marks.append(p["anchor"])
        else:
            text += p["text"]
    return text, marks


def _leaves(parts):
    for p in parts:
        if "mark" in p:
            yield from _leaves(p["parts"])
        elif "text" in p:
            yield p


@st.composite
def text_and_spans(draw):
    text = draw(st.text(alphabet="协会王<>&\"' \n召开", min_size=1, max_size=40))
    n = len(text)
    pairs = draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=8))
    evs = [Span(min(a, b), max(a, b), "ev") for a, b in pairs if a != b]
    names = [Span(min(a, b), max(a, b), "Person", "p") for a, b in
             draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=8)) if a != b]
    return text, evs + names


@given(text_and_spans())
def test_segments_keep_every_character_once_and_give_every_evidence_a_target(case):
    text, spans = case
    out, marks = _flatten(segments(text, spans))
    assert out == text
    assert {(s.start, s.end) for s in spans if s.kind == "ev"} == set(marks)
    for leaf in _leaves(segments(text, spans)):
        if leaf.get("entity"):
            assert any(s.kind == "Person" and text[s.start:s.end] == leaf["text"] for s in spans)


def test_a_post_inside_its_sentence_is_a_mark_inside_a_mark():
    parts = segments("会议由会长王建和主持。", [Span(0, 11, "ev"), Span(3, 8, "ev"), Span(5, 8, "Person", "p")])
    assert parts[0]["mark"] == (0, 11)
    inner = [p for p in parts[0]["parts"] if "mark" in p]
    assert inner[0]["mark"] == (3, 8) and inner[0]["parts"][-1] == {"text": "王建和", "entity": "p", "type": "Person"}


def test_long_lists_are_cut_and_the_page_says_how_many(client, monkeypatch):
    import kg.serve.entity as entity

    monkeypatch.setattr(entity, "SHOWN", 2)
    monkeypatch.setattr(entity, "SHOWN_EVIDENCE", 1)
    r = client.get(entity_url(client, ORG))
    shown = re.findall(r"显示前 2 项，共 (\d+) 项", r.text)
    assert shown and all(int(n) > 2 for n in shown)
    assert "共 " in r.text and "the first 2 of" in r.text
    for group in re.findall(r'<div class="group".*?</div>', r.text, re.S):
        assert group.count('class="rel-target"') <= 2


@given(q=st.text(max_size=30))
def test_any_search_text_is_answered_and_shown_escaped(client, q):
    r = client.get("/search", params={"q": q, "list": "1"})
    assert r.status_code in (200, 404)
    assert "<script>window" not in r.text and (not q.strip() or "<" not in q or "&lt;" in r.text)
