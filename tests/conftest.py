"""Shared fixtures.

Ingestion fixtures: ``make_file`` (write bytes to a temp file) and ``ingest_check_offsets``
(assert the offset map of a Document is exact). ``query_graph_out``: a build folder holding
``tests/data/query_graph.trig``, one a test module. ``browser``: one headless Chromium a session
for the browser tests (Debian's ``/usr/bin/chromium`` driven by Playwright, which never downloads
one); the tests that use it are skipped, and say why, where it or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import pytest

from kg.ingest.clean import _ASCII_TO_FULL, _FULLWIDTH_ALNUM

_SPACE_LIKE = {chr(c) for c, t in _FULLWIDTH_ALNUM.items() if t == 0x20} | {"\t", " "}


def _rewrites_of(src: str) -> set[str]:
    """The characters the documented repairs can turn ``src`` into (including itself)."""
    out = {src}
    code = ord(src)
    if code in _FULLWIDTH_ALNUM:  # full-width digits/letters/%/-/./ and space-likes to ASCII
        out.add(chr(_FULLWIDTH_ALNUM[code]))
    for c in list(out):  # ASCII punctuation in Chinese context to full width (also after the above)
        if c in _ASCII_TO_FULL:
            out.add(_ASCII_TO_FULL[c])
    if src in _SPACE_LIKE:
        out.add(" ")
    if src == "\t":
        out.add("\n")  # a tab between cells is a line break
    if src == "\r":
        out.add("\n")  # a lone CR is a line break
    return out


def check_offsets(doc) -> None:
    """Assert the offset map of ``doc`` is exact.

    ``len(offsets) == len(text)``; every clean char points inside the source; a clean char that a
    repair did not rewrite is the very source char it points at (in particular every Chinese
    character); a rewritten char points at the char it was made from; the only inserted
    characters are the paragraph separator ``\\n`` (which must stand for a line break between
    its neighbours in the source) and a space joining two alphanumeric lines.
    """
    text, offs, src = doc.text, doc.offsets, doc.source_text
    assert len(offs) == len(text), (len(offs), len(text))
    for i, ch in enumerate(text):
        o = offs[i]
        assert 0 <= o < len(src), f"clean char {i} {ch!r} has offset {o} outside the source"
        s = src[o]
        if ch in _rewrites_of(s):
            continue
        if ch == "\n":  # paragraph separator: it must stand for a line break of the source
            if 0 < i < len(text) - 1:
                between = src[offs[i - 1] + 1:offs[i + 1]]
                assert any(b in between for b in "\n\r\t"), (
                    f"paragraph break at clean {i} where the source has no line break: {between!r}"
                )
            continue
        if ch == " " and i > 0 and i + 1 < len(text) and text[i - 1].isalnum() and text[i + 1].isalnum():
            continue  # a space put between two alphanumeric lines when joining them
        raise AssertionError(
            f"clean char {i} {ch!r} points at source {o} {s!r}; context clean={text[max(0, i - 8):i + 8]!r} "
            f"source={src[max(0, o - 8):o + 8]!r}"
        )


@pytest.fixture
def make_file(tmp_path: Path) -> Callable[[str, bytes | str], Path]:
    """Write ``data`` (bytes, or str as UTF-8) to ``tmp_path/name`` and return the path.

    Parent folders are created, so ``make_file("a/b/c.txt", ...)`` works.
    """

    def _make(name: str, data: bytes | str) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return p

    return _make


@pytest.fixture(scope="session")
def ingest_check_offsets() -> Callable:
    """``ingest_check_offsets(doc)`` asserts the offset map of an ingested Document is exact."""
    return check_offsets


@pytest.fixture(scope="module")
def query_graph_out(tmp_path_factory) -> Path:
    """A build folder holding ``tests/data/query_graph.trig`` (its store is loaded by the first query)."""
    from kg.query import close_workers

    d = tmp_path_factory.mktemp("query-graph")
    shutil.copy(Path(__file__).parent / "data" / "query_graph.trig", d / "graph.trig")
    yield d
    close_workers()


# --- kg serve: one built graph (the seeds and a document carrying HTML payloads), one live server ---------

PAYLOAD_DOC = (
    "中国机械工业质量管理协会召开<script>window.__pwned=1</script>质量工作座谈会\n\n"
    "2021年3月12日，中国机械工业质量管理协会在北京召开质量工作座谈会<img src=x onerror=\"window.__pwned=2\">。"
    "会议由协会会长王建和主持。\n")


@pytest.fixture(scope="session")
def served_graph(tmp_path_factory) -> Path:
    """A build folder of the seeds plus ``zz_payload.txt`` (a document with ``<script>`` and ``onerror=``),
    built once a session; its sources stay where they were built from (an absolute path)."""
    from kg.build import build

    root = tmp_path_factory.mktemp("serve")
    corpus = root / "corpus"
    corpus.mkdir()
    for p in sorted((Path(__file__).parent.parent / "seeds").glob("*.txt")):
        shutil.copy(p, corpus / p.name)
    (corpus / "zz_payload.txt").write_text(PAYLOAD_DOC, encoding="utf-8")
    out = root / "out"
    build([str(corpus)], out)
    return out


@pytest.fixture(scope="session")
def live_server(served_graph):
    """``kg serve`` of :func:`served_graph` by uvicorn on a free port of 127.0.0.1, in a thread: its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    from kg.serve import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(served_graph, timeout=5), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


# --- the browser tests (tests/test_*_browser.py) ----------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (``.ci/run`` installs it); skips the test without it."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium; CI installs it)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is in the test extra: pip install -e '.[test]'")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


# --- incremental builds -----------------------------------------------------------------------------------


@pytest.fixture
def text_corpus(tmp_path) -> Callable[[dict[str, str]], Path]:
    """``text_corpus({name: text})``: a folder ``tmp_path/in`` of those UTF-8 files, for a build to read,
    made over a second before the build (a file changed in the second before a build looks at it is
    read again by the next build, so an older one is what an incremental build can trust unread)."""
    import time

    def _make(texts: dict[str, str]) -> Path:
        folder = tmp_path / "in"
        folder.mkdir()
        for name, text in texts.items():
            (folder / name).write_text(text, encoding="utf-8")
        time.sleep(1.1)
        return folder

    return _make


@pytest.fixture
def calls(monkeypatch) -> Callable[..., list]:
    """``calls(module, name, note)``: the list of ``note(first argument)`` for each call of
    ``module.name`` while the test runs (the function still runs as it is)."""

    def _spy(module, name: str, note: Callable = lambda x: x) -> list:
        seen: list = []
        real = getattr(module, name)

        def spy(first, *args, **kwargs):
            seen.append(note(first))
            return real(first, *args, **kwargs)

        monkeypatch.setattr(module, name, spy)
        return seen

    return _spy


@pytest.fixture
def alone(monkeypatch):
    """Forks allowed (:mod:`kg.forked`) as in a process of its own: earlier tests may leave idle threads
    (Dask's pool) in this process, and no copy is made while another thread runs."""
    import kg.forked

    monkeypatch.setattr(kg.forked.threading, "active_count", lambda: 1)


@pytest.fixture
def cache_entries() -> Callable[[Path, str], dict]:
    """``cache_entries(out, part)``: what the build folder ``out`` keeps in its cache databases, read
    through the caches themselves: ``"graphs"``, the documents' graphs by key (each ``(graph, SHA-256,
    note)``, :class:`kg.rdf.kept.GraphCache`); ``"page"``, the page's digests by their graphs' SHA-256
    (each ``(namespace, digest)``, :class:`kg.network.digests.DigestCache`)."""
    from kg.cache import CACHE_DIR, ExtractionCache
    from kg.network.digests import DigestCache
    from kg.rdf.kept import GraphCache

    def _entries(out: Path, part: str) -> dict:
        found: dict = {}
        if part == "graphs":
            for db in (Path(out) / CACHE_DIR).glob("*/graphs/*/graphs.sqlite"):
                found.update(GraphCache(ExtractionCache(out, db.parents[2].name), db.parent.name).entries())
        else:
            for db in (Path(out) / CACHE_DIR).glob("*/page/*/digests.sqlite"):
                found.update({sha: (minted, digest) for sha, minted, digest in
                              DigestCache(db.parent.parent, db.parent.name).entries()})
        return found

    return _entries
