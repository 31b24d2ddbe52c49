"""Executors on this machine: :class:`Serial` (in this process) and :class:`ProcessPool` (one worker
process per job, each loading the spaCy pipeline once).

The pool's workers are started with ``spawn`` (a fresh interpreter each, never a copy of this
process: ONNX Runtime, which runs LAC, and the store's RocksDB threads are not fork-safe), and only
when there is more than one batch to extract: a build of a few documents (one batch) is extracted
in a copy of this process forked for it (or in this process, like ``jobs=1``, where no fork is safe),
instead of paying for the workers' start. Workers ignore Ctrl-C
(it reaches the whole process group); the parent ends them when it is interrupted.
"""

from __future__ import annotations

import atexit
import multiprocessing
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.queues import SimpleQueue
from typing import Callable

from kg.errors import BadUsage, RunFailed
from kg.executors.base import Done, Executor, Handle
from kg.executors.task import ExtractTask, Result
from kg.records import Document

__all__ = ["Serial", "ProcessPool"]


class Serial(Executor):
    """Extract in this process, one batch after the other (``jobs=1``). Its batches are larger than
    a pool's (no other process waits for work): LAC runs over more sentences at once, with more windows
    of each length per ONNX call."""

    workers = 1
    batch_chars = 65536
    batch_docs = 64

    def open(self, task: ExtractTask) -> None:
        self._task = task

    def submit(self, batch: list[Document]) -> Handle:
        task = self._task
        return Done(lambda: task(batch))

    def close(self, cancel: bool = False) -> None:
        pass


def _start_worker(initializer: Callable | None, initargs: tuple, started=None) -> None:
    if started is not None:
        started.set()  # this worker got past its start-up: a script without a main guard stops before
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (it ends us)
    atexit.register(_exit_now)  # runs before the exit handlers registered earlier, the interpreter's teardown
    if initializer is not None:
        initializer(*initargs)


def _exit_now() -> None:
    """A worker's last step, once the pool has told it to stop: end the process at once. Tearing down
    the interpreter of a loaded pipeline (every module, the spaCy vocabulary, the ONNX session) took
    a worker 0.3 to 2 s, paid before the build could go on (or the ``kg`` process exit); a worker has
    nothing left to hand over (its results are sent, the cache is written by the parent) and ends
    with status 0 as a pool worker does."""
    from kg.memory import exit_now  # (here: not a module the worker's extraction runs with, kg.cache.TRANSPORT_MODULES)

    exit_now(0)


class _Held:
    """The first batch, kept until a second one shows there is work for more than one process."""

    def __init__(self, pool: ProcessPool, batch: list[Document]) -> None:
        self.pool, self.batch = pool, batch
        self.future: Handle | None = None
        self.value: list[Result] | None = None

    def result(self) -> list[Result]:
        if self.future is not None:
            return self.future.result()
        if self.value is None:  # no second batch came: extract it here (in a copy of this process, if one can be forked)
            self.pool._held = None
            self.value = _in_a_copy(self.pool._task, self.batch)
        return self.value


def _in_a_copy(task: ExtractTask, batch: list[Document]) -> list[Result]:
    """``task(batch)``, run in a forked copy of this process (:class:`kg.forked.Forked`), so the pipeline it
    loads (about 140 MB: spaCy, the ONNX session of LAC) is held by that copy until it ends, not by this
    process through the rest of the build (an update of a few documents otherwise held it through
    resolution and the graph: its peak). In this process when no fork is safe or ONNX Runtime is loaded here
    already (not safe to fork; and the pipeline is then likely loaded here already, from an earlier build)."""
    from kg.forked import Forked  # (here: not a module the workers' extraction runs with, kg.cache.TRANSPORT_MODULES)

    if "onnxruntime" not in sys.modules:
        job = Forked.start(_run_task, task, batch, name="kg-extract")
        if job is not None:
            try:
                return job.result()
            except RunFailed as e:  # the copy ended without a word (killed, out of memory)
                raise RunFailed(f"{e}, extracting {', '.join(d.path for d in batch)}") from e
            finally:
                job.cancel()  # (ended already, unless the wait for it was stopped: Ctrl-C)
    return task(batch)


def _run_task(inbox, task: ExtractTask, batch: list[Document]) -> list[Result]:
    return task(batch)


class _PoolFuture:
    def __init__(self, pool: ProcessPool, future: Future, batch: list[Document]) -> None:
        self.pool, self.future, self.batch = pool, future, batch

    def result(self) -> list[Result]:
        try:
            return self.future.result()
        except BrokenProcessPool as e:
            started = self.pool._started
            if started is not None and not started.is_set():
                raise RunFailed(NOT_STARTED) from e
            lost = [d.path for f in self.pool._sent if f.future.done() and f.future.exception() for d in f.batch]
            raise RunFailed(f"a worker process ended abruptly (killed, or out of memory?) while extracting one of "
                            f"{', '.join(lost or [d.path for d in self.batch])}") from e


#: Why a build stops when no worker process got through its start-up. Each is a fresh interpreter
#: (``spawn``) that first imports the main module: a script that calls the build at its top level
#: runs it again there, and multiprocessing ends that worker.
NOT_STARTED = ("the worker processes ended before they could start (their errors are printed above). The usual "
               "cause: a script that builds with more than one job must call kg.build under "
               "`if __name__ == \"__main__\":`, since each worker process imports the script (or use jobs=1)")


class ProcessPool(Executor):
    """``jobs`` worker processes on this machine.

    ``initializer(*initargs)`` runs in each worker when it starts (after Ctrl-C is set aside);
    ``context`` is the multiprocessing start method (``spawn``, or ``forkserver``).
    """

    def __init__(self, jobs: int, initializer: Callable | None = None, initargs: tuple = (),
                 context: str = "spawn") -> None:
        if jobs < 1:
            raise BadUsage(f"--jobs {jobs}: the number of worker processes must be at least 1")
        if context not in ("spawn", "forkserver"):
            raise BadUsage(f"start method {context!r}: spawn or forkserver (fork is not safe with ONNX Runtime)")
        self.workers = jobs
        self._initializer, self._initargs, self._context = initializer, initargs, context
        self._pool: ProcessPoolExecutor | None = None
        self._held: _Held | None = None
        self._sent: list[_PoolFuture] = []
        self._started = None  # set by the first worker that gets through its start-up
        #: batches sent to worker processes (0 when everything was extracted in this process)
        self.batches_sent = 0

    def open(self, task: ExtractTask) -> None:
        self._task = task
        self._pool, self._held, self._sent, self.batches_sent, self._started = None, None, [], 0, None

    def submit(self, batch: list[Document]) -> Handle:
        if self._pool is None:
            if self._held is None:
                self._held = _Held(self, batch)
                return self._held
            self._start()
            held, self._held = self._held, None
            held.future = self._send(held.batch)
        return self._send(batch)

    def _start(self) -> None:
        context = multiprocessing.get_context(self._context)
        self._started = context.Event()
        self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                         initargs=(self._initializer, self._initargs, self._started))

    def _send(self, batch: list[Document]) -> Handle:
        self.batches_sent += 1
        if len(self._sent) > 4 * self.workers:
            self._sent = [f for f in self._sent if not f.future.done() or f.future.exception()]
        sent = _PoolFuture(self, self._pool.submit(self._task, batch), batch)
        self._sent.append(sent)
        return sent

    def close(self, cancel: bool = False) -> None:
        pool, self._pool, self._held, self._sent = self._pool, None, None, []
        if pool is None:
            return
        if not cancel:
            # the workers have nothing left to do: they exit while the build goes on with what follows
            # extraction; the pool's own thread reaps them (this process waits for it when it exits)
            pool.shutdown(wait=False)
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        results = getattr(pool, "_result_queue", None)  # shutdown() lets go of it
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:  # work already running is not waited for
            p.terminate()
        for p in processes:
            p.join(timeout=10)
        _end_a_cut_off_result(results)


def _end_a_cut_off_result(results: SimpleQueue | None) -> None:
    """Let the pool's thread end after its workers were terminated. A worker ended while sending its
    result leaves the first part of a message in the result pipe, and the pool's thread waits for the
    rest: this process holds the pipe's write end too, so no end of file ever comes, and the interpreter
    waits for that thread when it exits (Ctrl-C during a build then hung the ``kg`` process). Closing
    this process's write end (no one writes through it here) turns the wait into an end of file, which
    the pool takes for a broken worker: it fails what is left and ends its thread."""
    writer = getattr(results, "_writer", None)
    if writer is not None:
        writer.close()
