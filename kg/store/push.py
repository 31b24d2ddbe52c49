"""Load the graph into any SPARQL 1.1 store over the Graph Store HTTP Protocol (standard library only).

:func:`push_graph` reads ``OUT/graph.trig`` (else ``OUT/graph.ttl``) and sends one Turtle request per
graph to the store's Graph Store Protocol endpoint: ``ENDPOINT?graph=IRI`` for each named graph (one
per source document) and ``ENDPOINT?default`` for the default graph. ``replace=True`` uses HTTP PUT,
which replaces each of those graphs (pushing again is idempotent); otherwise HTTP POST adds the
triples to what the graphs already hold (a graph is a set, but blank nodes, such as reified
provenance statements, are new nodes on every POST: push with ``replace`` to repeat a push). Graphs
of the remote store that the local graph does not have are left alone.

The endpoint is the store's GSP URL, e.g.

- Oxigraph (``oxigraph serve --location DIR``): ``http://localhost:7878/store``
- Apache Jena Fuseki: ``http://localhost:3030/DATASET/data``
- GraphDB: ``http://localhost:7200/repositories/REPO/rdf-graphs/service``

HTTP failures raise :class:`PushError` naming the request, the status and the start of the server's
answer. Credentials may be given in the URL (``http://user:password@host/…``: HTTP basic auth).
"""

from __future__ import annotations

import base64
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import BadUsage, RunFailed
from kg.ontology.namespaces import PREFIXES
from kg.rdf.files import GraphError, graph_file, unreadable

__all__ = ["PushError", "BadEndpoint", "PushReport", "push_graph", "graphs_of", "graph_url"]

TURTLE = "text/turtle; charset=utf-8"


class PushError(RunFailed, RuntimeError):
    """A Graph Store Protocol request failed (HTTP error, unreachable store, bad endpoint URL)."""


class BadEndpoint(BadUsage, PushError):
    """The endpoint is not an http(s) URL."""


@dataclass
class PushReport:
    endpoint: str
    source: Path
    method: str
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI (or "default") -> triples sent

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def graphs_of(path: str | os.PathLike) -> dict[str | None, list[ox.Triple]]:
    """The triples of each graph in a Turtle or TriG file: graph IRI (None for the default graph) -> triples."""
    path = Path(path)
    fmt = ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.TURTLE
    graphs: dict[str | None, dict[ox.Triple, None]] = {}
    try:
        for q in ox.parse(path=str(path), format=fmt):
            g = q.graph_name
            if isinstance(g, ox.BlankNode):
                raise GraphError(f"{path}: graph {g} is a blank node; the Graph Store Protocol needs IRIs")
            key = None if isinstance(g, ox.DefaultGraph) else g.value
            graphs.setdefault(key, {})[q.triple] = None  # a set that keeps the file's order
    except SyntaxError as e:
        raise unreadable(path, e) from None
    return {k: list(v) for k, v in graphs.items()}


def _split_credentials(endpoint: str) -> tuple[str, dict[str, str]]:
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadEndpoint(f"{endpoint!r} is not an http(s) URL of a Graph Store Protocol endpoint")
    headers = {}
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        endpoint = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return endpoint, headers


def graph_url(endpoint: str, graph: str | None) -> str:
    """``ENDPOINT?graph=IRI`` (the IRI percent-encoded) or ``ENDPOINT?default``.

    >>> graph_url("http://h:7878/store", "https://example.org/cnqkg/id/source/001.txt")
    'http://h:7878/store?graph=https%3A%2F%2Fexample.org%2Fcnqkg%2Fid%2Fsource%2F001.txt'
    >>> graph_url("http://h:3030/ds/data?x=1", None)
    'http://h:3030/ds/data?x=1&default'
    """
    sep = "&" if "?" in endpoint else "?"
    if graph is None:
        return f"{endpoint}{sep}default"
    return f"{endpoint}{sep}graph={urllib.parse.quote(graph, safe='')}"


def _send(method: str, url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": TURTLE, **headers})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
    except urllib.error.HTTPError as e:
        detail = e.read(500).decode("utf-8", "replace").strip().replace("\n", " ")
        raise PushError(f"{method} {url}: HTTP {e.code} {e.reason}" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as e:
        raise PushError(f"{method} {url}: cannot reach the store: {e.reason}") from None
    except (TimeoutError, OSError) as e:
        raise PushError(f"{method} {url}: {e}") from None


def push_graph(
    out_dir: str | os.PathLike,
    endpoint: str,
    *,
    replace: bool = False,
    timeout: float = 60.0,
) -> PushReport:
    """Send every graph of ``OUT/graph.trig`` (else ``graph.ttl``) to ``endpoint`` (see the module doc)."""
    src = graph_file(out_dir)
    url_base, headers = _split_credentials(endpoint)
    method = "PUT" if replace else "POST"
    report = PushReport(endpoint=url_base, source=src, method=method)
    graphs = graphs_of(src)
    for name in sorted(graphs, key=lambda g: (g is not None, g or "")):
        triples = graphs[name]
        body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        _send(method, graph_url(url_base, name), body, headers, timeout)
        report.graphs[name or "default"] = len(triples)
    return report
