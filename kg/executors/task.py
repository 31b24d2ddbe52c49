"""The one piece of work every executor runs: extract a batch of documents, one result per document.

:class:`ExtractTask` is a small picklable object (the ontology folder and whether the trained scorers
are used); calling it on a list of :class:`~kg.records.Document` runs the spaCy pipeline of
``extract/`` over them (imported here, lazily: ``kg`` never imports spaCy at import time) and returns
their :class:`~kg.records.DocumentExtraction` in the same order. A document whose extraction raises
becomes an :class:`~kg.records.ExtractionFailure` naming it and the reason; the others of its batch
are extracted one by one, so one bad document never takes its neighbours with it. Errors that are
not about a document (a :class:`kg.errors.KgError`: bad ontology data…) are raised.

With ``encode=True`` (what a build asks for) each extraction comes back as :class:`Encoded`: the record
resolution keeps (:func:`kg.resolve.compact`) and the bytes of its cache entry (:func:`kg.cache.encode`),
both made where the document was extracted, so the process that collects the results only stores
the bytes and keeps the record: serializing the extraction (the largest part of what a build does
per document besides extracting it) runs in the workers, side by side, instead of in the one
process that also reads the documents and hands out the batches.

>>> from kg.ingest import ingest_text
>>> task = ExtractTask()
>>> [ex.doc_id for ex in task([ingest_text("中机质协召开会议。", doc_id="a.txt")])]
['a.txt']
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError
from kg.records import Document, DocumentExtraction, ExtractionFailure

__all__ = ["ExtractTask", "Encoded", "Result"]



@dataclass(frozen=True, slots=True)
class Encoded:
    """A document extracted with ``ExtractTask(encode=True)``: ``record`` is what resolution keeps of
    the extraction (:func:`kg.resolve.compact`), ``entry`` the extraction as the cache stores it
    (:func:`kg.cache.encode`; :meth:`kg.cache.ExtractionCache.put_entry` writes it)."""

    record: DocumentExtraction
    entry: bytes

    def __reduce__(self):
        return _received, (self.record, self.entry)


def _received(record: DocumentExtraction, entry: bytes) -> Encoded:
    """An :class:`Encoded` unpickled in the build's process: its record's strings interned there (a
    pickle shares a string within one record, not with the records of other batches; a corpus names
    the same bodies and people again and again)."""
    from kg.resolve import compact

    return Encoded(compact(record), entry)


Result = DocumentExtraction | ExtractionFailure | Encoded
_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ExtractTask:
    """Extract documents with the pipeline of these settings (loaded once per process)."""

    ontology: str | None = None
    use_model: bool = True
    encode: bool = False  # each extraction as :class:`Encoded` (compact record and cache entry)

    def setup(self) -> None:
        """Load the pipeline now (a worker does it once, before its first document)."""
        from extract.pipeline import get_nlp

        get_nlp(self.ontology, self.use_model)

    def __call__(self, documents: list[Document]) -> list[Result]:
        results = self._extract(documents)
        if not self.encode:
            return results
        from kg.cache import encode
        from kg.resolve import compact

        return [Encoded(compact(r), encode(r)) if isinstance(r, DocumentExtraction) else r for r in results]

    def _extract(self, documents: list[Document]) -> list[DocumentExtraction | ExtractionFailure]:
        from extract import pipeline

        try:
            return list(pipeline.extract_documents(documents, self.ontology, use_model=self.use_model))
        except KgError:
            raise
        except Exception as e:
            if len(documents) == 1:
                return [_failure(documents[0], e)]
        return [self._one(d) for d in documents]  # which one was it: each alone

    def _one(self, document: Document) -> Result:
        from extract import pipeline

        try:
            return next(pipeline.extract_documents([document], self.ontology, use_model=self.use_model))
        except KgError:
            raise
        except Exception as e:
            return _failure(document, e)


def _failure(document: Document, error: Exception) -> ExtractionFailure:
    """The document and the reason, with the innermost line of the project's code that raised."""
    where = ""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        try:
            rel = Path(frame.filename).resolve().relative_to(_ROOT)
        except ValueError:
            continue
        if rel.parts[0] in ("extract", "kg"):
            where = f" at {rel.as_posix()}:{frame.lineno}"
            break
    message = str(error).splitlines()[0] if str(error) else ""
    reason = f"extraction failed: {type(error).__name__}{': ' + message if message else ''}{where}"
    return ExtractionFailure(document.path, reason)
