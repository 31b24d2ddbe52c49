"""The graph for Gephi and other tools: GraphML or GEXF, every attribute a scalar."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import networkx as nx

from kg.files import write_atomic

__all__ = ["flatten", "export_graph", "FORMATS"]

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FORMATS = ("graphml", "gexf")


def _scalar(v):
    return _XML_BAD.sub("", v) if isinstance(v, str) else v


def _flat_node(a: dict) -> dict:
    out = {"label": a.get("label"), "type": a.get("type"), "type_zh": a.get("type_zh"), "iri": a.get("iri"),
           "aliases": "|".join(a.get("aliases", ())), "date": a.get("date"), "end_date": a.get("end_date"),
           "posts": json.dumps(a.get("posts", []), ensure_ascii=False) if a.get("posts") else None,
           "n_posts": len(a.get("posts", ())), "sources": "|".join(a.get("sources", ())),
           "n_sources": len(a.get("sources", ())), "n_evidence": len(a.get("evidence", ()))}
    return {k: _scalar(v) for k, v in out.items() if v not in (None, "")}


def _flat_edge(key, d: dict) -> dict:
    ev = [{k: e.get(k) for k in ("doc", "sentence", "start", "end", "extractor", "confidence")}
          for e in d.get("evidence", ())]
    out = {"label": d.get("label_zh"), "predicate": d.get("predicate", key), "relation": str(key),
           "label_zh": d.get("label_zh"), "label_en": d.get("label_en"), "confidence": d.get("confidence"),
           "n_evidence": len(ev), "evidence": json.dumps(ev, ensure_ascii=False) if ev else None}
    return {k: _scalar(v) for k, v in out.items() if v not in (None, "")}


def flatten(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``G`` with only scalar attributes, as GraphML and GEXF require.

    Aliases and sources are joined with ``|``; posts and edge evidence become JSON strings
    (with ``n_posts`` / ``n_evidence`` counts); node evidence only its count; None is dropped.
    An edge keeps its key as ``relation`` and its Chinese name as ``label`` (shown by Gephi).

    >>> from kg.network.examples import example_network
    >>> F = flatten(example_network())
    >>> F.nodes["p/李华"]["posts"], F.nodes["p/李华"]["n_posts"]
    ('[{"title": "会长", "organization": "中国某某协会", "organization_iri": "o/中国某某协会"}]', 1)
    >>> e = F.edges["p/李华", "o/中国某某协会", "memberOf:会长"]
    >>> e["label"], e["predicate"], e["n_evidence"], json.loads(e["evidence"])[0]["sentence"]
    ('会长', 'memberOf', 1, '中国某某协会会长李华致辞。')
    >>> "confidence" in e  # None is dropped
    False
    """
    F = nx.MultiDiGraph()
    for n, a in G.nodes(data=True):
        F.add_node(n, **_flat_node(a))
    for u, v, k, d in G.edges(keys=True, data=True):
        F.add_edge(u, v, key=k, **_flat_edge(k, d))
    return F


def export_graph(G: nx.MultiDiGraph, path, format: str | None = None) -> Path:
    """Write ``G`` as GraphML or GEXF (Gephi opens both); ``format`` defaults to the file's suffix.

    Attributes are flattened (:func:`flatten`); the file is written to a temporary file and renamed.
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"{path}: unknown export format {fmt!r} (use .graphml or .gexf, or --format)")
    F = flatten(G)
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(F, buf, encoding="utf-8", named_key_ids=True)
    else:
        nx.write_gexf(F, buf, encoding="utf-8")
    write_atomic(path, buf.getvalue())
    return path
