"""The worker process queries run in, so that a timeout can stop them.

Queries run in a worker process that opens the store read-only (``Store.read_only``); an update runs
in a short-lived worker that opens it for writing. pyoxigraph has no query timeout and cannot
interrupt a running query, and a Python thread cannot be stopped (a runaway query would keep a core
and the open store until the process ends), so the timeout kills the worker process (SIGKILL) and
raises :class:`~kg.query.errors.QueryTimeoutError`; the next query starts a new worker.

Measured here (2 shared cores): a new process per query costs 15-35 ms with ``fork`` (unsafe
once the parent has opened a store: RocksDB threads) and 150-200 ms with ``spawn``. So the worker
is started once per Python process (``python -c`` over a socket pair: no re-import of the
caller's ``__main__``) and kept: the first query pays about 80 ms (interpreter, pyoxigraph,
opening the store), each later one about 0.7 ms plus pickling its rows (about 2.5 µs a row) on
top of Oxigraph's own time. ``bench/bench_query.py`` prints both times for every stored query.
Workers are POSIX-only (``pass_fds``) and stop with the process.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from kg.ontology.namespaces import PREFIXES
from kg.query.errors import QueryError, QueryTimeoutError
from kg.query.results import to_python
from kg.store import read_manifest, store_lock

__all__ = ["request", "close_workers", "store_stamp", "WorkerPool", "WorkersBusy", "RESULTS_FORMATS", "GRAPH_FORMATS",
           "WORKER_START_TIMEOUT"]

WORKER_START_TIMEOUT = 120.0


#: Formats a reply may be written in (``req["format"]``), by name: SELECT and ASK results, CONSTRUCT and DESCRIBE graphs.
RESULTS_FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                   "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}


def _serialized(r, fmt: tuple[str, str], started: float) -> tuple:
    """``("serialized", form, bytes, rows, seconds)``: the results written by pyoxigraph's serializers in
    ``fmt`` (results format, graph format). SELECT results go through TSV (lossless), which is parsed
    again to count the rows (CSV cannot be parsed back); ``rows`` is None for a graph."""
    if isinstance(r, ox.QueryBoolean):
        return ("serialized", "ask", r.serialize(format=RESULTS_FORMATS[fmt[0]]), None, time.perf_counter() - started)
    if isinstance(r, ox.QuerySolutions):
        tsv = r.serialize(format=ox.QueryResultsFormat.TSV)
        rows = sum(1 for _ in ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV))
        data = tsv if fmt[0] == "tsv" else ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(
            format=RESULTS_FORMATS[fmt[0]])
        return ("serialized", "select", data, rows, time.perf_counter() - started)
    return ("serialized", "construct", r.serialize(format=GRAPH_FORMATS[fmt[1]]), None, time.perf_counter() - started)


def _execute(store: ox.Store, req: dict) -> tuple:
    started = time.perf_counter()
    try:
        prefixes = req.get("prefixes", PREFIXES)
        if req["op"] == "update":
            store.update(req["text"], prefixes=prefixes)
            store.flush()
            return ("update", time.perf_counter() - started)
        r = store.query(req["text"], prefixes=prefixes)  # the default graph: every fact once (kg.store)
        if req.get("format"):
            return _serialized(r, req["format"], started)
        if isinstance(r, ox.QueryBoolean):
            return ("ask", bool(r), time.perf_counter() - started)
        if isinstance(r, ox.QuerySolutions):
            cols = [v.value for v in r.variables]
            rows = [tuple(to_python(x) for x in sol) for sol in r]
            return ("select", cols, rows, time.perf_counter() - started)
        rows = [(to_python(t.subject), to_python(t.predicate), to_python(t.object)) for t in r]
        return ("construct", ["subject", "predicate", "object"], rows, time.perf_counter() - started)
    except SyntaxError as e:
        return ("syntax", str(e))
    except Exception as e:  # evaluation errors (OSError, RuntimeError…) go back to the caller
        return ("error", f"{type(e).__name__}: {e}")


def main() -> None:
    """Entry point of the worker: ``python -c 'from kg.query.worker import main; main()' FD PATH [--write]``."""
    import signal

    # Ctrl-C (or a Jupyter kernel's shutdown) reaches the whole process group: the parent kills
    # the worker itself when interrupted (_Worker._wait), so the worker takes no part in it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, path, write = int(sys.argv[1]), sys.argv[2], "--write" in sys.argv[3:]
    conn = Connection(fd)
    try:
        store = ox.Store(path) if write else ox.Store.read_only(path)
    except Exception as e:
        conn.send(("error", f"cannot open the store {path}: {e}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            break
        if req is None:
            break
        conn.send(_execute(store, req))
    del store


class _Worker:
    def __init__(self, path: Path, write: bool = False):
        self.path, self.write = path, write
        parent, child = socket.socketpair()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent.parent)  # so a source checkout works uninstalled
        env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        cmd = [sys.executable, "-c", "from kg.query.worker import main; main()",
               str(child.fileno()), str(path)] + (["--write"] if write else [])
        try:
            self.proc = subprocess.Popen(cmd, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, env=env)
        finally:
            child.close()
        self.conn = Connection(parent.detach())
        reply = self._wait(WORKER_START_TIMEOUT, "start")
        if reply[0] != "ready":
            self.kill()
            raise QueryError(reply[1])

    def _wait(self, timeout: float | None, what: str) -> tuple:
        try:
            if not self.conn.poll(timeout):
                self.kill()
                raise QueryTimeoutError(f"query stopped after {timeout:g} s (timeout)") if what == "query" else \
                    QueryError(f"the query worker did not {what} within {timeout:g} s")
            return self.conn.recv()
        except (EOFError, OSError):
            code = self.kill()
            raise QueryError(f"the query worker died (exit status {code})") from None
        except BaseException:  # KeyboardInterrupt: do not leave the query running
            self.kill()
            raise

    def request(self, req: dict, timeout: float | None) -> tuple:
        try:
            self.conn.send(req)
        except OSError:
            code = self.kill()
            raise QueryError(f"the query worker died (exit status {code})") from None
        return self._wait(timeout, "query")

    def alive(self) -> bool:
        return self.proc.poll() is None and not self.conn.closed

    def kill(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.conn.close()
        except OSError:
            pass
        return self.proc.wait()

    def close(self) -> None:
        try:
            self.conn.send(None)
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


_WORKERS: dict[str, tuple[str, _Worker]] = {}
_WORKERS_LOCK = threading.Lock()


def store_stamp(path: Path) -> str:
    """What tells one store at ``path`` from the next: the graph's hash and the database's CURRENT file."""
    manifest = read_manifest(path.parent) or {}
    return f"{manifest.get('sha256')}:{(path / 'CURRENT').stat().st_mtime_ns if (path / 'CURRENT').exists() else 0}"


def _reader(path: Path) -> _Worker:
    """The cached read-only worker for the store at ``path``, restarted if the store was rebuilt."""
    stamp = store_stamp(path)
    key = str(path.resolve())
    cached = _WORKERS.get(key)
    if cached and cached[0] == stamp and cached[1].alive():
        return cached[1]
    if cached:
        cached[1].close()
    w = _Worker(path)
    _WORKERS[key] = (stamp, w)
    return w


def close_workers() -> None:
    """Stop the worker processes this process started (done at exit)."""
    with _WORKERS_LOCK:
        for _, w in _WORKERS.values():
            w.close()
        _WORKERS.clear()


atexit.register(close_workers)


def request(out_dir: str | os.PathLike, path: Path, req: dict, timeout: float | None) -> tuple:
    """Run ``req`` (``{"op": "query" | "update", "text", "prefixes"}``) on the store at ``path`` (of the
    build folder ``out_dir``) and return the worker's reply: a query in the cached read-only worker, an
    update in a short-lived worker that holds the store lock and opens the store for writing."""
    if req["op"] == "update":
        with _WORKERS_LOCK, store_lock(Path(out_dir)):
            cached = _WORKERS.pop(str(path.resolve()), None)
            if cached:
                cached[1].close()
            w = _Worker(path, write=True)
            try:
                return w.request(req, timeout)
            finally:
                w.close()
    with _WORKERS_LOCK:
        return _reader(path).request(req, timeout)


class WorkersBusy(QueryError):
    """Every worker of a :class:`WorkerPool` stayed busy for as long as the caller would wait."""


class WorkerPool:
    """Up to ``size`` read-only workers on the store at ``path``, for callers that run queries side by side
    (``kg serve``): each query takes an idle worker (one whose store is still the one at ``path``, else a
    new one), a query past its timeout kills only its own worker, and a caller waits at most ``wait``
    seconds for a worker (:class:`WorkersBusy`)."""

    def __init__(self, path: str | os.PathLike, size: int = 2):
        self.path, self.size = Path(path), size
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[tuple[str, _Worker]] = []

    def _take(self) -> tuple[str, _Worker]:
        stamp = store_stamp(self.path)
        with self._lock:
            while self._idle:
                old_stamp, w = self._idle.pop()
                if old_stamp == stamp and w.alive():
                    return stamp, w
                w.close()
        return stamp, _Worker(self.path)

    def warm(self) -> None:
        """Start every worker now, so that no query waits for one to start."""
        started = []
        for _ in range(self.size):
            self._slots.acquire()
        try:
            for _ in range(self.size):
                started.append(self._take())
        finally:
            with self._lock:
                self._idle.extend(started)
            for _ in range(self.size):
                self._slots.release()

    def request(self, req: dict, timeout: float | None, wait: float | None = None) -> tuple:
        """Run ``req`` (as :func:`request`) in an idle worker and return its reply."""
        if not self._slots.acquire(timeout=wait):
            raise WorkersBusy(f"all {self.size} query workers stayed busy for {wait:g} s; try again")
        try:
            stamp, w = self._take()
            reply = w.request(req, timeout)  # a timeout kills w: it is not given back
            with self._lock:
                self._idle.append((stamp, w))
            return reply
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            for _, w in self._idle:
                w.close()
            self._idle.clear()
