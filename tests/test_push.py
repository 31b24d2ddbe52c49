"""``kg push``: the graph goes into a real SPARQL server over the Graph Store Protocol.

Starts the Oxigraph server of the ``oxigraph`` package (``.venv/bin/oxigraph``, next to the Python
interpreter) on a free loopback port, pushes the fixture graph, reads it back with SPARQL over HTTP.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.store.push import PushError, graph_url, push_graph

FIXTURE = Path(__file__).parent / "data" / "query_graph.trig"
pytestmark = pytest.mark.slow


def _oxigraph_binary() -> Path:
    exe = Path(sys.executable).parent / "oxigraph"
    if not exe.exists():
        found = shutil.which("oxigraph")
        if not found:
            pytest.fail("the oxigraph server binary is missing: pip install -e '.[test]' installs it")
        exe = Path(found)
    return exe


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(proc: subprocess.Popen, base: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"oxigraph exited with {proc.returncode}: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(base + "/query?query=" + urllib.parse.quote("ASK {}"), timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"oxigraph did not answer on {base} within {timeout} s: {log.read_text(errors='replace')}")


@pytest.fixture
def server(tmp_path):
    """A fresh Oxigraph server on loopback; yields its base URL; always stopped."""
    exe = _oxigraph_binary()
    for attempt in range(3):  # the free port may be taken between the probe and the bind
        port = _free_port()
        log = tmp_path / f"oxigraph-{attempt}.log"
        with log.open("wb") as f:
            proc = subprocess.Popen(
                [str(exe), "serve", "--location", str(tmp_path / f"db-{attempt}"), "--bind", f"127.0.0.1:{port}"],
                stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(proc, base, log)
        except RuntimeError:
            proc.kill()
            proc.wait()
            if attempt == 2:
                raise
            continue
        try:
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return


def _select(base: str, query: str) -> list[dict]:
    req = urllib.request.Request(base + "/query", data=query.encode("utf-8"), method="POST", headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        data = json.loads(r.read())
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def _remote_counts(base: str) -> Counter:
    counts = Counter()
    for b in _select(base, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        counts[b["g"]] = int(b["n"])
    default = _select(base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    counts["default"] = int(default[0]["n"])
    return counts


def _local_counts() -> Counter:
    counts = Counter()
    for q in set(ox.parse(path=str(FIXTURE))):
        counts["default" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value] += 1
    return counts


@pytest.fixture
def out(tmp_path) -> Path:
    d = tmp_path / "out"
    d.mkdir()
    shutil.copy(FIXTURE, d / "graph.trig")
    return d


def test_push_then_query_back(server, out):
    endpoint = server + "/store"
    r = CliRunner().invoke(main, ["push", "--endpoint", endpoint, "--graph", str(out), "--replace"])
    assert r.exit_code == 0, r.stderr
    expected = _local_counts()
    assert expected["default"] == 4 and len(expected) == 4
    assert _remote_counts(server) == expected
    assert "153 triple(s) replaced 4 graph(s)" in r.stderr

    # the data is queryable: who hosted the 2021 quality month (Chinese IRIs and labels survive)
    rows = _select(server, """
        PREFIX kg: <https://example.org/cnqkg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?name WHERE { GRAPH ?g { ?o kg:hosted ?e . ?e rdfs:label "2021年全国“质量月”活动"@zh .
                                                 ?o rdfs:label ?name } } ORDER BY ?name""")
    assert [b["name"] for b in rows] == ["国家市场监督管理总局", "工业和信息化部"]

    # pushing again with --replace changes nothing; without it, triples are added: a graph is a set,
    # so only the blank nodes (here one reified provenance statement) come in a second time
    report = push_graph(out, endpoint, replace=True)
    assert report.triples == 153 and report.method == "PUT"
    assert _remote_counts(server) == expected
    report = push_graph(out, endpoint)
    assert report.method == "POST"
    bnode_triples = Counter(
        q.graph_name.value for q in set(ox.parse(path=str(FIXTURE)))
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode))
    assert sum(bnode_triples.values()) == 10
    assert _remote_counts(server) == expected + bnode_triples


def test_replace_replaces_a_graph(server, out):
    endpoint = server + "/store"
    g1 = "https://example.org/cnqkg/id/source/001.txt"
    body = b"<http://e/stale> <http://e/p> <http://e/o> ."
    req = urllib.request.Request(graph_url(endpoint, g1), data=body, method="PUT",
                                 headers={"Content-Type": "text/turtle"})
    urllib.request.urlopen(req, timeout=30).close()
    push_graph(out, endpoint)  # POST: the stale triple stays
    assert _remote_counts(server)[g1] == _local_counts()[g1] + 1
    push_graph(out, endpoint, replace=True)  # PUT: it is gone
    assert _remote_counts(server)[g1] == _local_counts()[g1]


def test_http_errors_are_clear(server, out):
    with pytest.raises(PushError, match=r"HTTP 404"):
        push_graph(out, server + "/no-such-endpoint", replace=True)
    port = _free_port()
    with pytest.raises(PushError, match="cannot reach the store"):
        push_graph(out, f"http://127.0.0.1:{port}/store", timeout=5)
    r = CliRunner().invoke(main, ["push", "--endpoint", server + "/nope", "--graph", str(out)])
    assert r.exit_code == 4 and "HTTP 404" in r.stderr


def test_bad_endpoint_and_missing_graph(tmp_path, out):
    with pytest.raises(PushError, match="not an http"):
        push_graph(out, "ftp://example.org/store")
    r = CliRunner().invoke(main, ["push", "--endpoint", "http://127.0.0.1:9/store", "--graph", str(tmp_path / "none")])
    assert r.exit_code == 3 and f"{tmp_path / 'none'}: no such folder" in r.stderr
