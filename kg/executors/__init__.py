"""Where documents are extracted: in this process, in worker processes on this machine, or on a
Dask cluster. Every executor runs the same task (:class:`~kg.executors.task.ExtractTask`: the spaCy
pipeline of ``extract/`` over a batch of documents) and :func:`extract_in_order` hands the results
back in the order the documents were read, so a build's output does not depend on where it ran.

>>> type(make_executor("local", jobs=1)).__name__
'Serial'
>>> make_executor("local", jobs=2).workers
2
>>> make_executor("ray")
Traceback (most recent call last):
...
kg.errors.BadUsage: --executor 'ray': one of local, dask
"""

from __future__ import annotations

import os

from kg.errors import BadUsage
from kg.executors.base import Executor
from kg.executors.dask import Dask
from kg.executors.local import ProcessPool, Serial
from kg.executors.order import BATCH_CHARS, BATCH_DOCS, extract_in_order
from kg.executors.task import Encoded, ExtractTask

__all__ = ["Executor", "Serial", "ProcessPool", "Dask", "ExtractTask", "Encoded", "extract_in_order", "make_executor",
           "default_jobs", "EXECUTORS", "BATCH_CHARS", "BATCH_DOCS"]

#: the executors a name chooses (``kg build --executor``)
EXECUTORS = ("local", "dask")


def default_jobs() -> int:
    """Every core this process may run on."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def make_executor(executor: str | Executor = "local", jobs: int | None = 1, address: str | None = None) -> Executor:
    """The executor a build runs on: ``"local"`` with ``jobs`` processes (1: this process; ``None``:
    every core), ``"dask"`` on the cluster whose scheduler is at ``address``; an :class:`Executor`
    is used as it is. A bad combination raises :class:`kg.errors.BadUsage`."""
    if isinstance(executor, Executor):
        return executor
    if executor == "local":
        if address is not None:
            raise BadUsage(f"--address {address}: only for --executor dask")
        jobs = default_jobs() if jobs is None else jobs
        if jobs < 1:
            raise BadUsage(f"--jobs {jobs}: the number of worker processes must be at least 1")
        return Serial() if jobs == 1 else ProcessPool(jobs)
    if executor == "dask":
        return Dask(address)
    raise BadUsage(f"--executor {executor!r}: one of {', '.join(EXECUTORS)}")
