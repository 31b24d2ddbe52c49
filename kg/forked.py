"""A function run in a forked copy of this process, beside it, fed messages as it goes.

``kg build`` makes its page this way while it writes the graph files (:func:`kg.build.build`): the
copy starts with everything the build holds (a fork shares the memory, copy on write: nothing is
pickled or read again), and is handed the index of ``graph.trig`` a batch of graphs at a time. The
documents' graphs are made this way too, in this process and copies that each answer as they go
(:class:`Spread`, :meth:`Inbox.answer`, :meth:`Forked.answer`: :func:`kg.rdf.write.write_graphs`).

A fork is made only where it is safe: on Linux (where ``fork`` is the usual start method; macOS's
system libraries are not safe to fork), in a process that runs no other Python thread (one holding
a lock at the fork would leave it held in the copy forever). :meth:`Forked.start` gives None
otherwise, and the caller does the work itself. The copy ends with the process that made it, even one
killed outright (the kernel is asked to kill it then).

>>> def total(inbox, start):
...     return start + sum(iter(inbox.get, None))
>>> job = Forked.start(total, 10)
>>> job is None or (job.send(1), job.send(2), job.send(None), job.result())[-1] == 13
True
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Callable, Protocol

from kg.errors import RunFailed

__all__ = ["Forked", "Inbox", "Spread", "Shared"]


class Inbox:
    """The messages sent to a forked function, in order (:meth:`get` waits for the next). A thread of
    the copy takes them off the pipe as they come, so the sender never waits for the function."""

    def __init__(self, conn, answers=None) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._conn, self._answers = conn, answers
        threading.Thread(target=self._read, name="kg-inbox", daemon=True).start()

    def answer(self, message: Any) -> None:
        """Send ``message`` back to the process that started this one, before the function's result
        (:meth:`Forked.answer` takes them, in order). A parent that stopped listening raises ``OSError``."""
        self._answers.send(("answer", message))

    def _read(self) -> None:
        while True:
            try:
                message = self._conn.recv()
            except BaseException:  # the sender gone (or a message that cannot be read): get() raises
                self._queue.put(_GONE)
                return
            self._queue.put(message)

    def get(self) -> Any:
        """The next message; :class:`kg.errors.RunFailed` when the sender ended without one."""
        message = self._queue.get()
        if message is _GONE:
            self._queue.put(_GONE)
            raise RunFailed("the process that started this one stopped sending")
        return message


_GONE = ("kg-forked-gone",)


class Forked:
    """``target(inbox, *args)`` running in a forked copy of this process (:meth:`start`)."""

    def __init__(self, process, to_child, from_child, name: str) -> None:
        self._process, self._to, self._from, self.name = process, to_child, from_child, name
        self._reply: tuple | None = None  # the copy's last word, once taken from the pipe

    @staticmethod
    def possible() -> bool:
        """Whether a fork is safe here now: on Linux, with no other Python thread running."""
        return sys.platform.startswith("linux") and threading.active_count() == 1

    @classmethod
    def start(cls, target: Callable[..., Any], *args, name: str = "kg-forked") -> Forked | None:
        """Fork and run ``target(inbox, *args)`` in the copy; None (nothing started) where forking is
        not safe (:meth:`possible`)."""
        if not cls.possible():
            return None
        ctx = multiprocessing.get_context("fork")
        child_in, to_child = ctx.Pipe(duplex=False)
        from_child, child_out = ctx.Pipe(duplex=False)
        _widen(child_out)  # room for many answers (Inbox.answer) before the copy waits for them to be read
        process = ctx.Process(target=_run, args=(child_in, child_out, (to_child, from_child), os.getpid(), target, args),
                              name=name, daemon=True)
        try:
            process.start()
        except OSError:  # no fork to be had (a limit on processes, or memory): the caller does the work
            for conn in (child_in, to_child, from_child, child_out):
                conn.close()
            return None
        child_in.close()
        child_out.close()
        return cls(process, to_child, from_child, name)

    def send(self, message: Any) -> None:
        """Hand ``message`` to the copy's :class:`Inbox` (a copy that ended meanwhile: :meth:`result` says why)."""
        try:
            self._to.send(message)
        except OSError:
            pass

    def answer(self) -> Any:
        """The next message the copy sent with :meth:`Inbox.answer`, waited for. A copy that ended instead
        raises what it raised, or :class:`kg.errors.RunFailed` (it returned, or died, without that answer)."""
        kind, value = self._receive()
        if kind == "answer":
            return value
        self._reply = (kind, value)
        if kind == "error":
            raise value
        raise RunFailed(f"the {self.name} process ended before it answered")

    def result(self) -> Any:
        """What ``target`` returned, once it has (answers not taken are passed over); the exception it
        raised is raised here. A copy that ended without a word (killed, out of memory) raises
        :class:`kg.errors.RunFailed`."""
        try:
            while self._reply is None:
                kind, value = self._receive()
                if kind != "answer":
                    self._reply = (kind, value)
        finally:
            self._to.close()
        self._process.join()
        kind, value = self._reply
        if kind == "error":
            raise value
        return value

    def _receive(self) -> tuple:
        if self._reply is not None:
            return self._reply
        try:
            return self._from.recv()
        except (EOFError, OSError):
            self._to.close()
            self._process.join()
            raise RunFailed(f"the {self.name} process ended before it was done (exit code "
                            f"{self._process.exitcode}: killed, or out of memory?)") from None

    def ended(self) -> bool:
        """Whether the copy has ended (done, failed or killed): :meth:`result` says how."""
        return not self._process.is_alive()

    def cancel(self) -> None:
        """End the copy now, if it still runs, and wait for it."""
        self._to.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


def _run(conn_in, conn_out, parents: tuple, parent: int, target: Callable[..., Any], args: tuple) -> None:
    """The copy's life: ``target``'s result or exception sent back; then ``multiprocessing`` ends the
    process at once (``os._exit``: the build's memory is not torn down a second time). The parent's
    ends of the pipes, copied by the fork, are closed first: the inbox ends when the parent's does.
    The copy ends with the ``parent`` (:func:`_end_with`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (it ends us)
    _end_with(parent)
    for conn in parents:
        conn.close()
    try:
        reply = ("ok", target(Inbox(conn_in, conn_out), *args))
    except BaseException as e:  # noqa: BLE001 - handed to the parent, which raises it
        reply = ("error", e)
        try:
            pickle.loads(pickle.dumps(e))  # one the parent cannot make again from its pickle goes as its text
        except Exception:  # noqa: BLE001
            reply = ("error", RunFailed(f"{type(e).__name__}: {e}"))
    try:
        conn_out.send(reply)
    except OSError:  # the parent is gone: nobody to tell
        pass
    except Exception as e:  # noqa: BLE001 - a result that cannot be pickled (an exception was checked above)
        with contextlib.suppress(OSError):
            conn_out.send(("error", RunFailed(f"the result could not be handed back: {e}")))


class Shared(Protocol):
    """An object that the work of a :class:`Spread` changes in each copy (a cache's record of what it
    holds, a validator's results): what each copy did is added back to it here."""

    def start_share(self) -> None:
        """In a copy, as it starts: from here on, count only what this copy does."""

    def share(self) -> Any:
        """In a copy, once its work is done: what it did (picklable)."""

    def merge(self, share: Any) -> None:
        """Here: add what a copy did (its :meth:`share`)."""


class Spread:
    """``work(item)`` for each of ``items``, spread over several processes: this one and forked copies
    of it (:meth:`start`), the results taken here in the items' order (:meth:`results`).

    Item ``j`` goes to process ``j`` mod their number (0: this one, which makes its items as their turn
    comes, by ``here``), so the processes go through the items side by side; each copy sends its
    results as it goes (:meth:`Inbox.answer`; its pipe is made to hold a megabyte where the system
    allows: thousands of small ones, so a copy runs that far ahead of the reader). Each copy starts
    with everything this process holds (nothing pickled: ``work`` may be a closure over it; what it
    reads of it is copied as it writes to it, a reference count being a write), and what its work
    changes in the ``shared`` objects (:class:`Shared`) is added to them here once every result is taken."""

    def __init__(self, items: Sequence, jobs: list[Forked], shared: Sequence[Shared],
                 here: Callable[[Any], Any], take: Callable[[Any], Any] | None) -> None:
        self._items, self._jobs, self._shared, self._here, self._take = items, jobs, shared, here, take

    @classmethod
    def start(cls, items: Sequence, work: Callable[[Any], Any], processes: int, shared: Sequence[Shared] = (),
              name: str = "kg-spread", here: Callable[[Any], Any] | None = None,
              take: Callable[[Any], Any] | None = None) -> Spread | None:
        """Fork ``processes - 1`` copies (fewer with fewer items) and start them on their items; this
        process makes its own with ``here`` (default ``work``) and gives ``take(answer)`` of each copy's
        answer (default: the answer). None, with nothing left running, where fewer than two processes
        would work, or a fork is not safe or not to be had (:meth:`Forked.start`)."""
        processes = min(processes, len(items))
        if processes < 2 or not Forked.possible():
            return None
        jobs: list[Forked] = []
        try:
            for k in range(1, processes):
                job = Forked.start(_spread_part, items[k::processes], work, shared, name=f"{name} {k}/{processes - 1}")
                if job is None:
                    raise _NoFork
                jobs.append(job)
        except BaseException as e:  # (no fork to be had, no pipe: too many files open; Ctrl-C) none left running
            for started in jobs:
                started.cancel()
            if isinstance(e, _NoFork):
                return None
            raise
        return cls(items, jobs, shared, here or work, take)

    def results(self) -> Iterator[Any]:
        """The result of each item, in the items' order: this process' made as their turn comes, the
        copies' as they send them; then, once the caller asks for the next past the last, the copies'
        shares are merged (a caller that stops before merges nothing: it cancels). What a copy raised
        (or its dying) is raised here when its result is due."""
        jobs, here, take = self._jobs, self._here, self._take
        processes = len(jobs) + 1
        for j, item in enumerate(self._items):
            k = j % processes
            if k == 0:
                yield here(item)
            else:
                answer = jobs[k - 1].answer()
                yield answer if take is None else take(answer)
        for job in jobs:
            for obj, share in zip(self._shared, job.result()):
                obj.merge(share)

    def cancel(self) -> None:
        """End the copies still running, and wait for them (done: nothing to do)."""
        for job in self._jobs:
            job.cancel()


#: ``fcntl``'s command that sets the size of a pipe's buffer (Linux), and the size asked for (the
#: largest an unprivileged process may set by default, ``/proc/sys/fs/pipe-max-size``).
_F_SETPIPE_SZ = 1031
_PIPE_BYTES = 1 << 20


def _widen(conn) -> None:
    """Ask for a larger buffer for the pipe of ``conn`` (where refused, it stays as it was: 64 KiB)."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), _F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, OSError):
        pass


class _NoFork(Exception):
    """A copy of a :class:`Spread` that could not be forked."""


def _spread_part(inbox: Inbox, items: Sequence, work: Callable[[Any], Any], shared: Sequence[Shared]) -> list:
    """A copy's part of a :class:`Spread`: each result answered as it is made, then the shares."""
    for obj in shared:
        obj.start_share()
    for item in items:
        inbox.answer(work(item))
    return [obj.share() for obj in shared]


#: ``prctl``'s option that has the kernel send a signal to this process when its parent ends (Linux).
_PR_SET_PDEATHSIG = 1


def _prctl():
    """The C library's ``prctl``, looked up here in the parent (a copy loads nothing after the fork);
    None where there is none."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    prctl.restype = ctypes.c_int
    return prctl


_PRCTL = _prctl() if sys.platform.startswith("linux") else None


def _end_with(parent: int) -> None:
    """Have the kernel kill this copy when ``parent``, the process that forked it, ends: a build killed
    outright (SIGKILL, the OOM killer) would otherwise leave its copy making a page nobody waits for,
    holding its memory until done. Ended already (before the call): end now. (Where the call is
    refused, the copy ends when it is done, as a copy of a process that was not killed does.)"""
    if _PRCTL is None or _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return
    if os.getppid() != parent:
        os._exit(1)
