"""The HTML page in a real headless browser: Debian's Chromium driven by Playwright (no browser download).

Each page is opened with the network cut (every request that is not the file itself is recorded
and aborted, and the context is offline); it must make no such request, log no console error and
open no dialog. Screenshots go to tests/artifacts/ (ignored by git); their paths are printed.
CI installs chromium (.ci/run); without /usr/bin/chromium these tests are skipped.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import networkx as nx
import pytest

from kg.network import load_network
from kg.viz import DETAIL_MAX_NODES, TYPE_STYLES, write_html

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "viz_graph.trig"
ARTIFACTS = Path(__file__).parent / "artifacts"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "</script><script>window.__pwned=1</script>协会"



class Visit:
    """A page opened offline, with what it tried to fetch, its console errors and its dialogs."""

    def __init__(self, browser, path: Path, wait_ready: bool = True):
        # bypass_csp: the page's CSP forbids eval, which Playwright's waiting helpers use; it also
        # means a stray external link would really be requested, so the check below can see it.
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
        self.context.set_offline(True)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: None if r.url.startswith("file:") else self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.goto(path.resolve().as_uri())
        if wait_ready:
            self.page.wait_for_function("window.kgReady === true", timeout=60_000)

    def _route(self, route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, code: str, arg=None):
        return self.page.evaluate(code, arg)

    def search(self, text: str) -> list[str]:
        self.page.fill("#kg-search", text)
        return self.page.locator("#kg-results button").all_text_contents()

    def panel_title(self) -> str:
        return self.page.locator("#kg-panel h3").text_content()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        print(f"screenshot: {path}")
        return path

    def assert_clean(self):
        assert self.requests == [], f"the page tried to fetch {self.requests}"
        assert self.errors == [], self.errors
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def _open(path: Path, **kw) -> Visit:
        v = Visit(browser, path, **kw)
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.close()


@pytest.fixture(scope="module")
def G():
    return load_network(FIXTURE)


@pytest.fixture(scope="module")
def page_file(G, tmp_path_factory) -> Path:
    return write_html(G, tmp_path_factory.mktemp("viz") / "graph.html")


@pytest.fixture(scope="module")
def static_page_file(G, tmp_path_factory) -> Path:
    return write_html(G, tmp_path_factory.mktemp("viz-static") / "graph.html", physics=False)


def test_the_request_check_sees_an_external_link(visit, tmp_path):
    """The probe is not vacuous: a page that links a CDN is caught."""
    page = tmp_path / "external.html"
    page.write_text('<!DOCTYPE html><img src="https://cdn.example.invalid/x.png"><script>window.kgReady = true</script>',
                    encoding="utf-8")
    v = visit(page)
    v.page.wait_for_timeout(200)
    assert v.requests and v.requests[0].startswith("https://cdn.example.invalid/")


def test_page_loads_offline_with_every_node(visit, G, page_file):
    v = visit(page_file)
    connected = sum(1 for n in G if G.degree(n))
    unconnected = G.number_of_nodes() - connected
    assert v.js("window.kgNodes.length") == connected  # on the canvas; the others in a list
    assert v.page.locator("#kg-isolated summary").text_content() == f"未连接的实体 Unconnected ({unconnected})"
    assert v.js("window.kgEdges.length") == G.number_of_edges()
    assert v.js("document.querySelectorAll('#kg-network canvas').length") == 1
    assert v.js("window.kgNetwork.getPositions().length === undefined")  # an object of every node
    assert len(v.js("Object.keys(window.kgNetwork.getPositions())")) == connected
    legend = v.page.locator("#kg-legend label").all_text_contents()
    types = {a["type"] for _, a in G.nodes(data=True)}
    assert len(legend) == len(types) and any(t.startswith("人物 Person") for t in legend)
    assert v.page.locator("#kg-legend svg").count() == len(types)
    rels = v.page.locator("#kg-relations label").all_text_contents()
    assert any(r.startswith("主办 hosted") for r in rels) and any(r.startswith("任职 holds a post in") for r in rels)
    v.screenshot("viz-page")
    v.assert_clean()


def test_search_by_alias_selects_the_node_and_shows_its_details(visit, page_file):
    v = visit(page_file)
    assert v.search("中机质协")[0] == "中国机械工业质量管理协会"
    v.page.locator("#kg-results button").first.click()
    assert v.panel_title() == "中国机械工业质量管理协会"
    selected = v.js("window.kgNetwork.getSelectedNodes()")
    assert len(selected) == 1 and v.js("id => window.kgNodes.get(id).label", selected[0]) == "中国机械工业质量管理协会"
    panel = v.page.locator("#kg-panel").text_content()
    assert "社会团体 · Association" in panel and "中机质协" in panel
    assert "9月12日，由中机质协主办的2020年全国机械工业质量品牌工作会议在北京召开。" in panel
    assert "news-001.txt" in panel and "主办 hosted" in panel
    assert v.search("不存在的名字") == [] and "没有结果" in v.page.locator("#kg-results").text_content()
    # A person's posts, and Enter picks the first result.
    v.page.fill("#kg-search", "王建和")
    v.page.press("#kg-search", "Enter")
    assert v.panel_title() == "王建和"
    assert "副会长兼秘书长 — 中国机械工业质量管理协会" in v.page.locator("#kg-panel").text_content()
    v.screenshot("viz-search")
    v.assert_clean()


def test_script_and_img_names_render_as_text(visit, page_file):
    v = visit(page_file)
    assert v.search("<img") == [XSS_IMG]
    v.page.locator("#kg-results button").first.click()
    assert v.panel_title() == XSS_IMG
    panel = v.page.locator("#kg-panel").text_content()
    assert "<img src=x onerror=alert(3)>出席了会议</script><script>alert(4)</script>" in panel
    assert "\"'&<b>别名</b>" in panel
    assert v.search("window.__pwned") == [XSS_SCRIPT]
    v.page.locator("#kg-results button").first.click()
    assert v.panel_title() == XSS_SCRIPT
    v.search("质量品牌工作会议")
    v.page.locator("#kg-results button").first.click()
    assert "<svg onload=alert(5)>.txt" in v.page.locator("#kg-panel").text_content()
    v.page.wait_for_timeout(300)
    assert v.js("typeof window.__pwned") == "undefined"
    assert v.js("document.querySelectorAll('img, [onerror], [onload], b').length") == 0
    assert v.js("document.scripts.length") == 4
    v.screenshot("viz-xss")
    v.assert_clean()


def test_clicking_an_edge_shows_its_evidence(visit, static_page_file):
    v = visit(static_page_file)
    point = v.js("""() => {
        const e = window.kgEdges.get().find(e => e.rel === 'hosted');
        const p = window.kgNetwork.getPositions([e.from, e.to]);
        const mid = {x: (p[e.from].x + p[e.to].x) / 2, y: (p[e.from].y + p[e.to].y) / 2};
        return window.kgNetwork.canvasToDOM(mid);
    }""")
    box = v.page.locator("#kg-network").bounding_box()
    v.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    assert v.js("window.kgNetwork.getSelectedEdges().length") >= 1
    panel = v.page.locator("#kg-panel").text_content()
    assert "中国机械工业质量管理协会 → 主办 (hosted) → 2020年全国机械工业质量品牌工作会议" in panel
    assert "证据 Evidence (2)" in panel and "中机质协主办&amp;承办会议。" in panel
    assert "置信度 confidence: 0.9" in panel
    v.screenshot("viz-edge")
    v.assert_clean()


def test_filters_hide_types_and_relations(visit, G, page_file):
    v = visit(page_file)
    persons = sum(1 for _, a in G.nodes(data=True) if a["type"] == "Person")
    v.page.locator("#kg-legend label", has_text="人物 Person").locator("input").uncheck()
    assert v.js("window.kgNodes.get({filter: n => n.hidden}).length") == persons
    hidden_edges = v.js("window.kgEdges.get({filter: e => e.hidden}).map(e => e.rel).sort()")
    assert hidden_edges == sorted(k.split(":")[0] for u, v_, k in G.edges(keys=True)
                                  if "Person" in (G.nodes[u]["type"], G.nodes[v_]["type"]))
    v.page.locator("#kg-legend button", has_text="全选 all").click()
    assert v.js("window.kgNodes.get({filter: n => n.hidden}).length") == 0
    v.page.locator("#kg-relations label", has_text="主办 hosted").locator("input").uncheck()
    assert v.js("window.kgEdges.get({filter: e => e.hidden}).map(e => e.rel)") == ["hosted"]
    assert v.js("window.kgNodes.get({filter: n => n.hidden}).length") == 0
    v.assert_clean()


def test_focus_page_opens_on_the_centre(visit, G, tmp_path):
    path = write_html(G, tmp_path / "focus.html", focus="中机质协", hops=1)
    v = visit(path)
    assert v.js("window.kgNodes.length") == 4
    assert v.panel_title() == "中国机械工业质量管理协会"
    assert v.page.title() == "中国机械工业质量管理协会 · 1 跳 / 1 hop(s)"
    v.screenshot("viz-focus")
    v.assert_clean()


def _plain_graph(n: int, seed: int = 1) -> nx.MultiDiGraph:
    rnd = random.Random(seed)
    G = nx.MultiDiGraph()
    kinds = list(TYPE_STYLES)
    for i in range(n):
        G.add_node(f"urn:n{i}", iri=f"urn:n{i}", label=f"实体{i}", type=kinds[i % len(kinds)], type_zh="",
                   aliases=[], date=None, end_date=None, posts=[], sources=[], evidence=[])
    for i in range(1, n):
        G.add_edge(f"urn:n{rnd.randrange(i)}", f"urn:n{i}", key="hosted", predicate="hosted", label_zh="主办",
                   label_en="hosted", confidence=0.9, evidence=[])
    return G


def test_large_graph_opens_static_pans_and_labels_the_selected_edges(visit, tmp_path):
    n = DETAIL_MAX_NODES + 500
    path = write_html(_plain_graph(n), tmp_path / "large.html")
    v = visit(path)
    assert v.js("window.kgNodes.length") == n
    assert v.js("window.kgNetwork.physics.physicsEnabled") is False
    assert v.js("window.kgEdges.get({filter: e => e.label !== undefined}).length") == 0
    before = v.js("window.kgNetwork.getViewPosition()")
    box = v.page.locator("#kg-network").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    v.page.mouse.move(cx, cy)
    v.page.mouse.down()
    v.page.mouse.move(cx + 150, cy + 80, steps=5)
    v.page.mouse.up()
    after = v.js("window.kgNetwork.getViewPosition()")
    assert (before["x"], before["y"]) != (after["x"], after["y"]), "the view did not pan"
    v.page.fill("#kg-search", "实体0")
    v.page.press("#kg-search", "Enter")
    assert v.panel_title() == "实体0"
    labelled = v.js("window.kgEdges.get({filter: e => e.label !== undefined}).map(e => [e.label, e.arrows])")
    assert labelled and all(lab == ["主办\nhosted", "to"] for lab in labelled)
    assert len(labelled) == v.js("window.kgNetwork.getConnectedEdges(window.kgNetwork.getSelectedNodes()[0]).length")
    v.screenshot("viz-large")
    v.assert_clean()


def test_build_page_of_a_build_folder(visit, tmp_path):
    """The page kg viz writes into a build folder (graph.html) opens the same way."""
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(FIXTURE, out / "graph.trig")
    from click.testing import CliRunner

    from kg.cli import main

    r = CliRunner().invoke(main, ["viz", "--graph", str(out)])
    assert r.exit_code == 0, r.stderr
    v = visit(out / "graph.html")
    assert v.js("window.kgNodes.length") == 9  # and one entity with no relation, in the list
    v.assert_clean()


# ---- the opening view ----------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
#: Names of the best-connected entities must be at least this high on the screen on opening.
LEGIBLE_PX = 12


@pytest.fixture(scope="module")
def seeds_page(tmp_path_factory) -> tuple[Path, nx.MultiDiGraph]:
    """The page ``kg build`` writes for the seed corpus."""
    from kg.build import build

    out = tmp_path_factory.mktemp("seeds-out")
    build([str(ROOT / "seeds")], out)
    return out / "graph.html", load_network(out)


def _largest_part_and_hubs(G: nx.MultiDiGraph) -> tuple[list[str], list[str]]:
    """The IRIs of the largest connected part, and of its nodes by number of neighbours (most first)."""
    U = nx.Graph(G.to_undirected())
    U.remove_edges_from(nx.selfloop_edges(U))
    main = sorted(nx.connected_components(U), key=lambda c: (-len(c), min(c)))[0]
    return sorted(main), sorted(main, key=lambda n: (-U.degree(n), str(n)))


def _opening(v: Visit, G: nx.MultiDiGraph) -> dict:
    """What the opening view shows, from the page's vis-network: where the largest part's nodes are on
    the screen, and the names drawn with their size and place on the screen."""
    main, hubs = _largest_part_and_hubs(G)
    o = v.js("""([main, hubs]) => {
        const net = window.kgNetwork, data = JSON.parse(document.getElementById('kg-data').textContent);
        const details = JSON.parse(document.getElementById('kg-details').textContent);
        const idOf = {};
        data.nodes.forEach((n, i) => { idOf[details.info[i].iri] = n.id; });
        const box = document.getElementById('kg-network'), scale = net.getScale();
        const at = id => net.canvasToDOM(net.getPositions([id])[id] || window.kgNodes.get(id));
        const opts = data.options.nodes.scaling.label;
        const th = opts.drawThreshold || 5, max = opts.maxVisible || 30;
        const names = {};
        for (const id of Object.keys(net.body.nodes)) {
            const n = net.body.nodes[id], lab = n.labelModule;
            if (!n.options.label || n.options.hidden) continue;
            const px = lab.fontOptions.size * scale;
            if (px < th - 1) continue;  // vis-network does not draw it
            const a = net.canvasToDOM({x: lab.size.left, y: lab.size.top});
            const b = net.canvasToDOM({x: lab.size.left + lab.size.width, y: lab.size.top + lab.size.height});
            const k = Math.min(px, max) / px;  // drawn at most maxVisible high, from the same top centre
            const cx = (a.x + b.x) / 2;
            names[id] = {id, label: n.options.label, px: Math.min(px, max),
                         x0: cx - (cx - a.x) * k, x1: cx + (b.x - cx) * k, y0: a.y, y1: a.y + (b.y - a.y) * k};
        }
        return {width: box.clientWidth, height: box.clientHeight, onScreen: main.map(iri => at(idOf[iri])),
                hubs: hubs.map(iri => idOf[iri]), names: Object.values(names), named: window.kgHubs || [],
                isolated: (data.isolated || []).length};
    }""", [main, hubs])
    o["main"] = main
    return o


def _check_opening(o: dict, hubs_named: int = 5) -> None:
    xs, ys = [p["x"] for p in o["onScreen"]], [p["y"] for p in o["onScreen"]]
    # the largest part is on the screen, and fills it one way or the other (fitted, not a corner)
    assert min(xs) >= 0 and max(xs) <= o["width"] and min(ys) >= 0 and max(ys) <= o["height"]
    assert (max(xs) - min(xs)) >= 0.75 * o["width"] or (max(ys) - min(ys)) >= 0.75 * o["height"]
    # the names of its best-connected entities are drawn, legible and apart from one another
    drawn = {n["id"]: n for n in o["names"]}
    assert o["hubs"][0] in drawn, "the best-connected entity is named"
    named_hubs = [h for h in o["hubs"] if h in drawn and drawn[h]["px"] >= LEGIBLE_PX]
    assert len(named_hubs) >= hubs_named, [drawn.get(h) for h in o["hubs"][:hubs_named]]
    rects = [drawn[h] for h in named_hubs]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert a["x1"] <= b["x0"] or b["x1"] <= a["x0"] or a["y1"] <= b["y0"] or b["y1"] <= a["y0"], (a, b)
    # no name is drawn smaller than 8 px (4 px names were a grey haze)
    assert all(n["px"] >= 8 for n in o["names"])


def test_seeds_page_opens_on_the_largest_part_with_its_hubs_named(visit, seeds_page):
    """Regression: microscopic names, 125 unconnected entities in a grid, half the canvas empty."""
    path, G = seeds_page
    v = visit(path)
    o = _opening(v, G)
    assert o["isolated"] == sum(1 for n in G if G.degree(n) == 0)
    _check_opening(o)
    v.screenshot("viz-seeds-opening")
    v.assert_clean()


def test_seeds_page_lists_unconnected_entities(visit, seeds_page):
    path, G = seeds_page
    lonely = sorted(G.nodes[n]["label"] for n in G if G.degree(n) == 0)
    v = visit(path)
    assert v.js("window.kgNodes.length") == G.number_of_nodes() - len(lonely)
    assert not v.page.locator("#kg-isolated-list button").count(), "the list is built when opened"
    v.page.locator("#kg-isolated summary").click()
    v.page.locator("#kg-isolated-list button").first.wait_for()  # filled on the toggle event
    names = v.page.locator("#kg-isolated-list button").all_text_contents()
    assert sorted(names) == lonely
    v.page.locator("#kg-isolated-list button").first.click()
    assert v.panel_title() == names[0]
    assert "unconnected" in v.page.locator("#kg-panel").text_content()
    assert v.js("window.kgNetwork.getSelectedNodes().length") == 0
    # found by the search too, and the type filter applies to the list
    v.page.fill("#kg-search", names[0])
    assert "未连接 unconnected" in v.page.locator("#kg-results").text_content()
    kind = next(G.nodes[n]["type"] for n in G if G.nodes[n]["label"] == names[0])
    v.page.locator(f"#kg-legend input[data-key='{kind}']").uncheck()
    assert v.js(f"document.querySelector('#kg-isolated-list li[data-type=\"{kind}\"]').hidden") is True
    v.screenshot("viz-seeds-unconnected")
    v.assert_clean()


def test_panel_shows_every_relation_of_a_sentence(visit, page_file):
    """Regression: a person who attended and spoke, in one sentence, showed only 'attended'."""
    v = visit(page_file)
    v.page.fill("#kg-search", "王建和")
    v.page.press("#kg-search", "Enter")
    item = v.page.locator("#kg-panel li", has=v.page.locator("blockquote", has_text="王建和出席会议并讲话。"))
    assert item.count() == 1
    lines = item.locator(".rel").all_text_contents()
    assert lines == ["出席 attended → 2020年全国机械工业质量品牌工作会议", "讲话 spoke at → 2020年全国机械工业质量品牌工作会议"]
    item.locator(".rel button").first.click()  # the other end is a link
    assert v.panel_title() == "2020年全国机械工业质量品牌工作会议"
    v.screenshot("viz-panel-relations")
    v.assert_clean()


def _synthetic(n: int) -> nx.MultiDiGraph:
    """bench/bench_viz.py's graph: load_network's shape, realistic types, Zipf popularity, evidence."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_viz", ROOT / "bench" / "bench_viz.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.synthetic_network(n)


def test_thousand_node_page_opens_on_the_largest_part_with_its_hubs_named(visit, tmp_path):
    G = _synthetic(1000)
    v = visit(write_html(G, tmp_path / "graph-1000.html"))
    _check_opening(_opening(v, G))
    v.screenshot("viz-1000-opening")
    v.assert_clean()


def test_ten_thousand_node_page_draws_what_is_big_enough(visit, tmp_path):
    """Above 500 nodes vis-network holds only what can be seen or pointed at; the page draws the rest."""
    G = _synthetic(10_000)
    v = visit(write_html(G, tmp_path / "graph-10000.html"))
    o = _opening(v, G)
    _check_opening(o, hubs_named=3)
    held = v.js("Object.keys(window.kgNetwork.body.nodes).length")
    assert held == len(o["named"]) < 100  # the named hubs; every other node is a dot of the page's own layer
    # zooming in on a hub hands the nodes around it to vis-network, with their names
    hub = o["hubs"][0]
    v.js("""id => { const net = window.kgNetwork; net.moveTo({position: net.getPositions([id])[id], scale: 1.0});
                     net.body.emitter.emit('zoom', {}); }""", hub)
    v.page.wait_for_timeout(400)
    around = v.js("Object.keys(window.kgNetwork.body.nodes).length")
    assert around > held
    named = v.js("Object.values(window.kgNetwork.body.nodes).filter(n => n.options.label).length")
    assert named > len(o["named"])
    v.screenshot("viz-10000-opening")
    v.assert_clean()


def test_a_node_shows_its_first_sentences_and_how_many_more_there_are(visit, tmp_path):
    from test_viz import _many_sentences

    from kg.viz.page import SHOWN_EVIDENCE

    v = visit(write_html(_many_sentences(12), tmp_path / "many.html"))
    v.search("协会")
    v.page.locator("#kg-results button").first.click()
    panel = v.page.locator("#kg-panel")
    assert "证据 Evidence (12)" in panel.text_content()
    assert panel.locator("blockquote").all_text_contents() == [f"协会第{i}次主办论坛。" for i in range(SHOWN_EVIDENCE)]
    assert f"另有 {12 - SHOWN_EVIDENCE} 条未收录" in panel.locator("li.more").text_content()
    assert "d011.txt" in panel.text_content()  # every source is listed
    v.assert_clean()
