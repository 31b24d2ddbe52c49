"""Extract a stream of documents on an executor and hand the results back in the stream's order.

Documents to extract are gathered into batches (the executor's ``batch_chars`` characters or
``batch_docs`` documents: small documents travel together, a large one alone) and sent as they
fill; answers found here (``lookup``: the cache) and read failures never leave this process. Results
come back in the order of ``items`` whatever order the batches finish in, and at most
``IN_FLIGHT_PER_WORKER x executor.workers`` batches are in flight: the documents held here do not grow
with the corpus.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Iterable, Iterator

from kg.executors.base import BATCH_CHARS, BATCH_DOCS, Executor, Handle
from kg.executors.task import ExtractTask, Result
from kg.records import Document, DocumentExtraction, IngestFailure

__all__ = ["extract_in_order", "BATCH_CHARS", "BATCH_DOCS", "IN_FLIGHT_PER_WORKER"]

#: Batches in flight per worker. Results are taken in reading order, so a worker that finishes the
#: batches after a slow one waits once all of those in flight are done, and the next batch is read and
#: sent only when the oldest one's results are taken: 4 lets a worker run three batches ahead of
#: the one the stream waits for (with 2, and batches of 16 documents, half a second each, one slow
#: batch left the other worker idle). The documents held here stay a few batches per worker.
IN_FLIGHT_PER_WORKER = 4



class _Batch:
    def __init__(self) -> None:
        self.docs: list[Document] = []
        self.chars = 0
        self.handle: Handle | None = None
        self.results: list[Result] | None = None
        self.taken = 0

    def take(self, i: int) -> Result:
        if self.results is None:
            self.results = self.handle.result()
            if len(self.results) != len(self.docs):
                raise RuntimeError(f"the executor returned {len(self.results)} results for {len(self.docs)} documents")
        self.taken += 1
        r = self.results[i]
        if self.taken == len(self.docs):
            self.results = None  # all handed on
        return r


def extract_in_order(items: Iterable[Document | IngestFailure | DocumentExtraction], executor: Executor, task: ExtractTask,
                     lookup: Callable[[Document], DocumentExtraction | None] | None = None,
                     batch_chars: int | None = None, batch_docs: int | None = None,
                     ) -> Iterator[tuple[Document | None, Result | IngestFailure, bool]]:
    """``(document, result, extracted)`` for each item, in order: ``extracted`` is true for a result
    the executor made (false for ``lookup``'s answers and for ``items``' own failures and
    extractions, whose document is ``None``). The executor is opened here and closed when the stream ends, or
    cancelled when it stops early (an error, Ctrl-C, the caller closing the generator)."""
    executor.open(task)
    batch_chars = batch_chars or executor.batch_chars
    batch_docs = batch_docs or executor.batch_docs
    in_flight_max = max(2, IN_FLIGHT_PER_WORKER * executor.workers)
    slots_max = in_flight_max * 2 * batch_docs  # documents held here: twice those in flight
    slots: deque[tuple[Document | None, object, _Batch | None, int]] = deque()
    state = {"open": _Batch(), "in_flight": 0}

    def send(batch: _Batch) -> None:
        batch.handle = executor.submit(batch.docs)
        state["in_flight"] += 1
        if batch is state["open"]:
            state["open"] = _Batch()

    def head() -> tuple[Document | None, Result | IngestFailure, bool]:
        doc, ready, batch, i = slots.popleft()
        if batch is None:
            return doc, ready, False
        if batch.handle is None:
            send(batch)  # it is the open batch: nothing before it is left to wait for
        result = batch.take(i)
        if batch.taken == len(batch.docs):
            state["in_flight"] -= 1
        return doc, result, True

    finished = False
    try:
        for item in items:
            if isinstance(item, (IngestFailure, DocumentExtraction)):  # a failure, or an answer given without reading
                slots.append((None, item, None, 0))
            elif lookup is not None and (hit := lookup(item)) is not None:
                slots.append((item, hit, None, 0))
            else:
                batch = state["open"]
                batch.docs.append(item)
                batch.chars += len(item.text)
                slots.append((item, None, batch, len(batch.docs) - 1))
                if batch.chars >= batch_chars or len(batch.docs) >= batch_docs:
                    send(batch)
            while slots and (state["in_flight"] >= in_flight_max or len(slots) > slots_max):
                yield head()
        if state["open"].docs:
            send(state["open"])
        while slots:
            yield head()
        finished = True
    finally:
        executor.close(cancel=not finished)
