"""An incremental build updates the last build's store instead of loading every quad again (issue 16).

The store is copied (a RocksDB checkpoint), the named graphs of documents gone or changed are
removed, the new ones loaded, and the default graph brought to the new ``graph.ttl``; what it holds
and answers is what a store loaded from the same files would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

import kg.build
import kg.store.embedded
from kg.build import build
from kg.query import run_query
from kg.store import load_store, open_store, read_manifest

ROOT = Path(__file__).resolve().parent.parent
QUERIES = sorted(p.stem for p in (ROOT / "ontology" / "queries").glob("*.rq"))

TEXTS = {
    "a.txt": "中国机械工业质量管理协会在北京召开2021年质量工作会议。协会会长张维德出席会议并讲话。",
    "b.txt": "工业和信息化部发布《关于推进机械工业质量提升的指导意见》。",
    "c.txt": "2022年5月，上海市质量协会主办第五届长三角质量论坛，市场监管总局副局长王明出席。",
    "e.txt": "工信部〔2021〕5号要求各地开展质量提升行动。",
}


@pytest.fixture
def corpus(text_corpus) -> Path:
    return text_corpus(TEXTS)


@pytest.fixture
def loads(calls) -> list[str]:
    """The folders a build bulk-loaded a whole store into."""
    return calls(kg.build, "load_store", str)


def _quads(folder: Path) -> set[str]:
    store = open_store(folder, refresh=False)
    try:
        return {str(q) for q in store}
    finally:
        del store


def _fresh_store(out: Path, fresh: Path) -> Path:
    """A store loaded from scratch from ``out``'s graph files, as a first build loads one."""
    fresh.mkdir()
    for name in ("graph.trig", "graph.ttl"):
        shutil.copy2(out / name, fresh / name)
    load_store(fresh, facts=fresh / "graph.ttl")
    return fresh


#: values for the stored queries' required parameters
PARAMS = {"cohosts": {"org": "上海市质量协会"}}


def _answers(folder: Path) -> dict[str, tuple]:
    found = {}
    for name in QUERIES:
        r = run_query(name, folder, params=PARAMS.get(name))
        found[name] = (r.columns, sorted(map(repr, r.rows)))
    return found


def test_an_update_gives_the_store_a_fresh_load_gives(corpus, loads, tmp_path, monkeypatch):
    monkeypatch.setattr(kg.store.embedded, "UPDATE_SHARE", 1.0)  # a small corpus: most of it changes
    out = tmp_path / "out"
    build([str(corpus)], out)
    assert len(loads) == 1
    # a change, a new document that joins two documents' entities into one, a document gone
    (corpus / "c.txt").write_text(TEXTS["c.txt"].replace("王明", "李强"), encoding="utf-8")
    (corpus / "f.txt").write_text("工业和信息化部印发《关于推进机械工业质量提升的指导意见》（工信部〔2021〕5号）。",
                                  encoding="utf-8")
    (corpus / "a.txt").unlink()
    loads.clear()
    build([str(corpus)], out)
    assert loads == []  # updated, not loaded
    manifest = read_manifest(out)
    assert manifest["updated"] >= 4  # c, f, a gone, and the graphs of b and e, whose entity changed
    fresh = _fresh_store(out, tmp_path / "fresh")
    assert _quads(out) == _quads(fresh)
    expected = read_manifest(fresh)
    assert (manifest["quads"], manifest["default_graph_triples"]) == (expected["quads"], expected["default_graph_triples"])
    assert _answers(out) == _answers(fresh)
    assert any(rows for _, rows in _answers(out).values())


def test_a_store_not_made_by_a_build_is_loaded_again(corpus, loads, tmp_path):
    """``kg query`` loads a store from a graph file alone: no index of its graphs, nothing to update."""
    out = tmp_path / "out"
    build([str(corpus)], out)
    load_store(out, force=True)
    (corpus / "c.txt").write_text(TEXTS["c.txt"].replace("王明", "李强"), encoding="utf-8")
    loads.clear()
    build([str(corpus)], out)
    assert len(loads) == 1
    assert _quads(out) == _quads(_fresh_store(out, tmp_path / "fresh"))


def test_when_most_documents_change_the_store_is_loaded_again(corpus, loads, tmp_path):
    out = tmp_path / "out"
    build([str(corpus)], out)
    for name, text in TEXTS.items():
        (corpus / name).write_text(text + "会议在上海举行。", encoding="utf-8")
    loads.clear()
    build([str(corpus)], out)
    assert len(loads) == 1
    assert "updated" not in read_manifest(out)


def test_the_store_being_read_during_an_update_is_left_as_it_was(corpus, tmp_path, monkeypatch):
    """``kg serve`` may hold the old store open: the update copies it, and the copy is what changes."""
    monkeypatch.setattr(kg.store.embedded, "UPDATE_SHARE", 1.0)
    out = tmp_path / "out"
    build([str(corpus)], out)
    before = _quads(out)
    reader = ox.Store.read_only(str(out / "store"))
    (corpus / "c.txt").write_text(TEXTS["c.txt"].replace("王明", "李强"), encoding="utf-8")
    build([str(corpus)], out)
    assert "updated" in read_manifest(out)
    assert {str(q) for q in reader} == before
    del reader
    assert _quads(out) != before


def test_a_full_build_loads_the_store_afresh(corpus, loads, tmp_path, monkeypatch):
    """``kg build --full`` trusts nothing of the last build, its store included."""
    monkeypatch.setattr(kg.store.embedded, "UPDATE_SHARE", 1.0)
    out = tmp_path / "out"
    build([str(corpus)], out)
    (corpus / "c.txt").write_text(TEXTS["c.txt"].replace("王明", "李强"), encoding="utf-8")
    loads.clear()
    build([str(corpus)], out, incremental=False)
    assert len(loads) == 1


def test_a_builds_facts_are_loaded_a_part_at_a_time_with_the_same_quads(corpus, tmp_path, monkeypatch):
    """``graph.ttl`` (one triple a line) is bulk-loaded in pieces like the TriG, so the loader's memory
    follows the piece, not the corpus: the store is the one the TriG alone makes, and a line that does
    not parse is named by its line in the file, not in the piece."""
    from kg.rdf.files import GraphUnreadable

    out = tmp_path / "out"
    build([str(corpus)], out)
    pieces: list[bytes] = []
    real = kg.store.embedded._cut
    monkeypatch.setattr(kg.store.embedded, "CHUNK_BYTES", 300)
    monkeypatch.setattr(kg.store.embedded, "_cut",
                        lambda src, **k: (pieces.append(p) or p for p in real(src, **k)) if src.suffix == ".ttl"
                        else real(src, **k))
    fresh = _fresh_store(out, tmp_path / "fresh")
    assert len(pieces) > 3
    alone = tmp_path / "alone"  # no facts file: the default graph merged from the named graphs
    alone.mkdir()
    shutil.copy2(out / "graph.trig", alone / "graph.trig")
    load_store(alone)
    assert _quads(fresh) == _quads(alone)
    lines = (out / "graph.ttl").read_text(encoding="utf-8").splitlines()
    bad = len(lines) - 2  # in the last piece
    lines[bad] = lines[bad].replace(" .", " ")  # a triple without its end
    (fresh / "graph.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(GraphUnreadable, match=rf"graph.ttl: not a readable graph: .* line {bad + 2}\b"):
        load_store(fresh, facts=fresh / "graph.ttl", force=True)


def _stream(out: Path, folder: Path, **kwargs):
    """A StreamedLoad in ``folder`` given ``out``'s graph.trig as a build writes it: its header, then each graph."""
    from kg.store import StreamedLoad

    folder.mkdir()
    for name in ("graph.trig", "graph.ttl"):
        shutil.copy2(out / name, folder / name)
    data = (out / "graph.trig").read_bytes()
    head = data.index(b"\n<")
    load = StreamedLoad(folder, folder / "graph.ttl", **kwargs)
    load.write(data[:head])
    for block in data[head:].split(b"\n}\n")[:-1]:
        load.write(block + b"\n}\n")
    return load


def test_a_streamed_load_gives_the_store_a_load_of_the_finished_file_gives(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(kg.store.embedded, "CHUNK_BYTES", 500)
    out = tmp_path / "out"
    build([str(corpus)], out)
    streamed = _stream(out, tmp_path / "streamed")
    graphs = {"x": ["ab", 0, 1]}  # the index of graph.trig, kept in the manifest
    streamed.finish(graphs)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for name in ("graph.trig", "graph.ttl"):
        shutil.copy2(out / name, fresh / name)
    load_store(fresh, facts=fresh / "graph.ttl", graphs=graphs)
    assert _quads(streamed.out) == _quads(fresh)
    a, b = read_manifest(streamed.out), read_manifest(fresh)
    for k in ("load_seconds", "mtime_ns"):
        a.pop(k), b.pop(k)
    assert a == b and a["graphs"] == {"x": "ab"}
    assert not list(streamed.out.glob(".store-tmp-*"))


def test_a_streamed_load_that_fails_at_its_end_raises_and_leaves_nothing(corpus, tmp_path, monkeypatch):
    """A store that cannot be written out (a full disk) after the last piece: finish() raises, it does
    not wait for ever, and the folder it loaded into is removed."""
    import threading

    real = ox.Store

    class Failing:
        def __init__(self, path):
            self._store = real(path)

        def __getattr__(self, name):
            return getattr(self._store, name)

        def __len__(self):
            return len(self._store)

        def flush(self):
            raise OSError("No space left on device")

    out = tmp_path / "out"
    build([str(corpus)], out)
    monkeypatch.setattr(kg.store.embedded.ox, "Store", Failing)
    streamed = _stream(out, tmp_path / "streamed")
    failed: list[BaseException] = []

    def finish():
        try:
            streamed.finish()
        except BaseException as e:
            failed.append(e)

    t = threading.Thread(target=finish, daemon=True)
    t.start()
    t.join(timeout=60)
    assert not t.is_alive(), "finish() waits for ever"
    assert failed and isinstance(failed[0], OSError)
    assert not (streamed.out / "store").exists() and not list(streamed.out.glob(".store-tmp-*"))
    assert not [x for x in threading.enumerate() if x.name == "kg-store-load"]
