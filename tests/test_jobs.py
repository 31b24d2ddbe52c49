"""``kg build --jobs N`` and ``--executor``: where documents are extracted never changes the output.

Builds of a few development passages in this process and in worker processes give the same bytes;
results come back in reading order whatever the batches; a document whose extraction raises in a
worker is reported by name and the others are built; cached documents never leave the parent; bad
choices are usage errors before anything is read; Ctrl-C ends the workers and writes nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.build import build, extract_corpus
from kg.cli import main
from kg.errors import EXIT_FAILED, EXIT_INCOMPLETE, EXIT_USAGE, BadUsage, RunFailed
from kg.cache import ExtractionCache
from kg.executors import Encoded, ExtractTask, ProcessPool, Serial, extract_in_order, make_executor
from kg.executors.base import Done, Executor
from kg.executors.order import IN_FLIGHT_PER_WORKER
from kg.ingest import ingest_text
from kg.records import ExtractionFailure, IngestFailure
from kg.resolve import compact
from kg.store import StoreError, open_store

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "dev" / "texts"
OUTPUTS = ("graph.ttl", "graph.trig", "entities.jsonl", "graph.html")
N_DOCS = 14  # about 12,000 characters: three batches or more of SMALL_BATCH, so a pool of 2 gets work
SMALL_BATCH = 4096  # characters: the batches of these tests (a real build's are larger)


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Batches of SMALL_BATCH characters, so that a few passages make several batches."""
    monkeypatch.setattr(Executor, "batch_chars", SMALL_BATCH)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The first development passages, copied (a folder of their own)."""
    d = tmp_path_factory.mktemp("corpus")
    for p in sorted(DEV.glob("*.txt"))[:N_DOCS]:
        shutil.copy(p, d / p.name)
    return d


@pytest.fixture(scope="module")
def serial_build(corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial")
    result = build([str(corpus)], out, jobs=1)
    assert len(result.extractions) == N_DOCS and not result.failures
    return out


def same_outputs(a: Path, b: Path, cache: bool = True) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs"
    assert _quads(a) == _quads(b), "the stores differ"
    if not cache:  # (a corpus moved: the cache entries of the documents not read again name the old path)
        return
    entries = {p.relative_to(a): p.read_bytes() for p in a.glob(".cache/*/*.json")}
    assert entries and entries == {p.relative_to(b): p.read_bytes() for p in b.glob(".cache/*/*.json")}


def _quads(out: Path) -> set[str]:
    store = open_store(out, refresh=False)  # the store as the build left it (never loaded again here)
    try:
        return {str(q) for q in store.quads_for_pattern(None, None, None, None)}
    finally:
        del store


# --- the same bytes wherever documents are extracted ------------------------------------------------


def _pid_and(batch: list) -> list:
    """A stand-in for an extraction task: the process it ran in, and the batch's names."""
    return [os.getpid(), *(d for d in batch)]


@pytest.mark.parametrize("onnx_here", [False, True], ids=["a-copy", "onnx-loaded-here"])
def test_a_pools_only_batch_is_extracted_in_a_copy_of_this_process(monkeypatch, onnx_here):
    """A build of a few documents (one batch) starts no worker: the batch is extracted in a copy of the build
    forked for it, which ends with the pipeline it loaded; in the build itself where ONNX Runtime is loaded
    there already (not safe to fork), as it is where no fork is safe."""
    from kg.forked import Forked

    if not (onnx_here or Forked.possible()):
        pytest.skip("no fork is safe here (another thread, or not Linux)")
    if onnx_here:
        monkeypatch.setitem(sys.modules, "onnxruntime", object())
    else:
        monkeypatch.delitem(sys.modules, "onnxruntime", raising=False)
    pool = ProcessPool(2)
    pool.open(_pid_and)
    try:
        got = pool.submit(["a.txt", "b.txt"]).result()
    finally:
        pool.close()
    assert got[1:] == ["a.txt", "b.txt"] and pool.batches_sent == 0
    assert (got[0] == os.getpid()) == onnx_here



class _SlowTask:
    """A stand-in for an extraction task that writes the id of its process to ``pids``, then takes a minute."""

    def __init__(self, pids: Path) -> None:
        self.pids = pids

    def __call__(self, batch: list) -> list:
        self.pids.write_text(str(os.getpid()))
        time.sleep(60)
        return batch



def _killed(batch: list) -> list:
    os.kill(os.getpid(), signal.SIGKILL)
    return batch


def test_a_copy_extracting_a_pools_only_batch_that_dies_names_the_documents(monkeypatch):
    from kg.forked import Forked

    if not Forked.possible():
        pytest.skip("no fork is safe here (another thread, or not Linux)")
    monkeypatch.delitem(sys.modules, "onnxruntime", raising=False)
    pool = ProcessPool(2)
    pool.open(_killed)
    try:
        with pytest.raises(RunFailed, match="extracting a.txt, b.txt"):
            pool.submit([SimpleNamespace(path="a.txt"), SimpleNamespace(path="b.txt")]).result()
    finally:
        pool.close(cancel=True)

def test_a_copy_extracting_a_pools_only_batch_ends_when_the_build_is_stopped(monkeypatch, tmp_path):
    """Ctrl-C while the copy extracts the only batch: the copy is ended with the wait, not left running."""
    from kg.forked import Forked

    if not Forked.possible():
        pytest.skip("no fork is safe here (another thread, or not Linux)")
    monkeypatch.delitem(sys.modules, "onnxruntime", raising=False)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    pids = tmp_path / "pids"
    pool = ProcessPool(2)
    pool.open(_SlowTask(pids))
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.alarm(2)
        with pytest.raises(KeyboardInterrupt):
            pool.submit(["a.txt"]).result()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        pool.close(cancel=True)
    pid = int(pids.read_text())
    assert pid != os.getpid()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)

@pytest.mark.slow
def test_two_worker_processes_build_the_same_bytes_as_one(corpus, serial_build, tmp_path):
    pool = ProcessPool(2)
    counted = []  # what the progress bar counts: each document as its extraction comes back, in order
    result = build([str(corpus)], tmp_path, executor=pool, on_document=lambda d: counted.append(d.doc_id))
    assert pool.batches_sent >= 2  # the documents were extracted in the workers
    names = sorted(p.name for p in corpus.glob("*.txt"))
    assert [ex.doc_id for ex in result.extractions] == names == counted
    same_outputs(serial_build, tmp_path)


@pytest.mark.slow
def test_cli_jobs_2_writes_the_same_bytes_as_jobs_1(corpus, serial_build, tmp_path):
    result = invoke("build", str(corpus), "-o", str(tmp_path), "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    same_outputs(serial_build, tmp_path)


@pytest.mark.slow
def test_a_dask_cluster_of_two_workers_builds_the_same_bytes(corpus, serial_build, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        result = invoke("build", str(corpus), "-o", str(tmp_path), "--executor", "dask",
                        "--address", cluster.scheduler_address)
        assert result.exit_code == 0, result.stderr
        with distributed.Client(cluster.scheduler_address) as client:
            assert len(client.scheduler_info()["workers"]) == 2
    same_outputs(serial_build, tmp_path)


def test_an_encoded_extraction_is_the_compact_record_and_the_bytes_the_cache_writes(tmp_path):
    docs = [ingest_text(p.read_text(encoding="utf-8"), doc_id=p.name) for p in sorted(DEV.glob("*.txt"))[:3]]
    full = ExtractTask()(docs)
    encoded = ExtractTask(encode=True)(docs)
    cache = ExtractionCache(tmp_path, "f")
    for ex, enc in zip(full, encoded, strict=True):
        assert isinstance(enc, Encoded) and enc.record == compact(ex)
        cache.put(ex)
        assert cache._file(ex.doc_id, ex.sha256).read_bytes() == enc.entry


# --- a document that fails --------------------------------------------------------------------------


def _break_extraction(name: str) -> None:
    """Run in each worker process as it starts: extracting a batch that holds ``name`` raises."""
    from extract import pipeline

    real = pipeline.extract_documents

    def extract_documents(docs, *args, **kwargs):
        docs = list(docs)
        if any(d.doc_id == name for d in docs):
            raise ValueError(f"injected failure in worker {os.getpid()}")
        return real(docs, *args, **kwargs)

    pipeline.extract_documents = extract_documents


@pytest.mark.slow
def test_a_document_that_fails_in_a_worker_is_reported_and_the_rest_are_built(corpus, tmp_path):
    bad = sorted(p.name for p in corpus.glob("*.txt"))[5]
    pool = ProcessPool(2, initializer=_break_extraction, initargs=(bad,))
    reported = []
    result = build([str(corpus)], tmp_path, executor=pool, on_failure=reported.append)
    assert pool.batches_sent >= 2
    assert [f.path for f in result.failures] == [str(corpus / bad)] == [f.path for f in reported]
    failure = result.failures[0]
    assert isinstance(failure, ExtractionFailure)
    found = re.search(r"extraction failed: ValueError: injected failure in worker (\d+)", failure.reason)
    assert found and int(found[1]) != os.getpid()  # it failed in a worker, not here
    assert len(result.extractions) == N_DOCS - 1 and bad not in {ex.doc_id for ex in result.extractions}
    assert (tmp_path / "graph.trig").exists()
    assert len(list((tmp_path / ".cache").glob("*/*.json"))) == N_DOCS - 1  # the failure is not cached


def _die_on(name: str) -> None:
    """Run in each worker process as it starts: the process ends abruptly on the batch holding ``name``."""
    from extract import pipeline

    real = pipeline.extract_documents

    def extract_documents(docs, *args, **kwargs):
        docs = list(docs)
        if any(d.doc_id == name for d in docs):
            os._exit(9)  # as if the kernel had killed it (out of memory)
        return real(docs, *args, **kwargs)

    pipeline.extract_documents = extract_documents


@pytest.mark.slow
def test_a_worker_that_dies_stops_the_build_with_exit_4_and_writes_nothing(corpus, tmp_path):
    bad = sorted(p.name for p in corpus.glob("*.txt"))[-1]
    pool = ProcessPool(2, initializer=_die_on, initargs=(bad,))
    with pytest.raises(RunFailed, match="a worker process ended abruptly .* while extracting .*" + re.escape(bad)) as e:
        build([str(corpus)], tmp_path, executor=pool)
    assert e.value.exit_code == EXIT_FAILED
    assert not (tmp_path / "graph.ttl").exists() and not list(tmp_path.glob(".build-*"))


@pytest.mark.slow
def test_cli_reports_a_failed_extraction_by_name_and_exits_1(corpus, tmp_path, monkeypatch):
    from extract import pipeline

    bad = sorted(p.name for p in corpus.glob("*.txt"))[2]
    real = pipeline.extract_documents

    def extract_documents(docs, *args, **kwargs):
        docs = list(docs)
        if any(d.doc_id == bad for d in docs):
            raise ZeroDivisionError("division by zero")
        return real(docs, *args, **kwargs)

    monkeypatch.setattr(pipeline, "extract_documents", extract_documents)
    result = invoke("build", str(corpus), "-o", str(tmp_path), "--jobs", "1")
    assert result.exit_code == EXIT_INCOMPLETE
    assert f"error: {corpus / bad}: extraction failed: ZeroDivisionError: division by zero" in result.stderr
    assert (tmp_path / "graph.ttl").exists()
    # the failed document is not cached: the next build tries it again, and it comes through
    monkeypatch.setattr(pipeline, "extract_documents", real)
    again = invoke("build", str(corpus), "-o", str(tmp_path), "--jobs", "1")
    assert again.exit_code == 0, again.stderr



class InProcess(Executor):
    """Extracts here, as a pool of two would (it is not :class:`Serial`): the build may use two cores."""

    workers = 2

    def open(self, task) -> None:
        self._task = task

    def submit(self, batch):
        task = self._task
        return Done(lambda: task(batch))

    def close(self, cancel: bool = False) -> None:
        pass


@pytest.fixture
def page_here(monkeypatch):
    """The page made in the build's own process (as where a fork is not safe): the thread beside it is tested."""
    import kg.build

    monkeypatch.setattr(kg.build.Forked, "possible", staticmethod(lambda: False))


@pytest.fixture
def page_forked(monkeypatch):
    """The page made in a forked copy of the build, whatever threads earlier tests left here (Dask's
    idle pool: the copy never uses them); the fork is checked to have been made."""
    import kg.build
    import kg.forked

    made: list = []
    real = kg.build.Forked.start.__func__

    def start(cls, *args, **kwargs):
        made.append(real(cls, *args, **kwargs))
        return made[-1]

    monkeypatch.setattr(kg.forked.threading, "active_count", lambda: 1)
    monkeypatch.setattr(kg.build.Forked, "start", classmethod(start))
    yield made
    assert made and all(made), "the page was not made in a forked process"


def _stale(serial_build: Path, out: Path) -> Path:
    """``out``: a copy of a build whose store is not its graph file's (loaded again, not updated)."""
    shutil.copytree(serial_build, out)
    (out / "graph.trig").write_bytes((out / "graph.trig").read_bytes() + b"\n")
    return out


def _while(event: threading.Event, real):
    """``real``, with ``event`` set while it runs."""

    def run(*args, **kwargs):
        event.set()
        try:
            return real(*args, **kwargs)
        finally:
            event.clear()

    return run


def _store_case(store: str, corpus: Path, serial_build: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """(corpus, build folder, expected output) of a build whose store is loaded again (``load_store``:
    a stale copy of the serial build) or updated (``update_store``: the serial build, one document changed)."""
    if store == "load_store":
        return corpus, _stale(serial_build, tmp_path / "out"), serial_build
    source, out, expected = tmp_path / "corpus", tmp_path / "out", tmp_path / "expected"
    shutil.copytree(corpus, source)
    first = sorted(source.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n会议由公司总经理欧阳明远主持。\n", encoding="utf-8")
    shutil.copytree(serial_build, out)
    build([str(source)], expected, jobs=1, incremental=False)
    return source, out, expected


@pytest.mark.slow
@pytest.mark.parametrize("store", ["load_store", "update_store"])
def test_with_workers_the_store_is_made_beside_the_page(corpus, serial_build, tmp_path, monkeypatch, store,
                                                        page_here):
    """The store (loaded again, or the last one updated for a changed document) and the SHACL checks
    over it are made in a thread while the page is made."""
    import kg.build

    source, out, expected = _store_case(store, corpus, serial_build, tmp_path)
    started = {store: threading.Event(), "_write_page": threading.Event()}
    waited: dict[str, bool] = {}
    threads: dict[str, str] = {}
    for name, other in ((store, "_write_page"), ("_write_page", store), ("_validate", None)):
        real = getattr(kg.build, name)

        def spy(*args, __real=real, __name=name, __other=other, **kwargs):
            threads[__name] = threading.current_thread().name
            if __other is not None:  # each waits until the other has started: only together do both go on
                started[__name].set()
                waited[__name] = started[__other].wait(timeout=60)
            return __real(*args, **kwargs)

        monkeypatch.setattr(kg.build, name, spy)
    build([str(source)], out, executor=InProcess())
    assert waited == {store: True, "_write_page": True}
    assert threads["_validate"] == threads[store] != threads["_write_page"] == threading.main_thread().name
    same_outputs(expected, out, cache=store == "load_store")


@pytest.mark.slow
def test_a_first_build_with_workers_loads_the_store_as_graph_trig_is_written(corpus, serial_build, tmp_path,
                                                                            monkeypatch, page_here):
    """No last store: the load starts as the graphs are written (pieces handed to a loading thread),
    is finished beside the page, and gives the store a load of the finished files gives."""
    import kg.build
    import kg.rdf.write
    import kg.store.embedded
    from kg.store import StreamedLoad

    monkeypatch.setattr(kg.store.embedded, "CHUNK_BYTES", 4000)
    sent: list[bool] = []  # for each piece handed to the load: was graph.trig still being written?
    writing = threading.Event()
    real_send, real_write = StreamedLoad._send, kg.build.write_graph_files

    def send(self):
        if self._part:
            sent.append(writing.is_set())
        return real_send(self)

    write_graph_files = _while(writing, real_write)

    started = {"finish": threading.Event(), "_write_page": threading.Event()}
    waited: dict[str, bool] = {}
    threads: dict[str, str] = {}
    real_finish, real_page, real_validate = StreamedLoad.finish, kg.build._write_page, kg.build._validate

    def finish(self, *args, **kwargs):
        threads["finish"] = threading.current_thread().name
        started["finish"].set()
        waited["finish"] = started["_write_page"].wait(timeout=60)
        return real_finish(self, *args, **kwargs)

    def page(*args, **kwargs):
        threads["_write_page"] = threading.current_thread().name
        started["_write_page"].set()
        waited["_write_page"] = started["finish"].wait(timeout=60)
        return real_page(*args, **kwargs)

    def validate(*args, **kwargs):
        threads["_validate"] = threading.current_thread().name
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(StreamedLoad, "_send", send)
    monkeypatch.setattr(StreamedLoad, "finish", finish)
    monkeypatch.setattr(kg.build, "write_graph_files", write_graph_files)
    monkeypatch.setattr(kg.build, "_write_page", page)
    monkeypatch.setattr(kg.build, "_validate", validate)
    monkeypatch.setattr(kg.build, "load_store", lambda *a, **k: pytest.fail("the store was loaded after the writing"))
    out = tmp_path / "out"
    build([str(corpus)], out, executor=InProcess())
    # more than the two pieces that may wait were handed over while writing: the thread loaded some meanwhile
    assert sent.count(True) > 3
    assert waited == {"finish": True, "_write_page": True}
    assert threads["_validate"] == threads["finish"] != threads["_write_page"] == threading.main_thread().name
    same_outputs(serial_build, out)
    from kg.store import read_manifest
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for name in ("graph.trig", "graph.ttl"):
        shutil.copy2(out / name, fresh / name)
    monkeypatch.undo()
    from kg.store import load_store
    load_store(fresh, facts=fresh / "graph.ttl")
    assert _quads(out) == _quads(fresh)
    a, b = read_manifest(out), read_manifest(fresh)
    assert {k: v for k, v in a.items() if k not in ("load_seconds", "mtime_ns", "graphs", "facts_sha256")} == \
        {k: v for k, v in b.items() if k not in ("load_seconds", "mtime_ns")}
    assert a["graphs"] and a["facts_sha256"]
    assert not [t for t in threading.enumerate() if t.name == "kg-store-load"]


@pytest.mark.slow
def test_a_full_rebuild_with_workers_of_an_unchanged_corpus_keeps_its_store(corpus, serial_build, tmp_path):
    """--full streams the store's load as graph.trig is written; the same bytes as the store's file:
    the last store is kept, that load cancelled, and the SHACL checks still run."""
    out = tmp_path / "out"
    shutil.copytree(serial_build, out)
    manifest = (out / "store" / "kg-store.json").read_bytes()
    result = build([str(corpus)], out, executor=InProcess(), incremental=False)
    assert result.shacl is not None and result.shacl.conforms
    assert (out / "store" / "kg-store.json").read_bytes() == manifest  # kept, not loaded again
    same_outputs(serial_build, out)
    assert not list(out.glob(".build-*")) and not [t for t in threading.enumerate() if t.name == "kg-store-load"]


@pytest.mark.slow
@pytest.mark.parametrize("first", [True, False], ids=["streamed", "loaded"])
def test_a_store_that_fails_beside_the_page_stops_the_build_and_writes_nothing(corpus, serial_build, tmp_path,
                                                                               monkeypatch, first):
    import kg.build
    from kg.store import StreamedLoad

    def fails(*args, **kwargs):
        raise StoreError("graph.trig: cannot be loaded")

    monkeypatch.setattr(kg.build, "load_store", fails)
    monkeypatch.setattr(StreamedLoad, "finish", fails)
    out = tmp_path / "out" if first else _stale(serial_build, tmp_path / "out")
    before = {name: (out / name).read_bytes() for name in OUTPUTS} if not first else {}
    with pytest.raises(StoreError, match="cannot be loaded"):
        build([str(corpus)], out, executor=InProcess())
    assert {name: (out / name).read_bytes() for name in OUTPUTS if (out / name).exists()} == before
    assert not list(out.glob(".build-*"))
    assert not [t for t in threading.enumerate() if t.name == "kg-store-load"]


@pytest.mark.slow
@pytest.mark.parametrize("first", [True, False], ids=["streamed", "loaded"])
def test_a_page_that_fails_while_the_store_loads_keeps_the_last_build(corpus, serial_build, tmp_path, monkeypatch,
                                                                      first, page_here):
    import kg.build
    from kg.store import StreamedLoad

    out = _stale(serial_build, tmp_path / "out")
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    loading, page_failed, ended = threading.Event(), threading.Event(), threading.Event()
    real_load, real_finish = kg.build.load_store, StreamedLoad.finish

    def slow(real, folder):
        loading.set()
        try:
            page_failed.wait(timeout=60)
            time.sleep(0.3)  # a load still writing into the staging folder after the page failed
            (Path(folder) / ".store-tmp-in-progress").mkdir(parents=True, exist_ok=True)
            return real()
        finally:
            ended.set()

    def slow_load(folder, **kwargs):
        return slow(lambda: real_load(folder, **kwargs), folder)

    def slow_finish(self, *args, **kwargs):
        return slow(lambda: real_finish(self, *args, **kwargs), self.out)

    def page_fails(*args, **kwargs):
        assert loading.wait(timeout=60)
        page_failed.set()
        raise OSError("no space left on device")

    monkeypatch.setattr(kg.build, "load_store", slow_load)
    monkeypatch.setattr(StreamedLoad, "finish", slow_finish)
    monkeypatch.setattr(kg.build, "_write_page", page_fails)
    with pytest.raises(OSError, match="no space left"):
        build([str(corpus)], out, executor=InProcess(), incremental=not first)  # --full: the load is streamed
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    assert ended.wait(timeout=60)
    assert not list(out.glob(".build-*"))  # the store's load was stopped and waited for, then removed
    assert not [t for t in threading.enumerate() if t.name == "kg-store-load"]


@pytest.mark.slow
@pytest.mark.parametrize("store, digests", [("load_store", True), ("update_store", True), ("update_store", False)],
                         ids=["loaded", "updated", "updated-no-digests"])
def test_with_workers_the_page_is_made_in_a_forked_copy_as_the_graphs_are_written(corpus, serial_build, tmp_path,
                                                                                 monkeypatch, store, digests,
                                                                                 page_forked):
    """The page is made in a copy of the build forked as it starts, which reads the last graph.ttl, is
    handed the staging folder once the new graph.ttl is written there, then the index of graph.trig in
    batches as the graphs are written (the first ones before the file is whole), while the build writes
    and makes the store: the same bytes as a build in one process, a build whose store is loaded again
    and an update of the last one; the page parses only the lines of graph.ttl that changed, takes the
    digests the build made of the graphs it wrote, and parses none of the graphs; with no digests
    kept, it parses each graph's bytes as they are handed on."""
    import kg.build
    import kg.network.facts
    import kg.network.load
    import kg.rdf.write

    source, out, expected = _store_case(store, corpus, serial_build, tmp_path)
    monkeypatch.setattr(kg.rdf.write, "WRITTEN_BATCH", 4)
    sent: list[tuple[int, bool]] = []  # (graphs in the batch, was graph.trig still being written?)
    writing, indexed = threading.Event(), threading.Event()
    real_send, real_write, real_index = kg.build.Forked.send, kg.build.write_graph_files, kg.rdf.write.DocumentIndex
    folder_sent_before_indexing: list[bool] = []

    def send(self, message):
        sent.append(("folder" if isinstance(message, Path) else -1 if message is None else len(message),
                     writing.is_set()))
        if isinstance(message, Path):
            folder_sent_before_indexing.append(not indexed.is_set())
        return real_send(self, message)

    def indexing(*args, **kwargs):
        indexed.set()
        return real_index(*args, **kwargs)

    monkeypatch.setattr(kg.rdf.write, "DocumentIndex", indexing)

    write_graph_files = _while(writing, real_write)

    def whole_file(*args, **kwargs):
        raise AssertionError("the page read the whole graph file: the index it was handed did not fit it")

    monkeypatch.setattr(kg.build.Forked, "send", send)
    monkeypatch.setattr(kg.build, "write_graph_files", write_graph_files)
    def parsed(*args, **kwargs):
        raise AssertionError("the page parsed a graph: the build puts the digest of each graph it makes")

    monkeypatch.setattr(kg.network.load, "_read", whole_file)  # (in the forked copy too)
    monkeypatch.setattr(kg.network.load, "_index_file", whole_file)
    real_parsed = kg.network.facts._index_file

    def parsed_earlier(path, skip=frozenset(), data=None, term=None):
        assert path.parent == out, "the page parsed the new graph.ttl whole, not the lines that changed"
        return real_parsed(path, skip, data, term)

    monkeypatch.setattr(kg.network.facts, "_index_file", parsed_earlier)
    if digests:
        monkeypatch.setattr(kg.network.load, "_blocks", parsed)
    else:  # (new code, say): the copy parses each graph the build copied, its bytes read as they are flushed
        for folder in out.glob(".cache/*/page"):
            shutil.rmtree(folder)
    build([str(source)], out, executor=InProcess())
    assert len(page_forked) == 1, "one copy, forked as the build started"
    assert sent[0] == ("folder", True), "the staging folder is sent once graph.ttl is written, before graph.trig"
    assert folder_sent_before_indexing == [True], "graph.ttl is written first, before the documents' graphs are made"
    assert sent[-1] == (-1, False), "the end of the index is sent once graph.trig is written"
    batches = sent[1:-1]
    assert sum(n for n, _ in batches) == N_DOCS + 1 and all(n > 0 and during for n, during in batches)
    assert len(batches) >= 3
    same_outputs(expected, out, cache=store == "load_store")
    assert not list(out.glob(".build-*")) and not multiprocessing.active_children()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_page_whose_process_fails_stops_the_build_and_keeps_the_last_one(corpus, serial_build, tmp_path,
                                                                           monkeypatch, how, page_forked):
    """The page's process raising (its exception raised by the build) or dying (an error naming it and
    its exit code): nothing of the build is put in place, its staging folder removed."""
    import kg.build

    def page(*args, **kwargs):
        if how == "dies":
            os._exit(9)
        raise OSError("no space left on device")

    monkeypatch.setattr(kg.build, "_write_page", page)  # what the forked copy runs
    out = _stale(serial_build, tmp_path / "out")
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    error, match = (OSError, "no space left") if how == "raises" else \
        (RunFailed, "the page process ended before it was done .exit code 9")
    with pytest.raises(error, match=match):
        build([str(corpus)], out, executor=InProcess())
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    assert not list(out.glob(".build-*")) and not multiprocessing.active_children()


@pytest.mark.slow
def test_a_build_that_fails_while_its_page_is_made_ends_the_page_process(corpus, serial_build, tmp_path, monkeypatch,
                                                                          page_forked):
    """graph.trig failing to be written (the page's process started, waiting for it): the process is ended."""
    import kg.rdf.write

    def fails(*args, **kwargs):
        raise OSError("no space left on device")
        yield

    monkeypatch.setattr(kg.rdf.write, "_write_graphs", fails)
    out = _stale(serial_build, tmp_path / "out")
    with pytest.raises(OSError, match="no space left"):
        build([str(corpus)], out, executor=InProcess())
    assert not list(out.glob(".build-*")) and not multiprocessing.active_children()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["copy-ended", "index-failed"])
def test_an_update_whose_early_page_process_cannot_help_gives_the_same_page(corpus, serial_build, tmp_path, monkeypatch,
                                                                             how, page_forked):
    """The copy forked as an update starts ended before it was handed the staging folder (out of memory,
    say: the build forks another once graph.ttl is written), or its index of the last graph.ttl
    failing (it parses the new one itself): the same outputs as a build in one process."""
    import kg.build
    import kg.network.facts

    source, out, expected = _store_case("update_store", corpus, serial_build, tmp_path)
    if how == "copy-ended":
        monkeypatch.setattr(kg.build, "_page_early", lambda *args: os._exit(9))
    else:
        def fails(self, path):
            raise MemoryError

        monkeypatch.setattr(kg.network.facts.EarlierFacts, "index_of", fails)
    build([str(source)], out, executor=InProcess())
    assert len(page_forked) == (2 if how == "copy-ended" else 1)
    same_outputs(expected, out, cache=False)  # (the expected build read the corpus at another path)
    assert not list(out.glob(".build-*")) and not multiprocessing.active_children()


def test_the_page_of_a_build_does_not_depend_on_the_order_of_the_lines_of_graph_ttl(serial_build, tmp_path):
    """What an update's page reads of graph.ttl is the same triples as a parse, not in the same order
    (kg.network.facts.EarlierFacts): the page must not depend on it. The lines reversed, the same page."""
    from kg.viz import render_html

    folder = tmp_path / "reversed"
    folder.mkdir()
    shutil.copy(serial_build / "graph.trig", folder / "graph.trig")
    head, blank, body = (serial_build / "graph.ttl").read_bytes().partition(b"\n\n")
    (folder / "graph.ttl").write_bytes(head + blank + b"\n".join(body.rstrip(b"\n").split(b"\n")[::-1]) + b"\n")
    assert (folder / "graph.ttl").read_bytes() != (serial_build / "graph.ttl").read_bytes()
    assert render_html(folder).encode("utf-8") == (serial_build / "graph.html").read_bytes()


@pytest.mark.slow
def test_an_update_that_fails_before_its_graph_is_written_ends_the_page_process(corpus, serial_build, tmp_path,
                                                                                 monkeypatch, page_forked):
    """The page's process, forked as an update starts, is ended when the build stops before it is handed
    anything (resolution failing here), and the last build is kept."""
    import kg.build

    def fails(*args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr(kg.build, "resolve_corpus", fails)
    out = _stale(serial_build, tmp_path / "out")
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    with pytest.raises(OSError, match="no space left"):
        build([str(corpus)], out, executor=InProcess())
    assert len(page_forked) == 1  # forked as the build started
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    assert not list(out.glob(".build-*")) and not multiprocessing.active_children()


@pytest.mark.slow
def test_a_first_build_with_workers_makes_its_page_in_its_own_process(corpus, serial_build, tmp_path, monkeypatch):
    """No last store to update: the page is made while the store's load ends, in the build's process
    (a copy would only take CPU from the writing of graph.trig)."""
    import kg.build
    import kg.forked

    monkeypatch.setattr(kg.forked.threading, "active_count", lambda: 1)
    monkeypatch.setattr(kg.build.Forked, "start", classmethod(lambda cls, *a, **k: pytest.fail("a fork was made")))
    out = tmp_path / "out"
    build([str(corpus)], out, executor=InProcess())
    same_outputs(serial_build, out)


# --- the documents' graphs made in forked copies of the build ---------------------------------------


@pytest.fixture
def graph_copies(monkeypatch):
    """Every build with workers makes its documents' graphs in two processes, itself and a forked copy
    (a process for as few as one graph; whatever threads earlier tests left here); the spreads started
    are listed."""
    import kg.forked
    import kg.rdf.write

    made: list = []
    real = kg.forked.Spread.start.__func__

    def start(cls, items, work, processes, *args, **kwargs):
        # (the real count of threads is not 1 after some earlier tests: the store's load must not be one of them)
        assert "kg-store-load" not in {t.name for t in threading.enumerate()}, "forked beside the store's load"
        made.append((kwargs.get("name"), processes, real(cls, items, work, processes, *args, **kwargs)))
        return made[-1][2]

    monkeypatch.setattr(kg.rdf.write, "GRAPHS_PER_PROCESS", 1)
    monkeypatch.setattr(kg.forked.threading, "active_count", lambda: 1)
    monkeypatch.setattr(kg.forked.Spread, "start", classmethod(start))
    return made


@pytest.mark.slow
@pytest.mark.parametrize("case", ["first", "update"])
def test_graphs_made_in_forked_copies_give_the_same_outputs_and_caches(corpus, serial_build, tmp_path, case,
                                                                       monkeypatch, graph_copies, cache_entries):
    """The graphs made (and validated, and digested for the page) by the build and a forked copy of it,
    the build writing them in order as they come: the same outputs, SHACL report and store as a build in one
    process, and the same graphs, digests and SHACL results kept for the next build (none pruned for
    being made in a copy); the page takes the digests made there (with ``--full`` it takes only those
    made in this build), parsing no graph; an update copies its unchanged graphs there too."""
    import kg.network.load

    if case == "first":
        source, out, expected = corpus, tmp_path / "out", serial_build
    else:
        source, out, expected = _store_case("update_store", corpus, serial_build, tmp_path)

    real_blocks, parsed = kg.network.load._blocks, []

    def blocks(*args, **kwargs):  # the graphs the page parsed, for want of a digest
        for name, spo in real_blocks(*args, **kwargs):
            parsed.append(name)
            yield name, spo

    monkeypatch.setattr(kg.network.load, "_blocks", blocks)
    result = build([str(source)], out, executor=InProcess(), incremental=case == "update")
    if case == "first":  # (--full: only the digests made by this build are read; an update's page is made in a copy)
        assert not [name for name in parsed if not name.endswith("/graph/ontology")], "the page parsed documents' graphs"
    assert [(name, copies) for name, copies, spread in graph_copies if spread] == [("graphs", 2)]
    same_outputs(expected, out, cache=case == "first")
    assert cache_entries(out, "graphs") == cache_entries(expected, "graphs") != {}
    assert cache_entries(out, "page") == cache_entries(expected, "page") != {}
    cache = ExtractionCache(out, next(out.glob(".cache/*")).name)
    assert cache.read_json("shacl-documents") == ExtractionCache(expected, cache.folder.name).read_json(
        "shacl-documents")
    assert result.summary()["shacl"] == build([str(source)], tmp_path / "again", jobs=1).summary()["shacl"]
    assert not multiprocessing.active_children()


@pytest.mark.slow
@pytest.mark.parametrize("changed, copies", [(0, []), (3, [("graphs", 2)])], ids=["none-changed", "three-changed"])
def test_an_update_forks_a_copy_only_for_graphs_to_make(corpus, tmp_path, monkeypatch, graph_copies, changed, copies):
    """An update whose documents' graphs are all kept copies them in the build alone: a copy of it would
    cost memory for nothing to make (at 10,000 documents about 400 MB). With graphs to make (here as few
    as one a process, :data:`GRAPHS_PER_PROCESS` patched) it forks one. Each key is made once."""
    import kg.rdf.write

    source, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(corpus, source)
    build([str(source)], out, jobs=1)
    for doc in sorted(source.glob("*.txt"))[:changed]:  # a post of someone no other document names
        doc.write_text(doc.read_text(encoding="utf-8") + f"\n会议由公司总经理欧阳{doc.stem[-3:]}主持。\n", encoding="utf-8")
    real, made = kg.rdf.write.document_key, tmp_path / "keys"

    def document_key(doc_id, *args):  # (a file: the copy's calls are seen too)
        with open(made, "a", encoding="utf-8") as f:
            f.write(doc_id + "\n")
        return real(doc_id, *args)

    monkeypatch.setattr(kg.rdf.write, "document_key", document_key)
    build([str(source)], out, executor=InProcess())
    assert [(name, n) for name, n, spread in graph_copies if spread] == copies
    assert sorted(made.read_text(encoding="utf-8").split()) == sorted(p.name for p in source.glob("*.txt"))
    expected = tmp_path / "expected"
    build([str(source)], expected, jobs=1)
    same_outputs(expected, out)
    assert not multiprocessing.active_children()


@pytest.mark.slow
@pytest.mark.parametrize("which", [4, 5], ids=["made-here", "made-in-the-copy"])
def test_a_graph_that_fails_stops_the_build_naming_its_document(corpus, serial_build, tmp_path, monkeypatch, which,
                                                                graph_copies):
    """A document's extraction gone from the cache as its graph is made (by the build, or by its copy):
    the build fails naming the file, the last build's outputs are kept, and no copy is left running."""
    from kg.cache import ExtractionCache as Cache

    real = Cache.load
    gone = sorted(corpus.glob("*.txt"))[which].name
    monkeypatch.setattr(Cache, "load", lambda self, doc_id, sha256: None if doc_id == gone else real(self, doc_id, sha256))
    out = _stale(serial_build, tmp_path / "out")
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    with pytest.raises(RunFailed, match=f"{gone}: its extraction is no longer in the cache"):
        build([str(corpus)], out, executor=InProcess(), incremental=False)
    assert any(spread for _, _, spread in graph_copies)
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    assert not list(out.glob(".build-*")) and not multiprocessing.active_children()


# --- cache hits stay in the parent ------------------------------------------------------------------


class Recording(Serial):
    """Extracts here and remembers which documents it was given."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def submit(self, batch):
        self.sent += [d.doc_id for d in batch]
        return super().submit(batch)


@pytest.mark.slow
def test_cached_documents_are_never_sent_to_an_executor(corpus, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(corpus, docs)
    out = tmp_path / "out"
    first = Recording()
    build([str(docs)], out, executor=first)
    assert len(first.sent) == N_DOCS
    changed = sorted(docs.glob("*.txt"))[3]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n中机质协召开会议。\n", encoding="utf-8")
    second = Recording()
    result = build([str(docs)], out, executor=second)
    assert second.sent == [changed.name]
    assert result.cached == N_DOCS - 1


# --- order and bounds of the stream -----------------------------------------------------------------


class Counting(Executor):
    """A fake executor: a batch's result is its documents' ids; it counts the batches submitted
    whose result was not asked for yet."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.open_batches = 0
        self.most_open = 0

    def open(self, task) -> None:
        self.closed = None

    def submit(self, batch):
        self.open_batches += 1
        self.most_open = max(self.most_open, self.open_batches)

        def run():
            self.open_batches -= 1
            return [f"x:{d.doc_id}" for d in batch]

        return Done(run)

    def close(self, cancel: bool = False) -> None:
        self.closed = "cancelled" if cancel else "done"


_TEXTS = ["中机质协召开会议。", "工信部发布通知。" * 40, "王建国出席会议并讲话。" * 300]


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(["miss", "miss", "hit", "failure"]), max_size=120),
       workers=st.integers(1, 3), sizes=st.lists(st.integers(0, 2), min_size=120, max_size=120))
def test_results_come_in_reading_order_and_in_flight_work_is_bounded(kinds, workers, sizes):
    items = []
    for i, kind in enumerate(kinds):
        items.append(IngestFailure(f"f{i}", "unreadable") if kind == "failure"
                     else ingest_text(_TEXTS[sizes[i]], doc_id=f"{kind}{i}"))
    pulled = []

    def reading():
        for item in items:
            pulled.append(item)
            yield item

    ex = Counting(workers)
    seen = []
    for doc, result, extracted in extract_in_order(reading(), ex, task=None,
                                                   lookup=lambda d: f"c:{d.doc_id}" if d.doc_id.startswith("hit") else None):
        assert len(pulled) - len(seen) <= 2 * max(2, IN_FLIGHT_PER_WORKER * workers) * 16 + 1  # documents held here stay bounded
        seen.append((doc, result, extracted))
    assert ex.closed == "done" and ex.most_open <= max(2, IN_FLIGHT_PER_WORKER * workers)
    want = []
    for item in items:
        if isinstance(item, IngestFailure):
            want.append((None, item, False))
        elif item.doc_id.startswith("hit"):
            want.append((item, f"c:{item.doc_id}", False))
        else:
            want.append((item, f"x:{item.doc_id}", True))
    assert seen == want


def test_a_stream_stopped_early_cancels_its_executor():
    ex = Counting(2)
    docs = [ingest_text("中机质协召开会议。" * 500, doc_id=f"d{i}") for i in range(10)]
    stream = extract_in_order(iter(docs), ex, task=None)
    next(stream)
    stream.close()
    assert ex.closed == "cancelled"



def test_cancelling_a_pool_ends_its_thread_when_a_worker_was_cut_off_sending_a_result():
    """A worker terminated while it sends a result leaves the first part of a message in the pool's
    result pipe. That is what this test writes there (a length header announcing more bytes than
    follow); cancelling must still end the pool's thread, which the interpreter waits for at exit
    (Ctrl-C during a build hung there, about one time in thirty)."""
    import struct

    pool = ProcessPool(2)
    pool.open(len)  # any picklable callable is a task: no pipeline to load
    handles = [pool.submit([1, 2]), pool.submit([3])]  # a second batch starts the workers
    assert [h.result() for h in handles] == [2, 1]
    inner = pool._pool
    results = inner._result_queue
    os.write(results._writer.fileno(), struct.pack("!i", 1 << 20) + b"\x80")
    time.sleep(0.3)  # the pool's thread starts reading the message
    thread = inner._executor_manager_thread
    try:
        pool.close(cancel=True)
        thread.join(timeout=30)
        assert not thread.is_alive(), "the pool's thread still waits for the rest of the message"
    finally:
        if thread.is_alive():  # do not leave pytest waiting for it at exit
            results._writer.close()


# --- bad choices ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(("args", "message"), [
    (["--jobs", "0"], "0 is not in the range"),
    (["--jobs", "two"], "'two' is not a valid integer"),
    (["--executor", "ray"], "'ray' is not one of"),
    (["--executor", "dask"], "--executor dask needs --address"),
    (["--address", "tcp://127.0.0.1:8786"], "only for --executor dask"),
    (["--executor", "dask", "--address", "tcp://127.0.0.1:8786", "--jobs", "2"], "only for --executor local"),
])
def test_bad_choices_are_usage_errors_and_nothing_is_written(corpus, tmp_path, args, message):
    out = tmp_path / "out"
    result = invoke("build", str(corpus), "-o", str(out), *args)
    assert result.exit_code == EXIT_USAGE
    assert message in result.stderr
    assert not out.exists()


def test_an_unreachable_dask_scheduler_exits_4_naming_the_address(corpus, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("kg.executors.dask.CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "out"
    result = invoke("build", str(corpus), "-o", str(out), "--executor", "dask", "--address", address)
    assert result.exit_code == EXIT_FAILED
    assert f"error: --address {address}: no Dask scheduler answers there" in result.stderr
    assert not (out / "graph.ttl").exists()


def test_a_dask_cluster_without_workers_exits_4(corpus, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr("kg.executors.dask.CONNECT_TIMEOUT", 1.0)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        result = invoke("build", str(corpus), "-o", str(tmp_path / "out"), "--executor", "dask",
                        "--address", cluster.scheduler_address)
    assert result.exit_code == EXIT_FAILED
    assert "the Dask cluster has no worker ready" in result.stderr
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_dask_without_its_package_says_how_to_install_it(corpus, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    result = invoke("build", str(corpus), "-o", str(tmp_path / "out"), "--executor", "dask",
                    "--address", "tcp://127.0.0.1:8786")
    assert result.exit_code == EXIT_USAGE
    assert "pip install 'kg-quality[cluster]'" in result.stderr


@pytest.mark.parametrize("jobs", [0, -3])
def test_the_library_refuses_fewer_than_one_job(jobs):
    with pytest.raises(BadUsage, match="at least 1"):
        make_executor("local", jobs)
    with pytest.raises(BadUsage, match="at least 1"):
        next(extract_corpus([str(DEV / "a01.txt")], jobs=jobs))


# --- Ctrl-C -----------------------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "State:\tZ" in status


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads child processes from /proc")
def test_ctrl_c_ends_the_workers_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    # (Ctrl-C's own handler in the build, whatever this process inherited: a test run started in the
    # background by a shell without job control ignores SIGINT, and so would the build)
    program = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); from kg.cli import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", program, "build", str(DEV),
                             "-o", str(out), "--jobs", "2"], cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            workers |= _children(proc.pid)
            if len(list(out.glob(".cache/*/*.json"))) >= 3:  # the workers are extracting
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the build ended before it could be interrupted"
        workers |= _children(proc.pid)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0, stderr[-3000:]
    assert "Aborted" in stderr and "Traceback" not in stderr, stderr[-3000:]
    assert workers
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(p) for p in workers)
    assert not (out / "graph.ttl").exists() and not list(out.glob(".build-*"))


@pytest.mark.slow
def test_a_script_without_a_main_guard_is_told_why_its_workers_did_not_start(tmp_path):
    """Each worker process imports the script that started it (``spawn``): one that builds at its top
    level starts a build there, which multiprocessing stops. The message says so, not "killed"."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in sorted(DEV.glob("*.txt"))[:40]:  # more than one batch: a pool is started
        shutil.copy(p, corpus / p.name)
    script = tmp_path / "build_it.py"
    script.write_text("import sys\nfrom kg.build import build\nbuild([sys.argv[1]], sys.argv[2], jobs=2)\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(script), str(corpus), str(out)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode != 0
    # the build's error (the workers' own tracebacks may come before or after it)
    [error] = [line for line in proc.stderr.splitlines() if line.startswith("kg.errors.RunFailed")]
    assert "before they could start" in error and 'if __name__ == "__main__":' in error, proc.stderr[-2000:]
    assert "killed" not in error
    assert not out.exists() or not (out / "graph.ttl").exists()
