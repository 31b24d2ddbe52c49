"""A cache of document extractions keyed by content, so a rebuild re-extracts only what changed.

An entry is the JSON form of a :class:`~kg.records.DocumentExtraction`, stored under
``OUT/.cache/`` by the document's name and content hash (sha256 of its bytes) and the
*fingerprint* of the extractor: the extraction code (:data:`EXTRACTION_CODE`), the trained models
(and whether they are used) and every data file under the ontology folder but the SHACL shapes.
Editing the gazetteer or a trigger list therefore re-extracts everything; changing one document
re-extracts that document only; changing the code of a later stage (resolution, the graph writers,
the page) re-extracts nothing.

Beside the extractions, for the same fingerprint, later stages keep what the next build can reuse:
the index of the files read, the compact records of the last build (:meth:`ExtractionCache.save_records`),
the SHACL results of each document's graph, and each document's graph as written
(:class:`kg.rdf.kept.GraphCache`, whose code is the graph writer's: changing it restarts the graphs, not
the extractions).

>>> import tempfile
>>> from kg.records import DocumentExtraction, Mention
>>> ex = DocumentExtraction("a.txt", "a.txt", "ab12", None, None,
...                         [Mention("a.txt", "工信部", "GovernmentBody", 0, 3, 0, 0, "t", 0.9, "工信部")], [])
>>> cache = ExtractionCache(tempfile.mkdtemp(), fingerprint="f1")
>>> cache.get("a.txt", "ab12") is None
True
>>> cache.put(ex)
>>> cache.get("a.txt", "ab12") == ex
True
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Callable, Iterable
from dataclasses import fields
from pathlib import Path

from kg.files import write_atomic
from kg.ontology import ontology_dir
from kg.records import Arg, DocumentExtraction, Mention, PositionMention, RelationMention

CACHE_DIR = ".cache"
_EXTRA = "stages"  # what later stages keep between builds (not extractions)
#: The code an extraction depends on (folders and files of the project): the pipeline, what reads and
#: cleans documents, the ontology's loaders, the records, the task a worker runs and this module (the
#: entries' format). Code of the later stages (resolution, RDF, store, page, server) is not here:
#: changing it must not re-extract an archive. tests/test_incremental.py checks that every ``kg``
#: module an extraction imports is covered or named in :data:`TRANSPORT_MODULES`.
EXTRACTION_CODE = ("extract", "kg/__init__.py", "kg/ingest", "kg/ontology", "kg/records.py", "kg/dates.py",
                   "kg/errors.py", "kg/report.py", "kg/executors/task.py", "kg/cache.py", "kg/files.py")
#: Files of the ontology folder that only validation reads (the SHACL shapes; the stored queries are ``.rq``).
VALIDATION_DATA = ("shapes.ttl",)
#: Modules a worker imports that do not shape the cached extraction: they carry documents and results
#: between processes, or make the compact record a build holds (:func:`kg.resolve.compact`), which is
#: not cached under this fingerprint.
TRANSPORT_MODULES = ("kg.executors", "kg.executors.base", "kg.executors.local", "kg.executors.order",
                     "kg.executors.dask", "kg.resolve", "kg.resolve.compact", "kg.resolve.entities",
                     "kg.resolve.positions", "kg.resolve.relations")


def fingerprint(ontology: str | None = None, use_model: bool = True) -> str:
    """A hash of everything extraction depends on: code (:data:`EXTRACTION_CODE`), data files, the
    trained models (and whether they are used)."""
    h = hashlib.sha256(b"model" if use_model else b"rules")
    return _hash_files(h, EXTRACTION_CODE, ontology, skip=VALIDATION_DATA)


def code_hash(*parts: str, ontology: str | None = None) -> str:
    """A hash of the project's files ``parts`` (files or folders, relative to the project: their
    ``.py`` files) and of every data file of the ontology folder: the version of what a later stage
    keeps here (:class:`kg.rdf.kept.GraphCache`, :meth:`ExtractionCache.save_records`), which must change with the
    code that makes it even where the extraction fingerprint does not cover that code."""
    return _hash_files(hashlib.sha256(), parts, ontology)


def _hash_files(h, parts, ontology: str | None, skip: tuple[str, ...] = ()) -> str:
    """``h`` updated with the names and bytes of the code ``parts`` and of the ontology folder's data
    files (but those named in ``skip``); its first 16 hexadecimal digits."""
    project = Path(__file__).resolve().parent.parent
    data = Path(ontology_dir(ontology))
    for root, base in [(project / p, project) for p in parts] + [(data, data)]:
        for f in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if f.is_file() and f.suffix in (".py", ".tsv", ".txt", ".ttl", ".json") and "__pycache__" not in f.parts \
                    and not (base == data and f.name in skip):
                h.update(str(f.relative_to(base)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


#: The code a document's graph is made by (the triples, their text) and what its SHACL results
#: depend on (the ontology folder, shapes included): the version of :class:`kg.rdf.kept.GraphCache`.
GRAPH_CODE = ("kg/rdf", "kg/ontology", "kg/records.py", "kg/dates.py")
#: The code of the records :meth:`ExtractionCache.save_records` keeps.
RECORD_CODE = ("kg/resolve/compact.py", "kg/records.py")


def to_json(ex: DocumentExtraction) -> dict:
    """``dataclasses.asdict(ex)``, field by field (asdict deep-copies every value: 5x the time)."""
    d = _fields_of(ex)
    d["mentions"] = [_fields_of(m) for m in ex.mentions]
    d["positions"] = [_fields_of(p) for p in ex.positions]
    d["relations"] = [dict(_fields_of(r), subject=_fields_of(r.subject), object=_fields_of(r.object))
                      for r in ex.relations]
    return d


def _fields_of(obj) -> dict:
    names = _FIELDS.get(type(obj))
    if names is None:
        names = _FIELDS[type(obj)] = tuple(f.name for f in fields(obj))
    return {n: getattr(obj, n) for n in names}


_FIELDS: dict[type, tuple[str, ...]] = {}


def from_json(d: dict) -> DocumentExtraction:
    mentions = [Mention(**dict(m, names=tuple(m["names"]))) for m in d["mentions"]]
    positions = [PositionMention(**p) for p in d["positions"]]
    relations = [RelationMention(**dict(r, subject=Arg(**r["subject"]), object=Arg(**r["object"])))
                 for r in d.get("relations", [])]
    return DocumentExtraction(d["doc_id"], d["path"], d["sha256"], d["title"], d["date"], mentions, positions, relations)


_FILES = "files"  # the index of files read, by document id
_RECORDS = "records.pickle"  # the compact records of the last build (:meth:`ExtractionCache.save_records`)
_RECORD_CHANGES = "records-changes.pickle"  # those changed since records.pickle was written, and those gone

#: The share of the records that may be kept as changes beside ``records.pickle`` before a build
#: writes it again whole (:meth:`ExtractionCache.save_records`).
RECORD_CHANGES_SHARE = 0.1
#: Records pickled together in ``records.pickle``: a group each pickle. A pickle keeps every object
#: it made until it is read to its end (the state of each record among them), then frees them all at
#: once, leaving memory in small free pieces that resolution does not reuse. Read as one pickle, the
#: records of 10,000 documents took 413 MB; in pickles of 1,000 documents, 278 MB, in the same time.
RECORDS_PER_PICKLE = 1000
#: What reading a pickle of ``stages/`` raises when it cannot be read (gone, cut short, of other code).
_UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError)


def _file_key(path: Path | str, st: os.stat_result) -> list:
    return [str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


class ExtractionCache:
    """The cache of one build folder, for one fingerprint.

    With ``read=False`` (``kg build --full``) :meth:`get` finds nothing, so every document is extracted
    again, and :meth:`put` still stores each extraction: a build reads its extractions back from here
    (:meth:`load`) when it writes the graph, a document at a time, instead of holding them all.
    """

    def __init__(self, out_dir: str | Path, fingerprint: str, read: bool = True) -> None:
        self.folder = Path(out_dir) / CACHE_DIR / fingerprint
        self.read = read
        self.hits = 0
        self.misses = 0
        self._files: dict[str, list] | None = None  # doc id -> [path, size, mtime, ctime, inode, sha256]
        # what records.pickle held when read_records read it: (version, its token, doc id -> (sha256, path))
        self._records_base: tuple[str, str, dict[str, tuple[str, str]]] | None = None

    def _file(self, doc_id: str, sha256: str) -> Path:
        key = hashlib.sha256(f"{doc_id}\0{sha256}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.json"

    def get(self, doc_id: str, sha256: str) -> DocumentExtraction | None:
        """The stored extraction of this name and content (counted as a hit or a miss), or None."""
        ex = self.load(doc_id, sha256) if self.read else None
        if ex is None:
            self.misses += 1
        else:
            self.hits += 1
        return ex

    def load(self, doc_id: str, sha256: str) -> DocumentExtraction | None:
        """The stored extraction of this name and content, or None (not counted)."""
        try:
            return from_json(json.loads(self._file(doc_id, sha256).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def prune(self, keep: set[tuple[str, str]]) -> int:
        """Remove entries not in ``keep`` (documents gone or changed) and caches of older
        code or data; returns how many files were removed."""
        wanted = {self._file(d, h).name for d, h in keep}
        removed = 0
        for f in self.folder.glob("*.json") if self.folder.exists() else []:
            if f.name not in wanted:
                f.unlink(missing_ok=True)
                removed += 1
        for other in self.folder.parent.iterdir() if self.folder.parent.exists() else []:
            if other.is_dir() and other != self.folder:
                shutil.rmtree(other, ignore_errors=True)
        return removed

    # --- files read before and not changed since ---------------------------------------------------

    def unchanged(self, path: Path, doc_id: str,
                  kept: Callable[[str, str], DocumentExtraction | None] | None = None,
                  ) -> tuple[DocumentExtraction | None, os.stat_result | None]:
        """``(extraction, stat)``: the stored extraction of a file an earlier build read, when the file
        has not changed since (the same path, size, modification and change times, inode: what
        ``make`` and git trust), without reading it; else None. ``stat`` is the file's, taken now
        (None if it cannot be read), for :meth:`remember` once the file is read. ``kept(doc_id,
        sha256)`` may give what to hand on instead of the stored extraction (counted as a hit)."""
        try:
            st = os.stat(path)
        except OSError:
            return None, None
        if not self.read:
            return None, st
        entry = self._file_index().get(doc_id)
        if entry is None or entry[:-1] != _file_key(path, st):
            return None, st
        found = kept(doc_id, entry[-1]) if kept is not None else None
        if found is not None:
            self.hits += 1
            return found, st
        return self.get(doc_id, entry[-1]), st

    def read_records(self, version: str = "") -> dict[str, DocumentExtraction]:
        """What :meth:`save_records` stored (by document id) with this ``version``, or nothing."""
        self._records_base = None
        if not self.read:
            return {}
        base = self._records_pickled(version)
        if base is None:
            return {}
        token, records = base
        self._records_base = (version, token, {d: (r.sha256, r.path) for d, r in records.items()})
        changes = self._unpickle(_RECORD_CHANGES)
        if isinstance(changes, tuple) and len(changes) == 4 and changes[:2] == (version, token):
            _, _, changed, gone = changes
            for doc_id in gone:
                records.pop(doc_id, None)
            records.update(changed)
        return records

    def _records_pickled(self, version: str) -> tuple[str, dict[str, DocumentExtraction]] | None:
        """``(token, records by document id)`` of ``records.pickle`` when it holds this ``version``
        (its first pickle, ``(version, token, count)``, then lists of records); None when it holds
        another, or cannot be read."""
        try:
            with open(self.folder / _EXTRA / _RECORDS, "rb") as f:
                head = pickle.load(f)
                if not (isinstance(head, tuple) and len(head) == 3 and head[0] == version
                        and isinstance(head[2], int)):
                    return None
                _, token, count = head
                records: dict[str, DocumentExtraction] = {}
                while len(records) < count:
                    group = pickle.load(f)
                    if not (isinstance(group, list) and group
                            and all(isinstance(r, DocumentExtraction) for r in group)):
                        return None
                    records.update((r.doc_id, r) for r in group)
                return token, records
        except _UNREADABLE:
            return None

    def save_records(self, records: Iterable[DocumentExtraction], version: str = "") -> None:
        """Store the records a build resolved (:func:`kg.resolve.compact`: no evidence sentences), so
        the next build takes those of unchanged files from here with one read instead of parsing and
        compacting each document's extraction again (a pickle: the build folder's own cache, under the
        code's fingerprint, like everything here), with ``version`` (:func:`code_hash` of
        :data:`RECORD_CODE`): a record made by other code is not read back.

        They are written whole to ``records.pickle`` (in pickles of :data:`RECORDS_PER_PICKLE`), except when
        :meth:`read_records` read them there (this ``version``) and at most :data:`RECORD_CHANGES_SHARE` of them
        differ from what it held (another content or path, new, or gone): then only those are written, beside
        it, and ``records.pickle`` is left as it is (at 10,000 documents, writing it whole took 3.6 s of a
        one-document update). The changes name the ``records.pickle`` they go with (a token in it)."""
        records = list(records)
        base = self._records_base
        if base is not None and base[0] == version:
            _, token, held = base
            changed = {r.doc_id: r for r in records if held.get(r.doc_id) != (r.sha256, r.path)}
            gone = held.keys() - {r.doc_id for r in records}
            if len(changed) + len(gone) <= RECORD_CHANGES_SHARE * len(records):
                pack = (version, token, changed, gone)
                write_atomic(self.folder / _EXTRA / _RECORD_CHANGES,
                             lambda f: pickle.dump(pack, f, protocol=pickle.HIGHEST_PROTOCOL))
                return
        token = os.urandom(16).hex()
        whole = list({r.doc_id: r for r in records}.values())

        def write(f) -> None:
            pickle.dump((version, token, len(whole)), f, protocol=pickle.HIGHEST_PROTOCOL)
            for i in range(0, len(whole), RECORDS_PER_PICKLE):
                pickle.dump(whole[i:i + RECORDS_PER_PICKLE], f, protocol=pickle.HIGHEST_PROTOCOL)

        write_atomic(self.folder / _EXTRA / _RECORDS, write)
        (self.folder / _EXTRA / _RECORD_CHANGES).unlink(missing_ok=True)  # another token's: never read again
        self._records_base = (version, token, {r.doc_id: (r.sha256, r.path) for r in records})

    def _unpickle(self, name: str):
        """The object pickled in ``stages/name``, or None when it cannot be read."""
        try:
            with open(self.folder / _EXTRA / name, "rb") as f:
                return pickle.load(f)
        except _UNREADABLE:
            return None

    def remember(self, path: Path | str, doc_id: str, st: os.stat_result, seen_ns: int, sha256: str) -> None:
        """Note that the file ``path`` (``st``, taken at ``seen_ns`` before it was read) holds the
        content ``sha256``. A file modified in the second before it was looked at is not noted (it
        may be written still: the next build reads it again)."""
        if st.st_mtime_ns >= seen_ns - 1_000_000_000 or st.st_ctime_ns >= seen_ns - 1_000_000_000:
            self._file_index().pop(doc_id, None)
            return
        self._file_index()[doc_id] = [*_file_key(path, st), sha256]

    def save_file_index(self, keep: set[str]) -> None:
        """Store the index of files read (those of ``keep``, the documents of this build)."""
        index = self._file_index()
        self.write_json(_FILES, {d: index[d] for d in sorted(index) if d in keep})

    def _file_index(self) -> dict[str, list]:
        if self._files is None:
            stored = self.read_json(_FILES) if self.read else None
            self._files = stored if isinstance(stored, dict) else {}
        return self._files

    def read_json(self, name: str):
        """What :meth:`write_json` stored under ``name`` for this fingerprint, or None."""
        try:
            return json.loads((self.folder / _EXTRA / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_json(self, name: str, data) -> None:
        """Store ``data`` (JSON) beside the extractions, for the next build with the same fingerprint
        (a later stage's own cache: the SHACL results of each document's graph)."""
        write_atomic(self.folder / _EXTRA / f"{name}.json", json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def put(self, ex: DocumentExtraction) -> None:
        self.put_entry(ex.doc_id, ex.sha256, encode(ex))

    def put_entry(self, doc_id: str, sha256: str, entry: bytes) -> None:
        """Store an entry made elsewhere by :func:`encode` (in the worker that extracted the document):
        the same file :meth:`put` writes, without serializing the extraction here."""
        write_atomic(self._file(doc_id, sha256), entry)


def encode(ex: DocumentExtraction) -> bytes:
    """The bytes of ``ex``'s cache entry, exactly what :meth:`ExtractionCache.put` writes (for
    :meth:`ExtractionCache.put_entry`: a worker serializes the extraction, the build only stores it)."""
    return json.dumps(to_json(ex), ensure_ascii=False).encode("utf-8")
