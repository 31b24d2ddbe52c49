"""The HTML page (kg.viz) without a browser: self-contained, escaped, legend, labels, focus, determinism, CLI.

The page is also driven in headless Chromium by tests/test_viz_browser.py.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import re
import shutil
import sqlite3
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.lookup import AmbiguousName, NameNotFound
from kg.network import load_network
from kg.viz import DETAIL_MAX_NODES, TYPE_STYLES, Page, focus_subgraph, page_data, render_html, show, write_html
from kg.viz.layout import SPRING_MAX, layout_positions
from kg.viz.page import _script_json

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "viz_graph.trig"
QUERY_FIXTURE = DATA / "query_graph.trig"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "</script><script>window.__pwned=1</script>协会"
XSS_SENTENCE = "<img src=x onerror=alert(3)>出席了会议</script><script>alert(4)</script>\u2028下一行\u2029。"


@pytest.fixture(scope="module")
def G():
    return load_network(FIXTURE)


@pytest.fixture(scope="module")
def html(G):
    return render_html(G)


class _Tags(HTMLParser):
    """Every start tag with its attributes, the text of each <script> by id, and each <script>
    element's attributes and text in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: dict[str | None, str] = {}
        self.script_elements: list[tuple[dict, str]] = []
        self._inside = False
        self._script = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs).get("id")
            self.scripts[self._script] = ""
            self.script_elements.append((dict(attrs), ""))
            self._inside = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None
            self._inside = False

    def handle_data(self, data):
        if self._script is not None or (self.tags and self.tags[-1][0] == "script"):
            self.scripts[self._script] = self.scripts.get(self._script, "") + data
        if self._inside:
            attrs, text = self.script_elements[-1]
            self.script_elements[-1] = (attrs, text + data)


def parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    p.close()
    return p


def page_json(html: str) -> tuple[dict, dict]:
    """The graph data and the details as the page's own JSON.parse would see them."""
    scripts = parse(html).scripts
    return json.loads(scripts["kg-data"]), json.loads(scripts["kg-details"])


# ---- self-contained ------------------------------------------------------------------------------

def test_page_links_nothing_external(html):
    tags = parse(html).tags
    assert not [(t, a) for t, a in tags if "src" in a or "href" in a], "no element may load or link anything"
    assert not [t for t, _ in tags if t in ("link", "iframe", "img", "object", "embed", "base")]
    assert [a.get("type") for t, a in tags if t == "script"] == ["application/json", "application/json", None, None]
    assert not re.search(r"""(?i)\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html)
    assert not re.search(r"""(?i)url\(\s*["']?\s*(?:https?:)?//""", html), "CSS url() may only hold data: URIs"
    assert "@import" not in html and "sourceMappingURL" not in html


def test_page_forbids_network_by_csp(html):
    csp = [a["content"] for t, a in parse(html).tags
           if t == "meta" and a.get("http-equiv", "").lower() == "content-security-policy"]
    assert csp and "default-src 'none'" in csp[0] and "connect-src" not in csp[0]


def _vis_network_files() -> tuple[str, str]:
    """vis-network's script and stylesheet as pyvis ships them (its newest), without their source-map comments."""
    root = sorted((Path(importlib.util.find_spec("pyvis").origin).parent / "lib").glob("vis-*"))[-1]
    js = re.sub(r"//# sourceMappingURL=\S*", "", (root / "vis-network.min.js").read_text(encoding="utf-8"))
    css = re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", (root / "vis-network.css").read_text(encoding="utf-8"))
    return js, css


def _app_script(html: str) -> str:
    """The page's own script: the one inline script that is neither data nor the vis-network library."""
    library = _vis_network_files()[0].strip()
    (app,) = [t for attrs, t in parse(html).script_elements if "type" not in attrs and library not in t]
    return app


def test_vis_network_is_inlined(html):
    js, css = _vis_network_files()
    assert any(js.strip() in t for _, t in parse(html).script_elements)  # the whole library, in the page
    assert css.strip() in html


# ---- escaping ------------------------------------------------------------------------------------

def test_script_json_escapes_what_could_end_a_script():
    text = _script_json({"a": "</script><!-- & '\" \u2028\u2029 <img>"})
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"a": "</script><!-- & '\" \u2028\u2029 <img>"}


def test_document_text_never_appears_as_markup(html):
    for raw in (XSS_IMG, "<img", "</script><script>", "<svg", "<b>别名", "\u2028", "\u2029"):
        assert raw not in html, raw
    tags = parse(html).tags
    assert [t for t, _ in tags].count("script") == 4, "no script element came from the data"
    assert not [t for t, _ in tags if t in ("img", "svg", "b")]


def test_document_text_round_trips_through_the_page_json(G, html):
    data, details = page_json(html)
    labels = {i["label"] for i in details["info"]}
    assert {XSS_IMG, XSS_SCRIPT} <= labels
    assert XSS_SENTENCE in details["sentences"]
    assert "<svg onload=alert(5)>.txt" in details["docs"]
    assert "中机质协主办&amp;承办会议。" in details["sentences"]  # an entity in the text stays as written
    aliases = {a for i in details["info"] for a in i["aliases"]}
    assert "\"'&<b>别名</b>" in aliases


def test_page_builds_text_with_textcontent_only(html):
    app = _app_script(html)
    assert "textContent" in app
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in app, sink
    assert "title:" not in app  # no vis tooltips (they take HTML in some versions): the side panel shows details


def test_title_is_escaped(G):
    html = render_html(G, title="<script>alert(9)</script>")
    assert "<script>alert(9)" not in html and "&lt;script&gt;alert(9)&lt;/script&gt;" in html


# ---- content ------------------------------------------------------------------------------------

def test_every_node_and_edge_is_in_the_page(G, html):
    data, details = page_json(html)
    assert len(data["nodes"]) + len(data["isolated"]) == G.number_of_nodes() == len(details["info"])
    assert len(data["edges"]) == G.number_of_edges() == len(details["edge_info"])
    assert {i["iri"] for i in details["info"]} == set(G)
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])


def test_unconnected_entities_are_listed_not_drawn(G, html):
    """Regression: 125 entities with no relation were drawn as a dense grid beside the graph."""
    data, details = page_json(html)
    lonely = {n for n in G if G.degree(n) == 0}
    assert lonely, "the fixture has an entity with no relation"
    by_id = {n["id"]: i for n, i in zip(data["nodes"], details["info"])}
    by_id.update(zip(data["isolated"], details["info"][len(data["nodes"]):]))
    assert {by_id[i]["iri"] for i in data["isolated"]} == lonely
    assert not {by_id[n["id"]]["iri"] for n in data["nodes"]} & lonely
    assert {i for e in data["edges"] for i in (e["from"], e["to"])} <= {n["id"] for n in data["nodes"]}


def test_opening_view_is_the_largest_connected_part_and_its_hubs():
    G = _plain_graph(30)  # one part of 30 nodes
    G.add_edge("urn:x1", "urn:x2", key="hosted", predicate="hosted", label_zh="主办", label_en="hosted",
               confidence=None, evidence=[])
    for n in ("urn:x1", "urn:x2", "urn:alone"):
        G.add_node(n, iri=n, label=n, type="Company", type_zh="企业", aliases=[], date=None, end_date=None,
                   posts=[], sources=[], evidence=[])
    data = page_data(G)
    label = {n["id"]: n["label"] for n in data["nodes"]}
    assert sorted(label[i] for i in data["main"]) == sorted(f"实体{i}" for i in range(30))
    U = nx.Graph(G)
    most = max(U.degree(f"urn:n{i}") for i in range(30))
    first = data["hubs"][0]
    assert U.degree(next(n for n in G if G.nodes[n]["label"] == label[first])) == most
    degrees = [U.degree(next(n for n in G if G.nodes[n]["label"] == label[h])) for h in data["hubs"]]
    assert degrees == sorted(degrees, reverse=True)
    assert len(data["isolated"]) == 1 and len(data["nodes"]) == 32


def test_legend_gives_each_type_a_shape_colour_and_names(G, html):
    data, _ = page_json(html)
    legend = {g["type"]: g for g in data["legend"]}
    types = {a["type"] for _, a in G.nodes(data=True)}
    assert set(legend) == types
    assert legend["Person"]["zh"] == "人物" and legend["Person"]["en"] == "Person"
    assert legend["GovernmentBody"]["zh"] == "政府机构"
    for t, g in legend.items():
        assert (g["shape"], g["color"]) == TYPE_STYLES[t]
        assert g["count"] == sum(1 for _, a in G.nodes(data=True) if a["type"] == t)
        assert data["options"]["groups"][t]["shape"] == g["shape"]
    assert len({TYPE_STYLES[t] for t in TYPE_STYLES}) == len(TYPE_STYLES), "no two types look the same"
    by_group = {n["group"] for n in data["nodes"]}
    assert by_group == types
    assert "kg-legend" in html


def test_edges_are_labelled_in_chinese_and_english(html):
    data, details = page_json(html)
    labels = {e["label"] for e in data["edges"]}
    assert {"主办\nhosted", "指导\nguided", "出席\nattended", "承办/协办\nco-hosted", "讲话\nspoke at",
            "举办地\nheld in", "发布\nissued"} <= labels
    assert "副会长兼秘书长\nholds a post in" in labels  # a post: its title, then the relation
    rels = {r["predicate"]: r for r in data["relations"]}
    assert rels["hosted"]["zh"] == "主办" and rels["hosted"]["en"] == "hosted"
    assert rels["memberOf"]["zh"] == "任职" and rels["memberOf"]["en"] == "holds a post in"
    assert {r["predicate"] for r in data["relations"] if r["count"]} == {e["rel"] for e in data["edges"]}


def test_node_details_hold_type_aliases_posts_and_evidence(html):
    data, details = page_json(html)
    info = {i["label"]: i for i in details["info"]}
    org = info["中国机械工业质量管理协会"]
    assert org["type"] == "Association"
    assert {g["type"]: (g["zh"], g["en"]) for g in data["legend"]}["Association"] == ("社会团体", "Association")
    assert org["aliases"] == ["中机质协"]
    ids = {n["id"]: i for n, i in zip(data["nodes"], details["info"])}
    node_of = {i["label"]: k for k, i in ids.items()}
    posts = info["王建和"]["posts"]
    assert posts == [{"title": "副会长兼秘书长", "organization": "中国机械工业质量管理协会",
                      "node": next(k for k, v in ids.items() if v is org)}]
    evidence = [details["evidence"][k] for k, _ in org["evidence"]]
    sentences = {details["sentences"][e[1]] for e in evidence}
    docs = {details["docs"][e[0]] for e in evidence}
    assert "9月12日，由中机质协主办的2020年全国机械工业质量品牌工作会议在北京召开。" in sentences
    assert docs == {"news-001.txt", "<svg onload=alert(5)>.txt"}
    event = node_of["2020年全国机械工业质量品牌工作会议"]
    assert {tuple(r) for _, rels in org["evidence"] for r in rels} == {("hosted", event, "out")}
    assert info["2020年全国机械工业质量品牌工作会议"]["date"] == "2020-09-12"


def test_node_evidence_lists_every_relation_of_a_sentence(html):
    """Regression: a sentence stating that a person attended and spoke showed only 'attended'."""
    data, details = page_json(html)
    ids = {i["label"]: n["id"] for n, i in zip(data["nodes"], details["info"])}
    person = next(i for i in details["info"] if i["label"] == "王建和")
    [(row, relations)] = [(k, rels) for k, rels in person["evidence"]
                          if details["sentences"][details["evidence"][k][1]] == "王建和出席会议并讲话。"]
    event = ids["2020年全国机械工业质量品牌工作会议"]
    assert relations == [["attended", event, "out"], ["spokeAt", event, "out"]]
    hub = next(i for i in details["info"] if i["label"] == "2020年全国机械工业质量品牌工作会议")
    assert [rels for k, rels in hub["evidence"] if k == row] == [[["attended", ids["王建和"], "in"],
                                                                   ["spokeAt", ids["王建和"], "in"]]]


def test_edge_details_hold_evidence(G, html):
    data, details = page_json(html)
    (edge, extra), = [(e, x) for e, x in zip(data["edges"], details["edge_info"]) if e["rel"] == "attended"
                      and x["evidence"] and x["confidence"] == 0.7]
    doc, sentence, start, end, extractor, confidence = details["evidence"][extra["evidence"][0]]
    assert details["sentences"][sentence] == XSS_SENTENCE
    assert (details["docs"][doc], start, end, details["extractors"][extractor], confidence) == \
        ("news-001.txt", 200, 240, "rule:attended/出席", 0.7)
    assert extra["confidence"] == 0.7


def test_long_labels_are_shortened_on_the_canvas_only(html):
    data, details = page_json(html)
    by_id = {n["id"]: (n["label"], i["label"]) for n, i in zip(data["nodes"], details["info"])}
    short, full = by_id[next(k for k, (s, f) in by_id.items() if f.startswith("2020年全国机械"))]
    assert full == "2020年全国机械工业质量品牌工作会议" and short.endswith("…") and len(short) <= 18


# ---- size: physics and edge labels -------------------------------------------------------------

def _plain_graph(n: int, seed: int = 1) -> nx.MultiDiGraph:
    """``n`` entities with load_network's attributes, ~2 edges each (a random tree plus extra edges)."""
    rnd = random.Random(seed)
    G = nx.MultiDiGraph()
    kinds = list(TYPE_STYLES)
    for i in range(n):
        t = kinds[i % len(kinds)]
        G.add_node(f"urn:n{i}", iri=f"urn:n{i}", label=f"实体{i}", type=t, type_zh=t, aliases=[f"别名{i}"],
                   date=None, end_date=None, posts=[], sources=[], evidence=[])
    for i in range(1, n):
        G.add_edge(f"urn:n{rnd.randrange(i)}", f"urn:n{i}", key="hosted", predicate="hosted", label_zh="主办",
                   label_en="hosted", confidence=0.9, evidence=[])
    for _ in range(n):
        a, b = rnd.sample(range(n), 2)
        G.add_edge(f"urn:n{a}", f"urn:n{b}", key="attended", predicate="attended", label_zh="出席",
                   label_en="attended", confidence=None, evidence=[])
    return G


def test_small_graphs_get_edge_labels_and_physics_only_when_asked(G):
    data = page_data(G)
    assert data["physics"] is False and data["options"]["physics"]["enabled"] is False  # the opening view stays fitted
    assert data["edge_labels"] == "all" and all("label" in e for e in data["edges"])
    asked = page_data(G, physics=True)
    assert asked["physics"] is True and asked["options"]["physics"]["enabled"] is True
    assert asked["options"]["physics"]["stabilization"]["enabled"] is False  # the layout is computed ahead


def test_large_graphs_are_drawn_static_with_labels_on_selection():
    big = _plain_graph(DETAIL_MAX_NODES + 1)
    data = page_data(big)
    assert data["physics"] is False and data["options"]["physics"]["enabled"] is False
    assert data["options"]["layout"]["improvedLayout"] is False
    assert data["options"]["edges"]["smooth"] is False
    assert data["options"]["interaction"]["hideEdgesOnDrag"] is True
    assert data["edge_labels"] == "selected" and not any("label" in e for e in data["edges"])
    assert all("x" in n and "y" in n for n in data["nodes"])
    assert page_data(big, physics=True)["physics"] is True  # --physics overrides


# ---- focus --------------------------------------------------------------------------------------

def test_focus_by_alias_keeps_the_neighbourhood(G):
    sub, centre = focus_subgraph(G, "中机质协", hops=1)
    assert G.nodes[centre]["label"] == "中国机械工业质量管理协会"
    assert {a["label"] for _, a in sub.nodes(data=True)} == {
        "中国机械工业质量管理协会", "2020年全国机械工业质量品牌工作会议", "关于开展质量品牌活动的通知", "王建和"}
    sub2, _ = focus_subgraph(G, "中国机械工业质量管理协会", hops=2)
    assert "北京" in {a["label"] for _, a in sub2.nodes(data=True)} and "第五届质量标准化论坛" not in \
        {a["label"] for _, a in sub2.nodes(data=True)}
    sub0, _ = focus_subgraph(G, "中机质协", hops=0)
    assert list(sub0) == [centre]


def test_focus_is_never_a_silent_pick_among_several(G):
    """A part of a name focuses on the one entity whose name contains it; of several, none is picked."""
    _, centre = focus_subgraph(G, "质量管理", hops=1)
    assert G.nodes[centre]["label"] == "中国机械工业质量管理协会"
    with pytest.raises(AmbiguousName) as e:
        focus_subgraph(G, "质量", hops=1)
    assert {"中国机械工业质量管理协会", "第五届质量标准化论坛"} <= {c["label"] for c in e.value.candidates}
    assert e.value.exit_code == 2


def test_focus_page_marks_the_centre_and_holds_only_the_neighbourhood(G):
    html = render_html(G, focus="中机质协", hops=1)
    data, details = page_json(html)
    assert len(data["nodes"]) == 4
    centre = next(n for n in data["nodes"] if n["id"] == data["focus"])
    assert centre["borderWidth"] > 1 and centre["label"] == "中国机械工业质量管理协会"
    assert "<title>中国机械工业质量管理协会 · 1 跳 / 1 hop(s)</title>" in html


def test_unknown_focus_lists_close_names(G):
    with pytest.raises(NameNotFound) as e:
        focus_subgraph(G, "中国机械工业质量协会", hops=1)
    assert "中国机械工业质量管理协会" in e.value.suggestions
    assert "close matches" in str(e.value)
    with pytest.raises(NameNotFound) as e:
        focus_subgraph(G, "完全无关的名字xyz", hops=1)
    assert e.value.suggestions == [] and "close matches" not in str(e.value)


# ---- determinism --------------------------------------------------------------------------------

def test_same_graph_same_bytes(G, html):
    assert render_html(load_network(FIXTURE)) == html


def test_bytes_do_not_depend_on_insertion_order(G, html):
    nodes, edges = list(G.nodes(data=True)), list(G.edges(keys=True, data=True))
    rnd = random.Random(3)
    rnd.shuffle(nodes)
    rnd.shuffle(edges)
    H = nx.MultiDiGraph()
    H.add_nodes_from(nodes)
    H.add_edges_from(edges)
    assert render_html(H) == html


def test_layout_is_deterministic_and_spreads_nodes():
    for n in (40, SPRING_MAX + 100):
        Gn = _plain_graph(n, seed=n)
        pos = layout_positions(Gn)
        assert pos == layout_positions(Gn)
        xy = sorted(pos.values())
        assert len(pos) == n and all(math.isfinite(c) for p in xy for c in p)
        assert len(set(xy)) == n, "no two nodes on the same spot"


def test_layout_lays_a_component_along_x():
    G2 = nx.path_graph([f"n{i}" for i in range(12)])  # a chain is long and thin whatever spring does
    pos = layout_positions(G2)
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    assert max(xs) - min(xs) > 2 * (max(ys) - min(ys))


def test_layout_packs_components_apart():
    G2 = nx.Graph()
    G2.add_edges_from([("a", "b"), ("b", "c"), ("x", "y"), ("y", "z")])
    G2.add_node("lonely")
    pos = layout_positions(G2)

    def box(ns):
        xs, ys = [pos[n][0] for n in ns], [pos[n][1] for n in ns]
        return min(xs), max(xs), min(ys), max(ys)

    a, b = box("abc"), box("xyz")
    assert a[1] < b[0] or b[1] < a[0] or a[3] < b[2] or b[3] < a[2], "components overlap"
    assert set(pos) == {"a", "b", "c", "x", "y", "z", "lonely"}
    assert layout_positions(nx.MultiDiGraph()) == {}


def test_empty_graph_gives_a_page():
    html = render_html(nx.MultiDiGraph())
    data, details = page_json(html)
    assert data["nodes"] == [] and details["info"] == []


# ---- library helpers ----------------------------------------------------------------------------

def test_write_html_writes_atomically(G, tmp_path):
    path = write_html(G, tmp_path / "sub" / "g.html")
    assert path.read_text(encoding="utf-8") == render_html(G)
    assert [p.name for p in path.parent.iterdir()] == ["g.html"]


def test_render_html_takes_a_build_folder_or_file(tmp_path, html):
    shutil.copy(FIXTURE, tmp_path / "graph.trig")
    assert render_html(tmp_path) == html == render_html(tmp_path / "graph.trig")


def test_a_page_from_a_file_is_laid_out_once_as_soon_as_its_network_is_known(tmp_path, monkeypatch, html):
    """From a file or a folder, the page's network is laid out as soon as its nodes and edges are known,
    before their evidence is read, and the page draws it there: one layout, the same bytes as the page of
    the network loaded first (laid out when the page is made)."""
    import kg.network.load as load
    import kg.viz.page as page_module

    calls: list[str] = []
    layout, merge = page_module.layout_positions, load._Evidence.merge

    def laid_out(H, **kwargs):
        calls.append("layout")
        return layout(H, **kwargs)

    def merged(self, *args):
        calls.append("evidence")
        return merge(self, *args)

    monkeypatch.setattr(page_module, "layout_positions", laid_out)
    monkeypatch.setattr(load._Evidence, "merge", merged)
    shutil.copy(FIXTURE, tmp_path / "graph.trig")
    assert render_html(tmp_path) == html
    assert calls[0] == "layout" and calls.count("layout") == 1 and "evidence" in calls
    G = load_network(FIXTURE, evidence=5)
    calls.clear()
    assert render_html(G) == html and calls == ["layout"]


@pytest.mark.parametrize("stale", ["seed", "edges", "nodes"])
def test_positions_laid_out_for_another_graph_are_not_drawn(G, stale):
    """Positions laid out ahead are used only for the very nodes, edges and seed drawn."""
    from kg.viz.page import _LAID_OUT, SEED, _drawn, _lay_out_ahead

    H = G.copy()
    _lay_out_ahead(H, SEED)
    seed, edges, pos = H.graph[_LAID_OUT]
    far = {n: (x + 1e6, y) for n, (x, y) in pos.items()}
    wrong = {"seed": (seed + 1, edges, far), "edges": (seed, edges + 1, far),
             "nodes": (seed, edges, dict(list(far.items())[1:]))}[stale]
    H.graph[_LAID_OUT] = wrong
    assert page_data(H) == page_data(G)
    H.graph[_LAID_OUT] = (seed, edges, far)  # (what a stale layout would have drawn)
    assert [n["x"] for n in page_data(H)["nodes"]] != [n["x"] for n in page_data(G)["nodes"]]
    assert len(_drawn(G)) == len(pos)


@pytest.mark.slow
@pytest.mark.parametrize("with_facts", [True, False], ids=["facts-given", "facts-read"])
@pytest.mark.parametrize("base_iri", [None, "https://data.example.com/质量/kg/"])
def test_a_builds_page_network_is_known_before_the_graph_file_is_waited_for(text_corpus, tmp_path, monkeypatch,
                                                                           with_facts, base_iri):
    """``load_network``'s ``on_network`` sees the page's network with its final nodes and edges and no
    evidence yet; given the facts (as a build gives its page), before the index of graph.trig, handed
    on as the file is written, is waited for: an update's page lays it out while the build writes the
    file. The network is the same as without either."""
    import copy

    import kg.build as building
    from kg.build import build
    from kg.viz.page import MAX_NODES, SHOWN_EVIDENCE

    corpus = text_corpus({
        "a.txt": "中国机械工业质量管理协会在北京召开2021年质量工作会议。协会会长张维德出席会议并讲话。",
        "b.txt": "工业和信息化部发布《关于推进机械工业质量提升的指导意见》。",
        "c.txt": "2022年5月，上海市质量协会主办第五届长三角质量论坛，市场监管总局副局长王明出席。"})
    captured: dict = {}
    real_page = building._write_page

    def page(out, ontology, written=None, digests=None, facts=None):
        # (the page empties the facts' index once its network is made: a copy, its terms shared)
        captured.update(written=dict(written),
                        facts={s: {p: copy.copy(o) for p, o in po.items()} for s, po in facts.items()})
        return real_page(out, ontology, written, digests, facts)

    monkeypatch.setattr(building, "_write_page", page)
    out = tmp_path / "out"
    build([str(corpus)], out, base_iri=base_iri)
    assert captured["facts"], "a build gives its page the facts it wrote"
    expected = load_network(out, evidence=SHOWN_EVIDENCE, max_nodes=MAX_NODES)
    waited: list[str] = []
    trig = (out / "graph.trig").read_bytes()
    (out / "graph.trig").unlink()  # not begun yet: the build writes it once the page has graph.ttl

    def as_written():  # the index, as a build hands it on while it writes graph.trig
        waited.append("graph.trig")
        (out / "graph.trig").write_bytes(trig)
        yield from sorted(captured["written"].items(), key=lambda kv: kv[1][1])

    seen: list[tuple] = []

    def on_network(N):
        seen.append((list(waited), sorted(N.nodes), sorted(N.edges(keys=True)),
                     [a["evidence"] for _, a in N.nodes(data=True)]))

    G = load_network(out, evidence=SHOWN_EVIDENCE, max_nodes=MAX_NODES, graphs=as_written(),
                     facts=captured["facts"] if with_facts else None, on_network=on_network)
    [(waited_then, nodes, edges, evidence)] = seen
    assert waited_then == ([] if with_facts else ["graph.trig"])
    assert nodes == sorted(G.nodes) and edges == sorted(G.edges(keys=True)) and len(edges) >= 3
    assert not any(evidence), "no evidence read yet"
    assert any(a["evidence"] for _, a in G.nodes(data=True)) and any(a["sources"] for _, a in G.nodes(data=True))
    assert nx.utils.graphs_equal(G, expected)


def test_notebook_page_is_an_iframe_with_escaped_srcdoc(G):
    page = show(G, height=500)
    assert isinstance(page, Page) and str(page) == render_html(G)
    frame = page._repr_html_()
    assert frame.startswith("<iframe srcdoc=\"") and "height:500px" in frame
    body = frame[len('<iframe srcdoc="'):frame.index('" style=')]
    assert "<" not in body and '"' not in body
    assert 'sandbox="allow-scripts"' in frame


# ---- kg viz -------------------------------------------------------------------------------------

def kg(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def out(tmp_path) -> Path:
    d = tmp_path / "out"
    d.mkdir()
    shutil.copy(FIXTURE, d / "graph.trig")
    return d


def test_cli_writes_graph_html_into_the_build_folder(out, html):
    r = kg("viz", "--graph", str(out))
    assert r.exit_code == 0, r.stderr
    assert (out / "graph.html").read_text(encoding="utf-8") == html
    assert f"{out / 'graph.html'}: 10 entities, 10 relations" in r.stderr


def test_cli_focus_writes_the_neighbourhood(out, tmp_path):
    target = tmp_path / "focus.html"
    r = kg("viz", "--graph", str(out), "--focus", "中机质协", "--hops", "1", "-o", str(target))
    assert r.exit_code == 0, r.stderr
    data, _ = page_json(target.read_text(encoding="utf-8"))
    assert len(data["nodes"]) == 4
    assert "focus: 中国机械工业质量管理协会 (Association), 1 hop(s)" in r.stderr
    r = kg("viz", "--graph", str(out), "--focus", "中机质协")
    assert r.exit_code == 0 and (out / "focus.html").is_file() and not (out / "graph.html").exists()


def test_cli_unknown_focus_exits_2_with_close_matches(out):
    r = kg("viz", "--graph", str(out), "--focus", "中国机械工业质量协会")
    assert r.exit_code == 2
    assert "no entity named '中国机械工业质量协会'" in r.stderr and "中国机械工业质量管理协会" in r.stderr
    assert not (out / "focus.html").exists()


def test_cli_ambiguous_focus_exits_2_listing_the_entities_it_names(out):
    r = kg("viz", "--graph", str(out), "--focus", "质量")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert "'质量' names" in r.stderr and "中国机械工业质量管理协会 (Association)" in r.stderr
    assert not (out / "focus.html").exists()


def test_cli_missing_graph_names_the_folder(tmp_path):
    r = kg("viz", "--graph", str(tmp_path / "nowhere"))
    assert r.exit_code == 3 and f"{tmp_path / 'nowhere'}: no such folder" in r.stderr
    (tmp_path / "empty").mkdir()
    r = kg("viz", "--graph", str(tmp_path / "empty"))
    assert r.exit_code == 3 and f"{tmp_path / 'empty'}: no graph.trig or graph.ttl" in r.stderr


def test_cli_unreadable_graph_is_one_line(tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "graph.trig").write_text("this is not TriG {", encoding="utf-8")
    r = kg("viz", "--graph", str(d))
    assert r.exit_code == 3 and r.stderr.startswith(f"error: {d / 'graph.trig'}: not a readable graph") \
        and r.stderr.count("\n") == 1


def test_cli_physics_and_title_options(tmp_path):
    d = tmp_path / "o"
    d.mkdir()
    shutil.copy(QUERY_FIXTURE, d / "graph.trig")
    r = kg("viz", "--graph", str(d), "--no-physics", "--title", "测试")
    assert r.exit_code == 0, r.stderr
    data, _ = page_json((d / "graph.html").read_text(encoding="utf-8"))
    assert data["physics"] is False and data["title"] == "测试"


@pytest.mark.slow
def test_build_writes_graph_html(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "中机质协召开质量发展专家座谈会\n\n2020年9月12日，中国机械工业质量管理协会在北京召开质量发展专家座谈会。"
        "中国机械工业质量管理协会副会长兼秘书长王建和出席会议并讲话。\n", encoding="utf-8")
    out = tmp_path / "out"
    r = kg("build", str(corpus), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    page = out / "graph.html"
    assert page.is_file() and str(page) in r.stderr
    data, details = page_json(page.read_text(encoding="utf-8"))
    G = load_network(out)
    assert len(data["nodes"]) + len(data["isolated"]) == G.number_of_nodes() > 0
    assert page.read_text(encoding="utf-8") == render_html(G), "kg viz gives the same page as the build"
    assert not [p.name for p in out.iterdir() if p.name.startswith(".graph.html")], "no temporary file left"
    assert kg("viz", "--graph", str(out), "-o", str(tmp_path / "viz.html")).exit_code == 0
    assert (tmp_path / "viz.html").read_bytes() == page.read_bytes()


@pytest.mark.slow
def test_build_and_viz_write_the_same_capped_page(tmp_path, monkeypatch):
    """Above the cap too, the build's page (read from graph.ttl and graph.trig, a document at a time)
    is the same bytes as kg viz's and as the page of the whole network."""
    import kg.viz.page as page_module

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "中机质协召开质量发展专家座谈会\n\n2020年9月12日，中国机械工业质量管理协会在北京召开质量发展专家座谈会。"
        "中国机械工业质量管理协会副会长兼秘书长王建和出席会议并讲话。工业和信息化部科技司指导会议。\n", encoding="utf-8")
    (corpus / "b.txt").write_text(
        "2021年5月8日，中国机械工业质量管理协会在苏州主办可靠性论坛。王建和出席论坛并致辞。\n", encoding="utf-8")
    monkeypatch.setattr(page_module, "MAX_NODES", 3)
    out = tmp_path / "out"
    r = kg("build", str(corpus), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    G = load_network(out)
    assert G.number_of_nodes() > 3
    built = (out / "graph.html").read_bytes()
    r = kg("viz", "--graph", str(out), "-o", str(tmp_path / "viz.html"))
    assert r.exit_code == 0 and f"3 entities (the best-connected of {G.number_of_nodes()})" in r.stderr
    assert (tmp_path / "viz.html").read_bytes() == built
    assert render_html(G).encode("utf-8") == built
    data, _ = page_json(built.decode("utf-8"))
    assert len(data["nodes"]) + len(data["isolated"]) == 3 and data["shown"]["nodes_total"] == G.number_of_nodes()


def _many_sentences(n: int) -> nx.MultiDiGraph:
    """Two entities, one relation stated by ``n`` sentences (each sentence evidence of both ends and the edge)."""
    G = nx.MultiDiGraph()
    ev = [{"doc": f"d{i:03}.txt", "sentence": f"协会第{i}次主办论坛。", "start": i, "end": i + 10, "extractor": "rule",
           "confidence": 0.9} for i in range(n)]
    for iri, label, t, d in (("urn:org", "协会", "Association", "out"), ("urn:ev", "论坛", "Event", "in")):
        other = "urn:ev" if d == "out" else "urn:org"
        G.add_node(iri, iri=iri, label=label, type=t, type_zh=t, aliases=[], date=None, end_date=None, posts=[],
                   sources=[e["doc"] for e in ev],
                   evidence=[{**e, "predicate": "hosted", "relations": [
                       {"predicate": "hosted", "other": other, "direction": d}]} for e in ev])
    G.add_edge("urn:org", "urn:ev", key="hosted", predicate="hosted", label_zh="主办", label_en="hosted",
               confidence=0.9, evidence=ev)
    return G


def test_the_page_holds_the_first_few_sentences_of_each_node_and_edge_with_their_number():
    from kg.viz.page import SHOWN_EVIDENCE

    data = page_data(_many_sentences(40))
    org = next(i for i in data["info"] if i["iri"] == "urn:org")
    assert org["evidence_total"] == 40 and len(org["evidence"]) == SHOWN_EVIDENCE
    assert [data["sentences"][data["evidence"][k][1]] for k, _ in org["evidence"]] == \
        [f"协会第{i}次主办论坛。" for i in range(SHOWN_EVIDENCE)]
    [edge] = data["edge_info"]
    assert edge["evidence_total"] == 40 and len(edge["evidence"]) == SHOWN_EVIDENCE
    assert len(data["sentences"]) == SHOWN_EVIDENCE  # the others are not in the page at all
    assert [data["docs"][k] for k in org["sources"]] == [f"d{i:03}.txt" for i in range(40)]  # every source, by index
    few, many = render_html(_many_sentences(SHOWN_EVIDENCE)), render_html(_many_sentences(400))
    assert len(many.encode("utf-8")) - len(few.encode("utf-8")) < 400 * 2 * 20  # the document ids of the sources


def _stars(sizes: list[int]) -> nx.MultiDiGraph:
    """Hubs urn:h0, urn:h1… with sizes[i] people each around them, each hub joined to the next."""
    G = nx.MultiDiGraph()

    def node(n, label, t):
        G.add_node(n, iri=n, label=label, type=t, type_zh=t, aliases=[], date=None, end_date=None, posts=[],
                   sources=[], evidence=[])

    for i, k in enumerate(sizes):
        node(f"urn:h{i}", f"枢纽{i}", "Association")
        for j in range(k):
            node(f"urn:h{i}/p{j:02}", f"人物{i}-{j}", "Person")
            G.add_edge(f"urn:h{i}/p{j:02}", f"urn:h{i}", key="attended", predicate="attended", label_zh="出席",
                       label_en="attended", confidence=0.9, evidence=[])
    for i in range(len(sizes) - 1):
        G.add_edge(f"urn:h{i}", f"urn:h{i + 1}", key="coHosted", predicate="coHosted", label_zh="协办",
                   label_en="co-hosted", confidence=0.9, evidence=[])
    return G


def test_a_graph_over_the_cap_shows_its_best_connected_entities_and_says_so(monkeypatch):
    import kg.viz.page as page

    G = _stars([6, 5, 4, 3])  # 22 entities: hubs with 7, 7, 6 and 4 neighbours, people with 1
    monkeypatch.setattr(page, "MAX_NODES", 6)
    html = render_html(G)
    data, details = page_json(html)
    shown = [details["info"][i]["iri"] for i in range(len(data["nodes"]) + len(data["isolated"]))]
    assert len(shown) == 6
    # the four hubs, then the people in IRI order (all have one neighbour)
    assert sorted(shown) == ["urn:h0", "urn:h0/p00", "urn:h0/p01", "urn:h1", "urn:h2", "urn:h3"]
    assert data["shown"] == {"nodes": 6, "nodes_total": 22, "edges": 5, "edges_total": 21}
    header = _scripts_removed_text(html)
    assert "连接最多的 6 个实体（共 22 个）" in header and "the 6 best-connected of 22 entities" in header
    assert "kg serve" in header and "kg viz --focus NAME" in header
    # a kept entity whose relations all join entities left out is listed as having none in this page
    H = _stars([6, 5])
    H.add_nodes_from([(n, {**H.nodes["urn:h0/p00"], "iri": n, "label": n}) for n in ("urn:z", "urn:z/1", "urn:z/2")])
    H.add_edge("urn:z/1", "urn:z", key="attended", predicate="attended", evidence=[])
    H.add_edge("urn:z/2", "urn:z", key="attended", predicate="attended", evidence=[])
    monkeypatch.setattr(page, "MAX_NODES", 3)  # h0 (7 neighbours), h1 (6), z (2)
    html = render_html(H)
    data, details = page_json(html)
    assert [details["info"][len(data["nodes"]) + i]["iri"] for i in range(len(data["isolated"]))] == ["urn:z"]
    assert "Entities with no relation in this page" in _scripts_removed_text(html)
    # a focus page holds the whole neighbourhood, however large, and says nothing of a cap
    focus_data, _ = page_json(render_html(G, focus="枢纽0", hops=1))
    assert len(focus_data["nodes"]) == 8 and focus_data["shown"] is None
    assert "best-connected" not in _scripts_removed_text(render_html(G, focus="枢纽0", hops=1))
    # under the cap: every entity, no such line
    monkeypatch.setattr(page, "MAX_NODES", 22)
    data, _ = page_json(render_html(G))
    assert len(data["nodes"]) == 22 and data["shown"] is None


def _scripts_removed_text(html: str) -> str:
    from kg.viz.page import _scripts_removed

    return _scripts_removed(html)


def test_a_page_from_a_file_reads_only_the_evidence_it_shows(tmp_path):
    """From graph.trig the page keeps the first sentences of each node and edge and counts the
    others: the same page as from the whole network."""
    from kg.viz.page import SHOWN_EVIDENCE

    lines = ["@prefix kg: <https://example.org/cnqkg/ontology#> .", "@prefix prov: <http://www.w3.org/ns/prov#> .",
             "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .", "@prefix id: <https://example.org/cnqkg/id/> ."]
    for i in range(40):
        lines.append(f"""<https://example.org/cnqkg/id/source/d{i:03}.txt> {{
  id:org\\/协会 a kg:Association ; rdfs:label "协会"@zh ; prov:wasDerivedFrom id:source\\/d{i:03}.txt .
  id:event\\/论坛 a kg:Event ; rdfs:label "论坛"@zh .
  id:org\\/协会 kg:hosted id:event\\/论坛 .
  id:statement\\/{i} a rdf:Statement ; rdf:subject id:org\\/协会 ; rdf:predicate kg:hosted ; rdf:object id:event\\/论坛 ;
      prov:wasDerivedFrom id:source\\/d{i:03}.txt ; kg:sentenceText "协会第{i}次主办论坛。" ; kg:startOffset {i} ;
      kg:endOffset {i + 10} ; kg:extractor "rule" ; kg:confidence 0.{i:02}1 .
}}""")
    (tmp_path / "graph.trig").write_text("\n".join(lines), encoding="utf-8")
    data, details = page_json(render_html(tmp_path))
    org = next(i for i in details["info"] if i["label"] == "协会")
    [edge] = details["edge_info"]
    assert org["evidence_total"] == edge["evidence_total"] == 40
    assert [details["sentences"][details["evidence"][k][1]] for k, _ in org["evidence"]] == \
        [f"协会第{i}次主办论坛。" for i in range(SHOWN_EVIDENCE)]
    assert len(details["sentences"]) == SHOWN_EVIDENCE
    assert edge["confidence"] == 0.391  # the highest of all forty, not of the five kept
    assert [details["docs"][k] for k in org["sources"]] == [f"d{i:03}.txt" for i in range(40)]
    assert render_html(tmp_path) == render_html(load_network(tmp_path))


@pytest.mark.slow
def test_a_build_parses_none_of_the_graphs_it_writes_for_its_page(text_corpus, tmp_path, monkeypatch,
                                                                   cache_entries):
    """The build keeps what its page reads of each document's graph (OUT/.cache/…/page/), made from
    the graph's triples as it writes it: its page parses none of them, nor does the next build's
    (unchanged graphs are read from the digests, new or changed ones made as they are written), and the
    page is the same bytes as kg viz's (which parses all of graph.trig, and graph.ttl) and as a --full
    build's; a corrupt entry is made again from the graph's bytes. Nor does a build's page parse the
    graph.ttl it has just written: it is given the facts as they were written."""
    import kg.build as building
    import kg.network.load as load
    from kg.build import build
    from kg.cache import CACHE_DIR

    corpus = text_corpus({
        "a.txt": "中国机械工业质量管理协会在北京召开2021年质量工作会议。协会会长张维德出席会议并讲话。",
        "b.txt": "工业和信息化部发布《关于推进机械工业质量提升的指导意见》。",
        "c.txt": "2022年5月，上海市质量协会主办第五届长三角质量论坛，市场监管总局副局长王明出席。"})
    parsed: list[str] = []  # the graphs whose bytes were parsed for the evidence
    indexes: list[dict] = []  # the index of graph.trig each build gave its page
    facts_read: list[str] = []  # the graph files parsed for the facts
    blocks, write_page, index_file = load._blocks, building._write_page, load._index_file

    def parsing(*a, **kw):
        for name, spo in blocks(*a, **kw):
            parsed.append(name)
            yield name, spo

    def page(out, ontology, written=None, digests=None, facts=None):
        indexes.append(dict(written))
        return write_page(out, ontology, written, digests, facts)

    def reading(path, *a, **kw):
        facts_read.append(Path(path).name)
        return index_file(path, *a, **kw)

    monkeypatch.setattr(load, "_blocks", parsing)
    monkeypatch.setattr(load, "_index_file", reading)
    monkeypatch.setattr(building, "_write_page", page)
    out = tmp_path / "out"
    build([str(corpus)], out)
    kept = lambda: cache_entries(out, "page")  # noqa: E731
    assert len(kept()) == len(indexes[0]) == 4  # the ontology's graph and one a document
    assert parsed == [] and facts_read == []
    (corpus / "b.txt").write_text("国家市场监督管理总局发布《关于推进机械工业质量提升的指导意见》。", encoding="utf-8")
    (corpus / "d.txt").write_text("江苏省质量协会在南京举办质量管理小组成果发表会。", encoding="utf-8")
    parsed.clear()
    build([str(corpus)], out)
    before, after = indexes
    changed = sorted(n for n, (sha, *_) in after.items() if before.get(n, [None])[0] != sha)
    source = f"{load.ID}source/"
    assert {source + "b.txt", source + "d.txt"} <= set(changed) and source + "a.txt" not in changed
    assert parsed == [] and facts_read == []
    assert len(kept()) == 5, "the digests of graphs gone or changed are pruned"
    built = (out / "graph.html").read_bytes()
    parsed.clear()
    assert kg("viz", "--graph", str(out), "-o", str(tmp_path / "viz.html")).exit_code == 0
    assert len(parsed) == 4, "kg viz reads the whole file"
    assert facts_read == ["graph.ttl"], "and the facts from graph.ttl"
    assert (tmp_path / "viz.html").read_bytes() == built
    fresh = tmp_path / "fresh"
    build([str(corpus)], fresh, incremental=False)
    assert (fresh / "graph.html").read_bytes() == built
    [database] = (out / CACHE_DIR).glob("*/page/*/digests.sqlite")
    with closing(sqlite3.connect(database)) as db, db:
        assert db.execute("UPDATE digest SET data = ? WHERE sha256 = ?",
                          (b"not a pickle", after[source + "b.txt"][0])).rowcount == 1
    parsed.clear()
    build([str(corpus)], out)
    assert parsed == [source + "b.txt"] and (out / "graph.html").read_bytes() == built
    parsed.clear()
    build([str(corpus)], out)
    assert parsed == [] and (out / "graph.html").read_bytes() == built
    database.write_bytes(b"not a database")  # a database cut short or overwritten: made anew, every graph parsed
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    parsed.clear()
    build([str(corpus)], out)
    assert len(parsed) == 4 and (out / "graph.html").read_bytes() == built and len(kept()) == 5


@pytest.mark.slow
@pytest.mark.parametrize("base_iri", [None, "https://data.example.com/质量/kg/"])
def test_the_digest_a_build_makes_of_each_graph_is_the_one_its_bytes_give(text_corpus, tmp_path, base_iri,
                                                                          cache_entries):
    """What the page reads of a document's graph, made from its triples as the build writes it
    (:func:`kg.network.load.graph_digest`), is what parsing the graph's bytes in graph.trig gives:
    sentences with quotes, backslashes and line breaks, offsets, confidences, posts, names with spaces."""

    import kg.network.load as load
    from kg.build import build
    from kg.rdf.files import id_namespace_of

    corpus = text_corpus({
        "a b.txt": '中国机械工业质量管理协会在北京召开"2021年质量工作会议"。协会会长张维德出席会议并讲话\\。',
        "c.txt": "2022年5月，上海市质量协会主办第五届长三角质量论坛，市场监管总局副局长王明出席。\r\n"
                 "论坛由上海市质量协会会长李强主持，\t中机质协协办。",
        "d.txt": "工业和信息化部发布《关于推进机械工业质量提升的指导意见》（工信部〔2021〕5号）。"})
    out = tmp_path / "out"
    build([str(corpus)], out, base_iri=base_iri)
    minted = id_namespace_of(out / "graph.trig")
    parsed = [load._digest(load._Triples(spo, minted))
              for _, spo in load._blocks(out / "graph.trig", load._PROVENANCE, load._STATEMENT_TYPES)]
    made = []
    for ns, digest in cache_entries(out, "page").values():
        assert ns == minted
        if digest != load._EMPTY:
            made.append(digest)
    assert len(parsed) == 3 and all(d.statements for d in parsed)
    assert sum(len(d.qualified) for d in parsed) > 0  # posts' derivations
    assert sorted(map(repr, made)) == sorted(map(repr, parsed))


def test_a_page_frees_the_graphs_it_made_without_waiting_for_a_collection(monkeypatch):
    """kg build pauses garbage collection; a networkx graph read through its views is in a reference
    cycle, so the graphs the page makes (the whole network, then its best-connected part or the
    neighbourhood of its focus) would hold
    their data until a collection passes over every object (seconds for a large archive). The page
    empties them when it is done; a graph the caller gives is left as it was."""
    import gc

    import kg.viz.page as page

    monkeypatch.setattr(page, "MAX_NODES", 3)  # the network is cut: two graphs made
    given = load_network(FIXTURE)
    size = (len(given), given.number_of_edges())
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        before = {id(g) for g in gc.get_objects() if isinstance(g, nx.MultiDiGraph)}
        render_html(FIXTURE)
        render_html(FIXTURE, focus="中机质协", hops=1)
        render_html(given)
        render_html(given, focus="中机质协", hops=1)
        # the networks with the entities' data (the layout's own small graphs aside)
        left = [g for g in gc.get_objects() if isinstance(g, nx.MultiDiGraph) and id(g) not in before and len(g)]
    finally:
        if enabled:
            gc.enable()
    assert left == []
    assert (len(given), given.number_of_edges()) == size and len(given) > 3
