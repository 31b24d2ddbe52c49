"""The build process's memory: pausing automatic garbage collection while long-lived records are
made, setting aside what a finished stage leaves, and giving back what it freed.

A build holds millions of small objects until it ends (the compact records of every document, the
resolution, the index of the graph files). CPython's automatic collections walk every tracked
object each time the oldest generation is collected, and they are triggered by allocations: while a
stage makes many objects that live on, they run again and again over all of them (measured: 12 of
the 46 CPU-s of a rebuild and a one-document update of 1,000 documents). The stages after
extraction make few reference cycles (a networkx graph's cached views are one per graph), so they
run with collections paused (:func:`collections_paused`): the cycles are collected once between
stages, and what survives is set aside (:func:`gc.freeze`) so that the next collections do not walk
it again.

A process that has done its work can end without freeing what it holds object by object
(:func:`exit_now`).
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator, NoReturn

__all__ = ["collections_paused", "exit_now", "release_memory"]


@contextmanager
def collections_paused() -> Iterator[Callable[..., None]]:
    """No automatic garbage collection inside the block; it gives ``settle()``, to call where a stage
    ends: :func:`release_memory`, then the objects still alive are frozen (:func:`gc.freeze`: left out
    of every later collection; reference counting still frees them). ``settle(collect=False)`` only
    freezes, for a stage that left no cycle worth a pass over the objects it made (a collection
    costs about 1.5 CPU-s for the records or the resolution of 10,000 documents). After the block, whatever
    happens, they are unfrozen and collection is restored as it was. A process that froze objects
    itself before keeps them frozen: then ``settle()`` freezes nothing.
    """
    enabled = gc.isenabled()
    ours = gc.get_freeze_count() == 0

    def settle(collect: bool = True) -> None:
        if collect:
            release_memory()
        if ours:
            gc.freeze()

    gc.disable()
    try:
        yield settle
    finally:
        if ours:
            gc.unfreeze()
        if enabled:
            gc.enable()


def release_memory() -> None:
    """Give the memory a finished stage freed back to the system before the next one (collected
    cycles; glibc keeps freed blocks in its heap until ``malloc_trim``), so the peaks of the stages
    after extraction (graph files, page, store) do not pile up."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # glibc only
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _libc()


def exit_now(status: int = 0) -> NoReturn:
    """End this process now with ``status``: the standard streams flushed, nothing else done (no exit
    handler, no teardown of the interpreter: a process holding millions of objects frees them one by
    one on a normal exit, seconds of work for nothing). For a process with nothing left to write."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):  # none, closed, or a pipe its reader closed: nothing more to say
            pass
    os._exit(status)
