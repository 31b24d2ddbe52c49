"""The interactive HTML page of the graph: one self-contained file that works with no network.

pyvis builds the nodes, edges and vis-network options; the page is our own Jinja template
(``kg/viz/templates/graph.html.jinja``) with vis-network's JavaScript and CSS (shipped inside the
pyvis package) inlined, and a small plain-JavaScript interface: a legend that filters by type,
a relation filter, a search by name or alias, and a side panel with the type, aliases, posts and
evidence (sentence and source document, with every relation the sentence states) of the node or
edge under the mouse or clicked.

On opening, the page shows the largest connected part fitted to the window, with the names of its
best-connected entities drawn 14 px high where they do not overlap (the other names appear from 8 px
as one zooms in); entities with no relation are not drawn but listed, by type, under the filters.
Positions are computed ahead (:mod:`kg.viz.layout`) and physics is off unless asked for. Above
``DETAIL_MAX_NODES`` nodes, only the selected node's edges are labelled, and the page draws at a
level of detail: vis-network holds only what is big enough on the screen to be seen or pointed at,
the page draws the rest itself as dots and hairlines, one path per colour (vis-network draws each
node and edge on its own: 90 ms a frame for 8,000 nodes and 24,000 edges; see the template).

A page holds at most ``MAX_NODES`` entities: above, the best-connected ones
(:func:`kg.network.views.best_connected`), and it says how many of how many it shows and where the
others are (``kg serve``, ``kg viz --focus``). A ``--focus`` page holds its whole neighbourhood.
From a build folder or a graph file the page reads only what it shows (:func:`page_graph`): the
facts from ``graph.ttl``, then ``graph.trig`` in one streaming pass keeping the first
``SHOWN_EVIDENCE`` sentences of each node and edge kept and the number of the others, so its memory
grows with the entities of the graph, not with its evidence, and its size stops at ``MAX_NODES``.
``kg build`` keeps what that pass takes of each document's graph (:class:`kg.network.digests.DigestCache`,
by the SHA-256 of the graph's bytes), so after a change it parses only the documents' graphs that changed.
A pass over the file rather than a query over the store: ``kg viz`` gives the same page from a folder
or a file with no store, and the query of every statement with its evidence (Oxigraph, 1,001
documents) took 4 CPU-s, three times the parse of the whole ``graph.trig``.

Nothing from a document is ever HTML: the graph goes into the page as JSON inside a
``<script type="application/json">`` with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, and the
page builds every text with ``textContent``. The same graph gives the same bytes.

>>> from kg.network import load_network
>>> from kg.network.examples import example_graph
>>> html = render_html(load_network(example_graph()))
>>> html.startswith("<!DOCTYPE html>") and "质量论坛" in html and "https://" not in _scripts_removed(html)
True
>>> sub, centre = focus_subgraph(load_network(example_graph()), "某某协会", hops=1)
>>> sorted(a["label"] for _, a in sub.nodes(data=True))
['中国某某协会', '王明']
"""

from __future__ import annotations

import html as _html
import json
import math
import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import networkx as nx

from kg.files import write_atomic
from kg.network.load import load_network
from kg.network.lookup import find_node
from kg.network.views import best_connected, neighbourhood, release
from kg.ontology import relation_labels, type_labels
from kg.report import truncate
from kg.viz.layout import layout_positions

__all__ = ["vis_network_files", "render_html", "write_html", "page_data", "page_graph", "focus_subgraph", "show", "Page",
           "TYPE_STYLES", "DETAIL_MAX_NODES", "SHOWN_EVIDENCE", "MAX_NODES"]

#: Up to this many nodes on the canvas, vis-network draws every node and edge, each edge labelled and
#: curved; above, edges are straight and labelled on the selected node only, and the page draws at a
#: level of detail (a frame of 1,000 nodes took 20-50 ms of script with every node and edge drawn).
DETAIL_MAX_NODES = 500
#: The most entities a page holds (the best-connected ones; ``--focus`` pages hold all of theirs): at the
#: level of detail above, 10,000 nodes open in about a second and pan smoothly (tests/test_viz_browser.py).
MAX_NODES = 10_000
HUBS = 200  # candidates for a legible name on opening (the page keeps those that fit without overlap)
SEED = 7

# Shape and colour per type; shapes with the label below them (cheap to draw in large graphs).
TYPE_STYLES: dict[str, tuple[str, str]] = {
    "Person": ("dot", "#4E79A7"),
    "GovernmentBody": ("square", "#E15759"),
    "Association": ("diamond", "#F28E2B"),
    "Company": ("triangle", "#59A14F"),
    "ResearchInstitute": ("triangleDown", "#76B7B2"),
    "Event": ("star", "#EDC948"),
    "Document": ("hexagon", "#B07AA1"),
    "Award": ("star", "#FF9DA7"),
    "Place": ("dot", "#9C755F"),
}
_OTHER_STYLE = ("dot", "#9D9D9D")
_TEMPLATES = Path(__file__).parent / "templates"
_VIS_DIR = "lib/vis-9.1.2"
#: Evidence sentences the page holds per node and per edge (the first in document order, as ``kg serve``
#: shows them), with the number of the others: the page's size grows with the entities, not the sentences.
SHOWN_EVIDENCE = 5
DETAIL_KEYS = ("info", "edge_info", "evidence", "docs", "sentences", "extractors")  # parsed by the page on demand


def _as_network(G, ontology=None, **kwargs) -> nx.MultiDiGraph:
    if isinstance(G, nx.Graph):
        return G
    return load_network(G, ontology, **kwargs)


def page_graph(G, *, focus: str | None = None, hops: int = 2, ontology=None, graphs: dict[str, list] | None = None,
               digests=None, facts=None, seed: int | None = None) -> tuple[nx.MultiDiGraph, str | None]:
    """The graph a page shows and its centre (None without ``focus``).

    ``G`` is a graph from :func:`kg.network.load_network`, a build folder or a graph file. Without
    ``focus``: the :data:`MAX_NODES` best-connected entities (all of them in a smaller graph), with
    ``graph["nodes_total"]`` the number in the whole graph when some are left out. With ``focus``:
    the entities at most ``hops`` steps from it (:func:`focus_subgraph`), all of them. From a folder
    or a file, only the first :data:`SHOWN_EVIDENCE` sentences of each node and edge are read, with
    their number (``load_network(..., evidence=SHOWN_EVIDENCE, max_nodes=MAX_NODES)``): the same page
    as from the whole graph, in memory that does not grow with the evidence. ``graphs`` (the index of
    ``graph.trig`` a build wrote) and ``digests`` (a :class:`kg.network.digests.DigestCache`) let that
    pass take what it keeps of unchanged documents' graphs from the cache instead of parsing them
    (:func:`kg.network.load_network`): the same page, what ``kg build`` passes, with ``facts`` (the
    index of the ``graph.ttl`` it wrote: :func:`kg.network.load.facts_index`), which is not parsed then.
    With ``seed`` (and no ``focus``, read from a folder or a file), the network is laid out
    (:func:`kg.viz.layout.layout_positions`, with that seed) as soon as its nodes and edges are known, before
    their evidence is read: a build's page does it while ``graph.trig`` is still written, and
    :func:`page_data` takes those positions.

    The result is a new graph that :func:`render_html` takes as it is.
    """
    if isinstance(G, nx.Graph) and _PAGE in G.graph and focus is None:
        return G, G.graph[_PAGE]
    centre = None
    index = {"graphs": graphs, "digests": digests} if graphs is not None else {}
    if facts is not None:
        index["facts"] = facts
    if focus is not None:
        whole = _as_network(G, ontology, evidence=SHOWN_EVIDENCE, **index)
        H, centre = focus_subgraph(whole, focus, hops)
        if whole is not G:
            release(whole)
        for k in ("nodes_total", "edges_total"):
            H.graph.pop(k, None)
    else:
        if seed is not None and not isinstance(G, nx.Graph):
            index["on_network"] = lambda N: _lay_out_ahead(N, seed)  # (N: the network bounded to MAX_NODES)
        H = best_connected(_as_network(G, ontology, evidence=SHOWN_EVIDENCE, max_nodes=MAX_NODES, **index), MAX_NODES)
        if H is G:
            H = G.copy()
    H.graph[_PAGE] = centre
    return H, centre


_PAGE = "kg_page_centre"  # in the graph attributes of what page_graph made: the page's centre
_LAID_OUT = "kg_page_layout"  # and (seed, edges, positions): its drawn nodes laid out before the evidence was read


def _drawn(G: nx.MultiDiGraph, focus=None) -> list:
    """The nodes a page draws on its canvas, in IRI order: those with a relation (and the focus)."""
    return [n for n in sorted(G, key=str) if G.degree(n) or n == focus]


def _lay_out_ahead(G: nx.MultiDiGraph, seed: int) -> None:
    """Lay out what :func:`page_data` will draw of ``G`` (no focus), kept in its graph attributes. (Without
    a focus the drawn nodes are those with a relation: every edge of ``G`` is drawn. ``G``'s own count is
    taken, not its subgraph view's, which filters every node's neighbours: 0.15 s a count at 10,000 nodes.)"""
    G.graph[_LAID_OUT] = (seed, G.number_of_edges(), layout_positions(G.subgraph(_drawn(G)), seed=seed))


def _positions(G: nx.MultiDiGraph, H: nx.MultiDiGraph, focus, seed: int) -> dict:
    """The positions of the drawn nodes ``H`` of ``G``: those laid out ahead (:func:`_lay_out_ahead`) when they
    are of these very nodes and edges with this seed and no focus, else laid out now."""
    ahead = G.graph.get(_LAID_OUT) if focus is None else None
    if ahead is not None and ahead[0] == seed and ahead[1] == G.number_of_edges() and ahead[2].keys() == set(H):
        return ahead[2]
    return layout_positions(H, seed=seed)


def focus_subgraph(G, name: str, hops: int = 2) -> tuple[nx.MultiDiGraph, str]:
    """The entities at most ``hops`` steps from the one ``name`` stands for, and its node.

    The name is looked up by the rule of :mod:`kg.lookup` (:func:`kg.network.lookup.find_node`): an
    unknown name raises :class:`kg.lookup.NameNotFound` with close names, an ambiguous one
    :class:`kg.lookup.AmbiguousName` with the candidates.
    """
    G = _as_network(G)
    centre = find_node(G, name)
    return neighbourhood(G, centre, hops), centre


def page_data(G: nx.MultiDiGraph, *, focus: str | None = None, title: str | None = None,
              physics: bool | None = None, seed: int = SEED, ontology=None) -> dict:
    """Everything the page shows, as plain JSON-ready data (nodes, edges, options, legend, details).

    ``focus`` is a node of ``G`` to mark as the centre. ``shown`` is None, or when ``G`` is part of a
    larger graph (``graph["nodes_total"]``, :func:`kg.network.views.best_connected`) and no ``focus``
    is given, ``{"nodes", "nodes_total", "edges", "edges_total"}``. A node's or edge's
    ``evidence_total`` is its attribute of that name when it has one (the evidence was cut short
    when read), else the length of its ``evidence``. Nodes get short ids in IRI order
    (``n0``, ``n1``…), edges in (source, target, key) order. Entities with no relation are not drawn:
    they are listed in ``isolated`` (the page shows them in a list). ``main`` holds the nodes of the
    largest connected part, which the page fits to the window on opening, and ``hubs`` the nodes of
    that part with the most neighbours, most first, whose names the page draws legibly there.
    """
    net = _pyvis_network()
    types, rels = type_labels(ontology), relation_labels(ontology)
    order = sorted(G, key=str)
    ids = {n: f"n{i}" for i, n in enumerate(order)}
    drawn = _drawn(G, focus)
    shown = set(drawn)
    isolated = [n for n in order if n not in shown]
    H = G.subgraph(drawn)
    neighbours = {n: len((set(G.predecessors(n)) | set(G.successors(n))) - {n}) for n in drawn}
    # (the parts of G less the nodes not drawn, which are parts of their own: G's view, not H's filtered one)
    parts = sorted((c for c in nx.connected_components(G.to_undirected(as_view=True)) if len(c) > 1 or shown >= c),
                   key=lambda c: (-len(c), min(map(str, c))))
    main = sorted(parts[0], key=str) if parts else []
    hubs = sorted(main, key=lambda n: (-neighbours[n], str(n)))[:HUBS]
    big = len(drawn) > DETAIL_MAX_NODES
    physics = bool(physics)  # off unless asked: the opening view is fitted and named for the layout as computed
    ev_table = _EvidenceTable()
    info = [_node_info(G.nodes[n], n, ids, ev_table) for n in drawn + isolated]
    _draw_nodes(net, G, drawn, ids, focus, _positions(G, H, focus, seed), _sizes(neighbours))
    edge_info, rel_count = _draw_edges(net, G, ids, rels, big, ev_table)
    type_count = Counter(i["type"] for i in info)
    type_zh = {a.get("type"): a.get("type_zh") for _, a in G.nodes(data=True) if a.get("type_zh")}
    legend = [{"type": t, "zh": types.get(t, {}).get("zh") or type_zh.get(t, t), "en": types.get(t, {}).get("en", t),
               "shape": TYPE_STYLES.get(t, _OTHER_STYLE)[0], "color": TYPE_STYLES.get(t, _OTHER_STYLE)[1],
               "count": type_count[t]} for t in _type_order(type_count)]
    predicates = sorted(set(rel_count) | {r[0] for i in info for _, rs in i["evidence"] for r in rs if r[0]})
    relations = [{"predicate": p, "zh": rels.get(p, {}).get("zh", p), "en": rels.get(p, {}).get("en", p),
                  "count": rel_count.get(p, 0)} for p in predicates]
    return {
        "title": title or "知识图谱 · Knowledge graph",
        "focus": ids.get(focus) if focus is not None else None,
        "shown": None if focus is not None or "nodes_total" not in G.graph else {
            "nodes": G.number_of_nodes(), "nodes_total": G.graph["nodes_total"],
            "edges": G.number_of_edges(), "edges_total": G.graph.get("edges_total", G.number_of_edges())},
        "physics": physics, "edge_labels": "selected" if big else "all",
        "nodes": net.nodes, "edges": net.edges, "isolated": [ids[n] for n in isolated],
        "main": [ids[n] for n in main], "hubs": [ids[n] for n in hubs],
        "info": info, "edge_info": edge_info,
        "legend": legend, "relations": relations, **ev_table.tables(),
        "options": _options(net, legend, physics, big),
    }


def _node_info(a: dict, n, ids: dict, ev_table: "_EvidenceTable") -> dict:
    """What the side panel shows of a node: names, dates, posts, sources and evidence (by index; the
    first :data:`SHOWN_EVIDENCE` sentences and how many there are)."""
    evidence = a.get("evidence", ())
    return {
        "label": a.get("label") or str(n), "iri": a.get("iri", str(n)), "type": a.get("type", ""),
        "aliases": list(a.get("aliases", ())), "date": a.get("date"), "end_date": a.get("end_date"),
        "posts": [{"title": p.get("title", ""), "organization": p.get("organization"),
                   "node": ids.get(p.get("organization_iri"))} for p in a.get("posts", ())],
        "sources": [ev_table.doc(d) for d in a.get("sources", ())],  # indices into ``docs``
        # [evidence row, [[predicate, other node, "out"|"in"], ...]]: every relation of the sentence
        "evidence": [[ev_table.add(e), [[r["predicate"], ids.get(r["other"]), r["direction"]]
                                        for r in e.get("relations") or
                                        [{"predicate": e.get("predicate"), "other": None, "direction": None}]]]
                     for e in evidence[:SHOWN_EVIDENCE]],
        "evidence_total": a.get("evidence_total", len(evidence)),
    }


def _draw_nodes(net, G: nx.MultiDiGraph, drawn: list, ids: dict, focus, pos: dict, size: dict) -> None:
    """The canvas' nodes: at their computed positions, sized by their neighbours, the focus marked."""
    for n in drawn:
        a = G.nodes[n]
        t = a.get("type", "")
        options = dict(group=t, x=pos[n][0], y=pos[n][1], size=size[n])
        if n == focus:
            colour = TYPE_STYLES.get(t, _OTHER_STYLE)[1]
            options.update(borderWidth=4, font={"size": 18}, shadow=True,
                           color={"background": colour, "border": "#1F2933",
                                  "highlight": {"background": colour, "border": "#1F2933"}})
        net.add_node(ids[n], label=_short(a.get("label") or str(n)), **options)
    for nd in net.nodes:
        nd.pop("shape", None)  # pyvis' default; the node's group gives its shape


def _draw_edges(net, G: nx.MultiDiGraph, ids: dict, rels: dict, big: bool, ev_table: "_EvidenceTable"
                ) -> tuple[list[dict], dict[str, int]]:
    """The canvas' edges (labelled in Chinese and English unless ``big``), their panel data and the
    number of edges of each relation."""
    edge_info, rel_count = [], {}
    edges = sorted(G.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2])))
    for i, (u, v, k, a) in enumerate(edges):
        p = a.get("predicate", str(k))
        rel_count[p] = rel_count.get(p, 0) + 1
        zh = a.get("label_zh") or rels.get(p, {}).get("zh", p)
        en = rels.get(p, {}).get("en") or a.get("label_en") or p
        label = {} if big else {"label": f"{zh}\n{en}"}  # large graphs: labels of the selected node's edges
        net.add_edge(ids[u], ids[v], id=f"e{i}", rel=p, **label)
        evidence = a.get("evidence", ())
        edge_info.append({"zh": zh, "confidence": a.get("confidence"),
                          "evidence_total": a.get("evidence_total", len(evidence)),
                          "evidence": [ev_table.add(e) for e in evidence[:SHOWN_EVIDENCE]]})
    for e in net.edges:
        e.pop("arrows", None)  # pyvis' per-edge "to"; the options draw every arrow
    return edge_info, rel_count


def _sizes(neighbours: dict, smallest: float = 8.0, largest: float = 30.0) -> dict:
    """Node sizes from the number of neighbours, on a square-root scale (a sixteenth of the hub's
    neighbours draws the node a quarter of the way from ``smallest`` to ``largest``). Given as sizes,
    not as vis-network values: the page then builds its network about a third faster."""
    if not neighbours:
        return {}
    lo, hi = min(neighbours.values()), max(neighbours.values())
    return {n: round(smallest + (largest - smallest) * (math.sqrt((k - lo) / (hi - lo)) if hi > lo else 0.5), 1)
            for n, k in neighbours.items()}


class _EvidenceTable:
    """Evidence stored once and referred to by index (a sentence often backs several relations).

    ``evidence[i]`` is ``[doc, sentence, start, end, extractor, confidence]`` with ``doc``,
    ``sentence`` and ``extractor`` indices into ``docs``, ``sentences`` and ``extractors``.
    """

    def __init__(self):
        self.rows: dict[tuple, int] = {}
        self.strings: dict[str, dict[str, int]] = {"docs": {}, "sentences": {}, "extractors": {}}

    def _str(self, table: str, value) -> int | None:
        if value in (None, ""):
            return None
        return self.strings[table].setdefault(str(value), len(self.strings[table]))

    def doc(self, doc_id: str) -> int | None:
        """The index of a document id in ``docs``."""
        return self._str("docs", doc_id)

    def add(self, e: dict) -> int:
        row = (self._str("docs", e.get("doc")), self._str("sentences", e.get("sentence")), e.get("start"),
               e.get("end"), self._str("extractors", e.get("extractor")), e.get("confidence"))
        return self.rows.setdefault(row, len(self.rows))

    def tables(self) -> dict:
        return {"evidence": [list(r) for r in self.rows], **{k: list(v) for k, v in self.strings.items()}}


def _short(label: str, width: int = 18) -> str:
    """The label drawn on the canvas, at most ``width`` characters (the panel and the search use the full one)."""
    return truncate(label, width, width_of=len)


def _type_order(counts: dict[str, int]) -> list[str]:
    known = [t for t in TYPE_STYLES if t in counts]
    return known + sorted(t for t in counts if t not in TYPE_STYLES)


def _pyvis_network():
    """A pyvis ``Network`` whose node lookups are O(1) (pyvis scans a list: O(n^2) for 10,000 nodes)."""
    from pyvis.network import Network  # imports IPython: only when a page is made

    class _Ids(list):
        def __init__(self):
            super().__init__()
            self._set = set()

        def append(self, x):
            self._set.add(x)
            super().append(x)

        def __contains__(self, x):
            return x in self._set

    net = Network(directed=True, cdn_resources="in_line")
    net.node_ids = _Ids()
    return net


def _options(net, legend: list[dict], physics: bool, big: bool) -> dict:
    """vis-network options: pyvis' defaults with our physics, groups, edges and interaction."""
    net.toggle_physics(physics)
    if physics:
        # Close to the computed layout's equilibrium (edges of 150), no pull to the centre (it
        # would undo the packing of the components).
        net.barnes_hut(gravity=-2500, central_gravity=0.0, spring_length=150, spring_strength=0.04,
                       damping=0.5, overlap=0)
    net.set_edge_smooth("continuous")  # "dynamic" adds a physics body per edge
    options = json.loads(net.options.to_json())
    # No stabilisation pass before the first frame: the layout is computed ahead, physics only
    # settles it live (a pass over 1,000 nodes takes seconds).
    options["physics"]["stabilization"] = {"enabled": False}
    options["physics"]["maxVelocity"] = 20
    options["physics"]["minVelocity"] = 2.0
    options["edges"].update({
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
        "color": {"color": "#9AA5B1", "highlight": "#1F2933", "hover": "#52606D", "inherit": False},
        "font": {"size": 10, "color": "#52606D", "strokeWidth": 2, "align": "middle", "multi": False},
        "width": 1, "selectionWidth": 2,
    })
    if big:  # the page labels the selected node's edges and gives them arrows
        options["edges"]["smooth"] = False
        options["edges"]["arrows"]["to"]["enabled"] = False
    # No border (it is the fill's colour: drawing it doubled the cost of a frame of 10,000 nodes) but
    # on the selected node. A name is drawn once it is 8 px on the screen (4 px names were a grey
    # haze) and never above 20 px; the page makes the names of the main part's hubs 14 px on opening.
    options["nodes"] = {"font": {"size": 13, "face": "sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
                        "borderWidth": 0, "borderWidthSelected": 2,
                        "scaling": {"label": {"enabled": False, "drawThreshold": 9, "maxVisible": 20}}}
    options["groups"] = {g["type"]: {"shape": g["shape"], "color": {
        "background": g["color"], "border": g["color"],
        "highlight": {"background": g["color"], "border": "#1F2933"},
        "hover": {"background": g["color"], "border": "#52606D"}}} for g in legend}
    options["interaction"].update({"hover": True, "tooltipDelay": 200, "navigationButtons": False,
                                   "keyboard": {"enabled": True, "bindToWindow": False},
                                   "hideEdgesOnDrag": big, "hideEdgesOnZoom": big})
    options["layout"] = {"improvedLayout": False, "randomSeed": SEED}
    options.pop("configure", None)
    return options


def _script_json(obj) -> str:
    """JSON that is safe inside ``<script>``: no ``<``, ``>``, ``&``, U+2028 or U+2029 appear raw."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def vis_network_files() -> tuple[Path, Path]:
    """The paths of vis-network's JavaScript and CSS as the pyvis package ships them (the page inlines
    them; ``kg serve`` serves them)."""
    import importlib.util

    root = Path(importlib.util.find_spec("pyvis").origin).parent / _VIS_DIR
    return root / "vis-network.min.js", root / "vis-network.css"


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS from the pyvis package, made safe to inline."""
    js_path, css_path = vis_network_files()
    js = js_path.read_text(encoding="utf-8")
    css = css_path.read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*", "", js)  # no fetch of a map file next to the page
    css = re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", css)
    # Inside <script> only "</script" (or "<!--" with "<script") could end the element early.
    if re.search(r"</style", css, re.I) or re.search(r"</script|<!--", js, re.I):
        raise RuntimeError("vis-network assets cannot be inlined safely")
    return js, css


@lru_cache(maxsize=1)
def _template():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, keep_trailing_newline=True)
    return env.get_template("graph.html.jinja")


def render_html(G, *, focus: str | None = None, hops: int = 2, title: str | None = None,
                physics: bool | None = None, seed: int = SEED, ontology=None, graphs: dict[str, list] | None = None,
                digests=None, facts=None) -> str:
    """The page for ``G`` (a graph from :func:`kg.network.load_network`, a build folder or a graph file).

    The page shows :func:`page_graph`: at most :data:`MAX_NODES` entities, the best-connected ones,
    saying how many of how many; ``focus`` (a name or alias) limits it to the entities at most ``hops``
    steps from that entity (:func:`focus_subgraph`), all of them. ``physics`` (off by default) lets the
    nodes move and settle in the page; the opening view is fitted again once they settle. ``graphs``
    and ``digests``: a build's index of its ``graph.trig`` and the cache of what the page reads of
    each graph, ``facts`` the index of its ``graph.ttl`` (:func:`page_graph`; the same page, fewer
    files parsed).
    """
    from markupsafe import Markup

    H, centre = page_graph(G, focus=focus, hops=hops, ontology=ontology, graphs=graphs, digests=digests, facts=facts,
                           seed=seed)
    if centre is not None and title is None:
        title = f"{H.nodes[centre]['label']} · {hops} 跳 / {hops} hop(s)"
    data = page_data(H, focus=centre, title=title, physics=physics, seed=seed, ontology=ontology)
    js, css = _vis_assets()
    details = {k: data.pop(k) for k in DETAIL_KEYS}
    html = _template().render(
        title=data["title"], n_nodes=len(data["nodes"]) + len(data["isolated"]), n_edges=len(data["edges"]),
        shown=data["shown"],
        data_json=Markup(_script_json(data)), details_json=Markup(_script_json(details)),
        vis_js=Markup(js), vis_css=Markup(css))
    if H is not G:
        release(H)
    return html


def write_html(G, path: str | os.PathLike, **kwargs) -> Path:
    """Write :func:`render_html` to ``path`` atomically (temporary file, then rename); ``kwargs`` are
    :func:`render_html`'s (``graphs`` and ``digests`` from a build: :func:`page_graph`)."""
    path = Path(path)
    write_atomic(path, render_html(G, **kwargs).encode("utf-8"))
    return path


class Page:
    """A rendered page that Jupyter shows inline (in an ``<iframe srcdoc>``, so its scripts run)."""

    def __init__(self, html: str, height: int = 720):
        self.html, self.height = html, height

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{_html.escape(self.html, quote=True)}" style="width:100%;height:{self.height}px;'
                f'border:1px solid #ddd" sandbox="allow-scripts"></iframe>')

    def save(self, path: str | os.PathLike) -> Path:
        write_atomic(Path(path), self.html.encode("utf-8"))
        return Path(path)

    def __str__(self) -> str:
        return self.html


def show(G, height: int = 720, **kwargs) -> Page:
    """The page as an object a notebook displays inline: ``kg.viz.show(load_network("out"))``."""
    return Page(render_html(G, **kwargs), height)


def _scripts_removed(html: str) -> str:
    """The page without its ``<script>`` and ``<style>`` bodies (what remains is markup)."""
    return re.sub(r"(?is)<(script|style)\b[^>]*>.*?</\1>", "", html)
