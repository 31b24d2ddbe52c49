"""What an executor is: something that runs an :class:`~kg.executors.task.ExtractTask` on batches of
documents, somewhere, and hands back a handle whose ``result()`` is the batch's results in order."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Protocol

from kg.executors.task import ExtractTask, Result
from kg.records import Document

__all__ = ["Executor", "Handle", "Done", "BATCH_CHARS", "BATCH_DOCS"]

# A batch is sent once its documents hold BATCH_CHARS characters, or once it holds BATCH_DOCS
# documents. 16 documents is the pipeline's own batch (LAC runs over them at once); 16,384 characters
# lets a batch of short news items fill it: extracting the development passages (about 900 characters
# each) in one process, alternating the two sizes, cost 4-10% less CPU per document than in
# 4,096-character batches of four or five (29.6 against 31.0 ms, 30.0 against 33.6 ms), and there are
# four times fewer batches to send and collect.
BATCH_CHARS = 16384
BATCH_DOCS = 16


class Handle(Protocol):
    """A batch on its way: ``result()`` waits for it (``concurrent.futures.Future`` and Dask's
    ``Future`` are handles)."""

    def result(self) -> list[Result]: ...


class Done:
    """A batch already extracted (or extracted when asked, in this process)."""

    def __init__(self, run=None, value: list[Result] | None = None) -> None:
        self._run, self._value = run, value

    def result(self) -> list[Result]:
        if self._run is not None:
            self._value, self._run = self._run(), None
        return self._value


class Executor(ABC):
    """Runs a task on batches. :meth:`open` before the first batch, :meth:`close` after the last
    (``cancel=True`` when the caller stops early: Ctrl-C, an error; work still running is dropped and
    the processes started for it end)."""

    #: how many batches it extracts at once (the caller keeps a few times as many in flight)
    workers: int = 1
    #: how large a batch is: this many characters, or documents, whichever comes first
    batch_chars: int = BATCH_CHARS
    batch_docs: int = BATCH_DOCS

    @abstractmethod
    def open(self, task: ExtractTask) -> None: ...

    @abstractmethod
    def submit(self, batch: list[Document]) -> Handle: ...

    @abstractmethod
    def close(self, cancel: bool = False) -> None: ...
