"""Run the stages over a corpus: ingest -> extraction -> resolution -> graph -> store and page.

:func:`extract_corpus` reads and extracts documents (the spaCy pipeline of ``extract/`` is imported
only when a document has to be extracted: ``kg`` itself never imports spaCy), :func:`build` writes
a build folder. Each stage is a package of ``kg``; this module only runs them in order.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from collections.abc import Sequence
from typing import Callable, Iterable, Iterator

from kg.cache import GRAPH_CODE, RECORD_CODE, ExtractionCache, code_hash, fingerprint
from kg.executors import (Encoded, Executor, ExtractTask, ProcessPool, Serial, default_jobs, extract_in_order,
                          make_executor)
from kg.errors import RunFailed
from kg.files import write_atomic
from kg.forked import Forked, Inbox
from kg.ingest import NoDocuments, iter_documents
from kg.ingest.readers import DEFAULT_MAX_BYTES
from kg.memory import collections_paused, release_memory
from kg.rdf import id_namespace
from kg.rdf.graph import entity_descriptions
from kg.rdf.kept import GraphCache
from kg.rdf.shacl import ShaclReport
from kg.rdf.shacl_documents import DocumentValidator
from kg.rdf.write import write_graph_files
from kg.records import Document, DocumentExtraction, IngestFailure, Position, Relation
from kg.resolve import Resolution, Resolved, compact, resolve_corpus
from kg.store import (StreamedLoad, graph_is_loaded, load_store, open_store, replace_store, store_lock, store_path,
                      update_store)

__all__ = ["extract_corpus", "resolve_corpus", "Resolved", "build", "BuildResult", "SavedRecords", "NoDocuments"]


def extract_corpus(
    paths: Iterable[str],
    ontology: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_document: Callable[[Document], None] | None = None,
    cache: ExtractionCache | None = None,
    use_model: bool = True,
    jobs: int | None = 1,
    executor: str | Executor = "local",
    address: str | None = None,
    on_reused: Callable[[DocumentExtraction], None] | None = None,
    compact_records: bool = False,
    kept: Callable[[str, str], DocumentExtraction | None] | None = None,
) -> Iterator[DocumentExtraction | IngestFailure]:
    """Extract each document as it is read; failures are yielded, not raised.

    Results come in the order :func:`kg.ingest.iter_documents` reads the documents, wherever they
    were extracted, so the output does not depend on ``jobs`` or ``executor``: ``jobs`` worker
    processes on this machine (1, the default: in this process; ``None``: every core), or
    ``executor="dask"`` on the Dask cluster at ``address`` (:mod:`kg.executors`). A document whose
    extraction raises is yielded as an :class:`~kg.records.ExtractionFailure` naming it and the
    reason; the others go on. ``on_document`` is called with each document read, in order, as its
    extraction is handed on.

    With a ``cache``, a document whose name and content were extracted before (by the same code
    and data) is taken from it in this process, never sent to a worker, and the spaCy pipeline is
    loaded only if some document is new; new extractions are put in the cache as they come back.
    A file the cache's index says is unchanged since it was read (same path, size, times and inode)
    is not even read: its extraction is handed on as it is, and ``on_reused`` (not ``on_document``)
    is called with it; or, when ``kept(doc_id, sha256)`` gives one, what it gives instead (the
    record :func:`build` kept of it, without reading the cache's entry).

    With ``compact_records`` (what :func:`build` asks for) what is yielded for a document is what
    resolution keeps of its extraction (:func:`kg.resolve.compact`, as :func:`build` holds them), and
    the extraction itself goes only to the ``cache``: the workers that extract the documents also make
    these records and serialize the cache entries (:class:`~kg.executors.task.Encoded`), so this
    process only stores the entries' bytes and is free to read and hand out the next documents.
    """
    runner = make_executor(executor, jobs, address)
    looked: dict[str, tuple] = {}  # doc id -> (stat, when) of the files read, for the cache's index
    from_kept: set[str] = set()  # documents handed on as the record kept of them (compact already)

    def kept_record(doc_id: str, sha256: str) -> DocumentExtraction | None:
        rec = kept(doc_id, sha256) if kept is not None else None
        if rec is not None:
            from_kept.add(doc_id)
        return rec

    def known(path: Path, doc_id: str) -> DocumentExtraction | None:
        """A file read by an earlier build and unchanged since: its extraction, without reading it."""
        if cache is None:
            return None
        seen_ns = time.time_ns()
        hit, st = cache.unchanged(path, doc_id, kept_record)
        if st is not None:
            looked[doc_id] = (st, seen_ns)
        if hit is not None and hit.path != str(path):
            hit = replace(hit, path=str(path))  # extracted at another path, then moved (as lookup does)
        return hit

    def lookup(doc: Document) -> DocumentExtraction | None:
        cached = cache.get(doc.doc_id, doc.sha256) if cache else None
        if cached is not None and cached.path != doc.path:
            cached = replace(cached, path=doc.path)  # the same file, moved
        return cached

    items = iter_documents(paths, max_bytes=max_bytes, known=known)
    task = ExtractTask(ontology, use_model, encode=compact_records)
    for doc, result, extracted in extract_in_order(items, runner, task, lookup):
        if isinstance(result, Encoded):  # extracted, made compact and serialized by the executor
            if cache:
                cache.put_entry(result.record.doc_id, result.record.sha256, result.entry)
            result = result.record
        elif isinstance(result, DocumentExtraction):
            if extracted and cache:
                cache.put(result)
            if compact_records and result.doc_id not in from_kept:
                result = compact(result)
        if isinstance(result, DocumentExtraction):
            if doc is not None and on_document:
                on_document(doc)
            elif doc is None and on_reused:
                on_reused(result)
            if cache and result.doc_id in looked:
                st, seen_ns = looked.pop(result.doc_id)
                cache.remember(result.path, result.doc_id, st, seen_ns, result.sha256)
        elif doc is not None and on_document:
            on_document(doc)
        yield result


class SavedRecords(Sequence[DocumentExtraction]):
    """The records a build resolved, in the order it read the documents, as it kept them in its cache
    (:meth:`kg.cache.ExtractionCache.save_records`), read from there when first asked for (then held):
    a build lets go of them once they are resolved, so its memory does not hold 160 MB of records
    (at 10,000 documents) while it writes the graph. Its length is known without reading them; it
    equals a list of the same records. Read after a later build in the same folder replaced them (or
    with the cache gone), they raise :class:`kg.errors.RunFailed`: never another build's records."""

    def __init__(self, out: Path, fingerprint: str, version: str, records: Iterable[DocumentExtraction]) -> None:
        self._out, self._fingerprint, self._version = Path(out).resolve(), fingerprint, version
        self._ids = [(r.doc_id, r.sha256, r.path) for r in records]
        self._records: list[DocumentExtraction] | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, i):
        return self._read()[i]

    def __iter__(self) -> Iterator[DocumentExtraction]:
        return iter(self._read())

    def __eq__(self, other) -> bool:
        if isinstance(other, (SavedRecords, list)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def _read(self) -> list[DocumentExtraction]:
        if self._records is None:
            cache = ExtractionCache(self._out, self._fingerprint)
            kept = cache.read_records(self._version)
            records = []
            for doc_id, sha256, path in self._ids:
                rec = kept.get(doc_id)
                if rec is None or (rec.sha256, rec.path) != (sha256, path):
                    raise RunFailed(f"{cache.folder}: the records of this build are no longer there "
                                    f"({'gone, or replaced' if not kept else 'replaced'} by a later build's)")
                records.append(rec)
            self._records = records
        return self._records


def _source(rec: DocumentExtraction) -> DocumentExtraction:
    """What the graph files read of a document's record: its name, path, content hash, title and date."""
    return DocumentExtraction(rec.doc_id, rec.path, rec.sha256, rec.title, rec.date, [], [], [])


@dataclass
class BuildResult:
    """What a build made. ``extractions`` are what resolution kept of each document
    (:func:`kg.resolve.compact`: no evidence sentences), so the relations' evidence has offsets but an
    empty ``sentence``; the sentences are in ``graph.trig`` and in the cache (``OUT/.cache``). A build
    gives them as :class:`SavedRecords`: read from its cache when first asked for. Its ``resolution``
    holds the entities, not which mention is which (``resolve_corpus(result.extractions)`` gives that)."""

    extractions: Sequence[DocumentExtraction]
    failures: list[IngestFailure]
    resolved: Resolved
    outputs: dict[str, Path] = field(default_factory=dict)
    shacl: ShaclReport | None = None
    cached: int = 0  # documents whose extraction came from the cache

    @property
    def resolution(self) -> Resolution:
        return self.resolved.resolution

    @property
    def positions(self) -> list[Position]:
        return self.resolved.positions

    @property
    def relations(self) -> list[Relation]:
        return self.resolved.relations

    def summary(self) -> dict:
        types: dict[str, int] = {}
        for e in self.resolution.entities:
            types[e.type] = types.get(e.type, 0) + 1
        preds: dict[str, int] = {}
        for r in self.relations:
            preds[r.predicate] = preds.get(r.predicate, 0) + 1
        return {
            "documents": len(self.extractions),
            "extracted": len(self.extractions) - self.cached,
            "from_cache": self.cached,
            "failed": [str(f) for f in self.failures],
            "shacl": None if self.shacl is None else {
                "conforms": self.shacl.conforms, "violations": len(self.shacl.violations)},
            "entities": dict(sorted(types.items())),
            "relations": dict(sorted(preds.items())),
            "positions": len(self.positions),
            "outputs": {k: str(v) for k, v in self.outputs.items()},
        }


def build(paths: Iterable[str], out_dir: str | Path = "out", ontology: str | None = None,
          max_bytes: int = DEFAULT_MAX_BYTES,
          on_document: Callable[[Document], None] | None = None,
          on_failure: Callable[[IngestFailure], None] | None = None,
          incremental: bool = True, base_iri: str | None = None, use_model: bool = True,
          jobs: int | None = 1, executor: str | Executor = "local", address: str | None = None,
          on_reused: Callable[[DocumentExtraction], None] | None = None) -> BuildResult:
    """Build the graph of the documents under ``paths`` into ``out_dir``.

    Writes ``graph.ttl`` (all facts as plain triples, with the ontology's subClassOf axioms),
    ``graph.trig`` (one named graph per source document, with the provenance of every relation),
    ``entities.jsonl``, the interactive page ``graph.html`` (:mod:`kg.viz`), the embedded SPARQL
    store ``store/`` (loaded from ``graph.trig``) and, when the graph breaks a SHACL shape,
    ``shacl-report.txt``. With ``incremental`` (the default), extractions are cached under
    ``OUT/.cache/`` by content hash, so only new or changed documents are extracted again; entries
    of documents no longer in the corpus are removed.

    What did not change is not made again: a file unchanged since the last build is not read (its
    record is kept, :meth:`kg.cache.ExtractionCache.save_records`), a document's named graph whose
    inputs are unchanged (its extraction, and what resolution says of the entities it names:
    :func:`kg.rdf.graph.document_key`) is copied from ``OUT/.cache`` (:class:`kg.rdf.kept.GraphCache`)
    with its SHACL results, and the last build's store is updated (a copy of it, the graphs that
    changed replaced: :func:`kg.store.update_store`) unless most graphs changed. The output is the
    same bytes as with ``incremental=False`` (``kg build --full``), which makes every graph and
    loads the store afresh.

    Nothing in ``out_dir`` changes until everything is made: the outputs are written into a
    temporary folder beside them (``OUT/.build-*``), then renamed into place while the store lock
    is held (queries see the old graph or the new one). A build that fails, at any step, leaves
    the previous output as it was; one that reads no document raises :class:`NoDocuments` and
    writes nothing at all. An unchanged ``graph.trig`` keeps the store it was loaded into.

    ``use_model=False`` leaves the trained scorers out: the rules alone decide (:mod:`extract.scorer`).

    ``jobs`` and ``executor`` say where documents are extracted (:func:`extract_corpus`: this process
    by default, ``jobs=N`` worker processes, ``executor="dask", address="tcp://HOST:8786"`` a Dask
    cluster); the output is the same bytes wherever it ran. Unless documents are extracted in this
    process (:class:`~kg.executors.Serial`), the build uses a second core after extraction too: the
    store is made in a thread while the page is made, and when the build updates the last one, the
    page is made as the graph files are written, in a copy of the build forked as it starts, which
    reads the last ``graph.ttl`` meanwhile (on Linux). A document whose extraction fails is reported
    in :attr:`BuildResult.failures` like one that could not be read.

    IRIs are minted under ``base_iri`` (default :data:`kg.rdf.DEFAULT_BASE_IRI`; a bad one raises
    :class:`kg.errors.BadUsage` before anything is read).
    """
    id_namespace(base_iri)  # checks the base first
    runner = make_executor(executor, jobs, address)  # a bad choice stops here, before anything is read
    out = Path(out_dir)
    # every extraction goes to the cache as it comes (read back a document at a time when the graph
    # is written); --full (incremental=False) only stops reading from it
    extractor = fingerprint(ontology, use_model)  # (the cache's, and the saved records')
    cache = ExtractionCache(out, extractor, read=incremental)
    # an update's page (on a second core) reads the last build's facts while this process reads the records
    ahead = _page_ahead(out, ontology, cache) if incremental and not isinstance(runner, Serial) else None
    try:
        records: list[DocumentExtraction] = []
        failures: list[IngestFailure] = []
        # the records of the last build, for files unchanged since: no cache entry parsed and compacted again
        records_version = code_hash(*RECORD_CODE, ontology=ontology)
        with collections_paused():  # a pickle of a million small records: no collection walks them as they come
            last = cache.read_records(records_version)

        def kept(doc_id: str, sha256: str) -> DocumentExtraction | None:
            rec = last.pop(doc_id, None)
            return rec if rec is not None and rec.sha256 == sha256 else None

        for item in extract_corpus(paths, ontology, max_bytes, on_document, cache, use_model, jobs, runner, address,
                                   on_reused, compact_records=True, kept=kept):
            if isinstance(item, IngestFailure):
                failures.append(item)
                if on_failure:
                    on_failure(item)
            else:
                records.append(item)
        last.clear()
        if not records:
            raise NoDocuments(failures, out)
        with collections_paused() as settle:  # the stages below hold the resolution to the end
            settle(collect=False)  # the records: extraction ran with collections on
            resolved = resolve_corpus(records, ontology, keep_mentions=False)
            settle(collect=False)  # the resolution: plain records, no cycle
            # the records are kept on disk for the next build and for the result, and let go: what the
            # graph of a document is made of is the resolution's; the files only need each one's name
            cache.save_records(records, records_version)
            saved = SavedRecords(out, extractor, records_version, records)
            records = [_source(r) for r in records]
            graphs = GraphCache(cache, code_hash(*GRAPH_CODE, ontology=ontology))
            names, shacl = _put_in_place(out, records, resolved, cache, ontology, base_iri, graphs, update=incremental,
                                         settle=settle, beside=not isinstance(runner, Serial), page=ahead,
                                         graph_processes=_graph_processes(runner))
            result = BuildResult(saved, failures, resolved, shacl=shacl, cached=cache.hits)
            result.outputs.update({name: out / name for name in names})
            result.outputs["store"] = out / "store"
            cache.prune({(r.doc_id, r.sha256) for r in records})
            graphs.prune()
            cache.save_file_index({r.doc_id for r in records})
    finally:
        if ahead is not None:  # done once the page is made; a build that stopped before ends it here
            ahead.cancel()
    return result


def _put_in_place(out: Path, records: list[DocumentExtraction], resolved: Resolved, cache: ExtractionCache,
                  ontology: str | None, base_iri: str | None,
                  graphs: GraphCache | None = None, update: bool = True,
                  settle: Callable[..., None] = release_memory, beside: bool = False,
                  page: Forked | None = None, graph_processes: int = 1) -> tuple[list[str], ShaclReport]:
    """Write the graph files and the page into a staging folder in ``out``, make the store there
    (the last one updated when it can be, with ``update``: :func:`kg.store.update_store`; else
    loaded), validate, then rename all of it into place under the store lock; the names of the
    files put in place and the SHACL report.

    With ``beside`` (a build that extracts in worker processes: it may use two cores) the store is
    made (the last one updated, else loaded; unless the last one is kept), and the SHACL checks across
    documents run over it, in a thread while this one makes the page under the store lock: Oxigraph's
    load and queries (Rust) let go of the interpreter's lock, so the two take two cores. When there is
    no last store to keep or update (a first build, ``--full``) the load starts as ``graph.trig`` is
    written, beside it (:class:`kg.store.StreamedLoad`), and is finished in that thread. With
    ``beside`` and a last store (an update), the page itself is made in a forked copy of this process
    (:class:`kg.forked.Forked`, :func:`_page_beside`) from the moment ``graph.ttl`` is written: its
    facts read from that file, the documents' graphs as their
    index is handed on while ``graph.trig`` is written; this process waits for it under the lock
    (where a fork is not safe, it makes the page there itself). ``page`` is that copy when it was
    forked earlier (:func:`_page_ahead`): it is handed the staging folder once ``graph.ttl`` is
    written there. Without ``beside``, the page is made before the lock is taken.

    With ``graph_processes`` (more than 1: :func:`_graph_processes`), the documents' graphs are made,
    validated and digested for the page in that many processes, this one and forked copies of it, while
    it writes them in order (:meth:`kg.rdf.write.DocumentGraphs.spread`; an update forks copies only
    for the graphs it has to make, not for those it copies from the last build)."""
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(out)
    staging = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{os.getpid()}-", dir=out))
    res = resolved.resolution
    stop = threading.Event()
    streamed: list[StreamedLoad] = []  # the store's load beside the writing of graph.trig, if any
    jobs: list[Forked] = []  # the page's process, once graph.ttl is written (a second core, where a fork is safe)
    try:
        validator = DocumentValidator(ontology, describe=entity_descriptions(res.entities, id_namespace(base_iri)),
                                      known=cache.read_json(_SHACL_CACHE) if cache.read else None)
        written: dict[str, list] = {}
        digests, on_made = _page_digests(cache, ontology, base_iri)  # (a forked page reads the digests made here)
        last_store = update and store_path(out).exists()  # to keep or update, not loaded as graph.trig is written
        # with it the page, otherwise made after the files, would be the last thing to wait for. (A first build's
        # or --full's page is made while the store's load ends: a copy would only take CPU from the writing.)
        forked = page is not None or (beside and last_store and Forked.possible())
        facts: list = []  # the index of graph.ttl for the page, made as the file is written: not parsed again

        def facts_ready(folder: Path) -> None:
            """graph.ttl is written (before the documents' graphs are made): the page forked as the build
            started takes it from here, while this process goes on."""
            if not page.ended():
                jobs.append(page)
                page.send(folder)

        def tee(folder: Path) -> Callable[[bytes], None] | None:
            """graph.ttl is written, graph.trig is next. With a second core: the page is made in a
            forked copy of this process from here on (before any thread of this build starts), unless the
            one forked as the build started took graph.ttl (:func:`facts_ready`), and with no last store
            that could be kept or updated, the store is loaded beside the writing of graph.trig
            (:class:`kg.store.StreamedLoad`)."""
            # (or forked again: the copy forked as the build started ended before, out of memory say)
            if forked and not jobs:
                if page is not None:
                    page.cancel()
                job = Forked.start(_page_beside, folder, ontology, cache.folder, cache.read, name="page")
                if job is not None:
                    jobs.append(job)
            if not beside or last_store:
                return None
            streamed.append(StreamedLoad(folder, folder / "graph.ttl", stop))
            return streamed[0].write

        def on_written(batch: list) -> None:
            for job in jobs:
                job.send(batch)

        names = write_graph_files(staging, records, res.entities, resolved.positions, resolved.relations,
                                  lambda r: cache.load(r.doc_id, r.sha256), ontology, base_iri,
                                  on_graph=validator.add, graphs=graphs, on_kept=validator.reuse, written=written,
                                  on_made=on_made, tee=tee,
                                  on_facts=None if forked else lambda t: facts.append(_facts_index(t)),
                                  on_written=on_written if forked else None, processes=graph_processes,
                                  shared=(validator, digests), facts_ready=facts_ready if page is not None else None)
        on_written(None)  # graph.trig is whole
        settle()

        def page() -> None:
            if jobs:
                jobs[0].result()
            else:  # made here, with the facts indexed as graph.ttl was written (a fork refused: none, the file is read)
                _write_page(staging, ontology, written, digests, facts.pop() if facts else None)
            settle()

        if not beside:
            page()  # before the lock: other builds and stores' refreshes do not wait for it
        with store_lock(out):
            keep_store = graph_is_loaded(out, staging / "graph.trig")
            reports: list[ShaclReport] = []

            def make_store() -> None:  # then the SHACL checks across documents, over it
                # the store kg query reads, made before anything moves: the last one updated (it is read
                # here, under the lock), else loaded into the staging folder, where only this build works
                made = keep_store or (update and update_store(out, staging, written, staging / "graph.ttl"))
                if made and streamed:  # the last store kept or updated: the one being loaded is not needed
                    streamed[0].cancel()
                    streamed.clear()
                if streamed:
                    streamed[0].finish(written)
                elif not made:
                    load_store(staging, facts=staging / "graph.ttl", graphs=written, stop=stop)
                if not stop.is_set():
                    reports.append(_validate(validator, out if keep_store else staging))

            if beside:
                with _alongside(make_store, stop):
                    page()
            else:
                make_store()
            names.append("graph.html")
            shacl = reports[0]
            cache.write_json(_SHACL_CACHE, validator.record)
            if not shacl.conforms:
                write_atomic(staging / "shacl-report.txt", shacl.text.encode("utf-8"))
                names.append("shacl-report.txt")
            for name in names:
                if name == "graph.trig" and keep_store:
                    continue  # the same bytes, already in the store: keep the file and the store as they are
                os.replace(staging / name, out / name)
            if "shacl-report.txt" not in names:
                (out / "shacl-report.txt").unlink(missing_ok=True)
            if not keep_store:
                replace_store(out, staging / "store")
    finally:
        for load in streamed:  # a build that stopped before the store was made: its load ended first
            load.cancel()
        for job in jobs:  # a page's process still running: the build stopped before it was waited for
            job.cancel()
        shutil.rmtree(staging, ignore_errors=True)
    return names, shacl


def _graph_processes(runner: Executor) -> int:
    """How many processes make the documents' graphs (:func:`_put_in_place`: the build's, and forked
    copies of it): as many as the worker processes that extracted them, up to the cores this process may
    use (with a cluster's executor: those cores); 1 (this one) when documents are extracted here (``--jobs 1``)."""
    if isinstance(runner, Serial):
        return 1
    return min(default_jobs(), runner.workers) if isinstance(runner, ProcessPool) else default_jobs()


@contextmanager
def _alongside(work: Callable[[], None], stop: threading.Event) -> Iterator[None]:
    """Run ``work`` in a thread while the block runs; its error is raised when the block ends
    without one. When the block raises (Ctrl-C, a failed page), ``stop`` is set and the thread
    waited for: ``work`` ends at its next step (a store's load, after the piece it is loading), so
    the staging folder is removed after it, with nothing left behind."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as e:  # handed to the build's thread
            failed.append(e)

    thread = threading.Thread(target=run, name="kg-store", daemon=True)
    thread.start()
    try:
        yield
    except BaseException:
        stop.set()
        thread.join()
        raise
    thread.join()
    if failed:
        raise failed[0]


def _validate(validator: DocumentValidator, folder: Path) -> ShaclReport:
    """The SHACL report: the documents' graphs, then the checks across documents over ``folder``'s store."""
    store = open_store(folder, refresh=False)
    try:
        return validator.finish(store)
    finally:
        del store


_STAGING = ".build-"
_SHACL_CACHE = "shacl-documents"  # each document graph's SHACL results, by the hash of its text


def _remove_stale_staging(out: Path) -> None:
    """Remove the temporary folders of builds that were killed (their process is gone)."""
    for d in out.glob(_STAGING + "*"):
        pid = d.name[len(_STAGING):].partition("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except OSError:  # alive, another user's
            pass


def _page_digests(cache: ExtractionCache, ontology: str | None, base_iri: str | None):
    """What the page reads of each document's graph, kept in ``OUT/.cache/FINGERPRINT/page/``
    (:class:`kg.network.digests.DigestCache`), and the ``on_made`` of
    :func:`kg.rdf.write.write_graph_files` that puts there the digest of each graph it makes
    (:func:`kg.network.load.graph_digest`, from the graph's triples): the page then parses none of
    the graphs this build wrote, and those an earlier build saw are read from its digests."""
    from kg.network.digests import DigestCache
    from kg.network.load import graph_digest

    digests = DigestCache.of_build(cache.folder, ontology, read=cache.read)
    minted = str(id_namespace(base_iri))

    def on_made(sha256: str, triples: list) -> None:
        digests.put(sha256, minted, graph_digest(triples, minted))

    return digests, on_made


def _page_beside(inbox: Inbox, staging: Path, ontology: str | None, cache_folder: Path, read: bool,
                 facts: dict | None = None) -> None:
    """The page of a build (:func:`_write_page`), made in a forked copy of the build (:class:`kg.forked.Forked`)
    once ``graph.ttl`` is written, while the build writes ``graph.trig``: the facts read from
    ``graph.ttl`` (the copy reads nothing of the build's memory, so little of it is copied), the
    documents' graphs as the build hands on the index of ``graph.trig`` (batches of ``(name, entry)``;
    None: the file is whole), their digests read from the cache, where the build puts those of the
    graphs it makes before it hands them on (one missing there: made here from the graph's bytes). The
    same page as the build makes itself. With ``facts`` (:func:`_page_early`'s), ``graph.ttl`` is not read."""
    from kg.network.digests import DigestCache

    digests = DigestCache.of_build(cache_folder, ontology, read=read)
    # (the index is waited for before graph.trig is looked at: with facts, after the network is made and laid out)
    _write_page(staging, ontology, _WrittenIndex(inbox), digests, facts)


def _page_ahead(out: Path, ontology: str | None, cache: ExtractionCache) -> Forked | None:
    """The process of the page of an update, forked as the build starts (None: not an update of a
    build folder with a store and a ``graph.ttl``, or no fork to be had: :meth:`Forked.start`).

    While the build reads its records, extracts and resolves, with the second core idle, it reads the
    last build's ``graph.ttl`` (:class:`kg.network.facts.EarlierFacts`), then waits for the staging
    folder; there it parses only the lines of the new ``graph.ttl`` that changed, and goes on as
    :func:`_page_beside`. Forked before the build holds anything, it shares little of its memory."""
    last = out / "graph.ttl"
    if not (store_path(out).exists() and last.is_file()):
        return None
    return Forked.start(_page_early, last, ontology, cache.folder, cache.read, name="page")


def _page_early(inbox: Inbox, last: Path, ontology: str | None, cache_folder: Path, read: bool) -> None:
    """:func:`_page_ahead`'s process: the last build's facts read, then the page of the staging folder
    it is sent (the same page as :func:`_page_beside` makes)."""
    from kg import viz  # noqa: F401 - imported while the second core is idle
    from kg.network.facts import EarlierFacts

    with collections_paused() as settle:  # as in a copy forked later, from the build's paused collections
        try:
            earlier: EarlierFacts | None = EarlierFacts(last)
        except Exception:  # noqa: BLE001 - gone, unreadable or too large meanwhile: the new file is parsed whole
            earlier = None
        settle(collect=False)  # the index: plain containers, no cycle
        staging = inbox.get()  # graph.ttl is written there
        try:
            facts = earlier.index_of(staging / "graph.ttl") if earlier is not None else None
        except Exception:  # noqa: BLE001 - (the same) the page parses the file itself
            facts = None
        del earlier
        _page_beside(inbox, staging, ontology, cache_folder, read, facts)


class _WrittenIndex:
    """The index of ``graph.trig`` as the build writes it: ``(name, entry)`` of each graph in the file's
    order, from the batches sent to an :class:`~kg.forked.Inbox`, until the None that says the file is whole."""

    def __init__(self, inbox: Inbox) -> None:
        self._next, self._inbox = _WAITING, inbox

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Iterator[tuple[str, list]]:
        while True:  # (a batch handed on before the next is waited for; an iteration stopped early goes on from there)
            if self._next is _WAITING:
                self._next = self._inbox.get()
            if self._next is None:
                return
            batch, self._next = self._next, _WAITING
            yield from batch


_WAITING = object()  # the next batch of a _WrittenIndex is still to be taken from its inbox


def _facts_index(triples: list) -> dict:
    """What the page reads of ``graph.ttl``, from its triples as they are written (:func:`kg.network.load.facts_index`)."""
    from kg.network.load import facts_index

    return facts_index(triples)


def _write_page(out: Path, ontology: str | None, written: dict[str, list] | None = None,
                digests=None, facts: dict | None = None) -> Path:
    """``OUT/graph.html`` from ``OUT/graph.ttl`` and ``OUT/graph.trig`` (:func:`kg.viz.page_graph`: the
    facts, then only the evidence the page shows): the same bytes as ``kg viz --graph OUT``. With
    ``written`` (the index of ``graph.trig``) and the build's ``digests`` (:func:`_page_digests`), the
    page parses only the documents' graphs whose digest is not there; the digests of graphs gone are
    removed. With ``facts`` (:func:`_facts_index` of the triples of ``graph.ttl``, made as the build
    wrote it) the page does not parse ``graph.ttl`` either."""
    from kg import viz  # pyvis (and IPython) only when a page is made

    digests = digests if written else None
    page = viz.write_html(out, out / "graph.html", ontology=ontology, graphs=written or None, digests=digests,
                          facts=facts)
    if digests is not None:
        digests.prune()
    return page
