"""The graph files of a build folder, the one rule for which to read, and their errors.

``kg build`` writes ``OUT/graph.trig`` (every fact with its provenance, one named graph per
document) and ``OUT/graph.ttl`` (the same facts once, no provenance). Every reader asks
:func:`graph_file` (a build folder) or :func:`graph_source` (a folder or a graph file) which one to
read: ``graph.trig``, else ``graph.ttl``, or ``graph.ttl`` first when provenance is not needed.
Both raise :class:`GraphNotFoundError` with the message every command prints for a missing build.

>>> graph_file("no/such/folder")
Traceback (most recent call last):
...
kg.rdf.files.GraphNotFoundError: no/such/folder: no such folder (build one with `kg build PATH... -o no/such/folder`)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kg.errors import BadInput

__all__ = ["GRAPH_FILES", "GraphError", "GraphNotFoundError", "GraphUnreadable", "graph_file", "graph_source",
           "id_namespace_of", "prefix_lines", "unreadable"]

GRAPH_FILES = ("graph.trig", "graph.ttl")  # in order of preference
_GRAPH_SUFFIXES = (".trig", ".ttl", ".nt", ".nq")


class GraphError(BadInput, RuntimeError):
    """A build's graph cannot be read: missing or malformed."""


class GraphNotFoundError(GraphError, FileNotFoundError):
    """No built graph where one was expected: the folder, or its graph.trig and graph.ttl, are missing."""


class GraphUnreadable(GraphError, ValueError):
    """A graph file that does not parse (the message has the parser's line and column)."""


def graph_file(out_dir: str | os.PathLike, *, provenance: bool = True) -> Path:
    """The graph file of the build folder ``out_dir``: ``graph.trig`` if present, else ``graph.ttl``
    (``graph.ttl`` first with ``provenance=False``: the same facts, a fraction of the triples)."""
    out = Path(out_dir)
    for name in GRAPH_FILES if provenance else GRAPH_FILES[::-1]:
        p = out / name
        if p.is_file():
            return p
    hint = f"(build one with `kg build PATH... -o {out}`)"
    if not out.is_dir():
        raise GraphNotFoundError(f"{out}: no such folder {hint}")
    raise GraphNotFoundError(f"{out}: no graph.trig or graph.ttl in this folder {hint}")


def graph_source(source: str | os.PathLike, *, provenance: bool = True) -> Path:
    """``source`` if it is a graph file, else the graph file of the build folder it names (:func:`graph_file`)."""
    path = Path(source)
    if path.is_file():
        return path
    if path.suffix in _GRAPH_SUFFIXES and not path.is_dir():
        raise GraphNotFoundError(f"{source}: no such file")
    return graph_file(path, provenance=provenance)


_ONTOLOGY_GRAPH = re.compile(r"^<([^<>\s]+/)graph/ontology> \{$", re.M)


def id_namespace_of(path: str | os.PathLike) -> str | None:
    """The namespace ``BASE/id/`` a build minted the IRIs of a graph file in (``kg build
    --base-iri``), read from the name of its ontology graph, ``<BASE/id/graph/ontology> {``, at the
    top of ``graph.trig``; None for a file without one (``graph.ttl``, a graph made elsewhere)."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16).decode("utf-8", "ignore")
    except OSError:
        return None
    mt = _ONTOLOGY_GRAPH.search(head)
    return mt.group(1) if mt else None


def unreadable(path: str | os.PathLike, error: SyntaxError) -> GraphUnreadable:
    """The error for a graph file pyoxigraph cannot parse (one line: the file, line and column)."""
    return GraphUnreadable(f"{path}: not a readable graph: {getattr(error, 'msg', None) or error}")


def prefix_lines(f) -> bytes:
    """The prefix lines at the top of a graph file written by :mod:`kg.rdf.write` (up to its first blank
    line) and a blank line, read from the open binary file ``f`` (from its start): what to put before
    some of its graphs to parse them alone (the store's update, the page's evidence)."""
    f.seek(0)
    head = []
    for line in f:
        if not line.strip():
            break
        head.append(line)
    return b"".join(head) + b"\n"
