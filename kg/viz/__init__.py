"""The interactive page of the graph: positions computed ahead (:mod:`kg.viz.layout`) and one
self-contained HTML file that works with no network (:mod:`kg.viz.page`, its template in
``kg/viz/templates/``)."""

from kg.viz.layout import SPRING_MAX, layout_positions
from kg.viz.page import (DETAIL_MAX_NODES, MAX_NODES, SHOWN_EVIDENCE, TYPE_STYLES, Page, focus_subgraph, page_data,
                         page_graph, render_html, show, vis_network_files, write_html)

__all__ = ["vis_network_files", "render_html", "write_html", "page_data", "page_graph", "focus_subgraph", "show", "Page",
           "TYPE_STYLES", "DETAIL_MAX_NODES", "MAX_NODES", "SHOWN_EVIDENCE", "layout_positions", "SPRING_MAX"]
