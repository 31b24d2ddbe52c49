"""Each document's named graph as a build wrote it, kept for the next build: :class:`GraphCache`.

Its code is part of the graph writer's (:data:`kg.cache.GRAPH_CODE` covers ``kg/rdf``): changing it
starts the kept graphs afresh, never the extractions beside them.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Protocol

from kg.errors import RunFailed
from kg.shared_db import SharedDatabase

__all__ = ["GraphCache"]


class _CacheFolder(Protocol):
    """Where a build keeps what it reuses (:class:`kg.cache.ExtractionCache`): a folder of one
    fingerprint, and whether it is read (``kg build --full``: not)."""

    folder: Path
    read: bool


_GRAPHS = "graphs"  # the documents' named graphs as written, by key (:class:`GraphCache`)
#: The database in a version's folder.
DATABASE = "graphs.sqlite"
_SCHEMA = "CREATE TABLE IF NOT EXISTS graph (key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, note TEXT, data BLOB NOT NULL)"
_GET = "SELECT data, sha256, note FROM graph WHERE key = ?"


class GraphCache:
    """Each document's named graph as ``graph.trig`` holds it (bytes), by a key of everything it is
    made from (:func:`kg.rdf.graph.document_key`), so that a rebuild copies the graph of a document
    whose key did not change instead of making its triples and their text again.

    It lives beside the extractions of a fingerprint, in one SQLite database
    (``OUT/.cache/FINGERPRINT/graphs/VERSION/graphs.sqlite``, :class:`kg.shared_db.SharedDatabase`: the build's
    forked copies store the graphs they make there, and the build reads them back in order), ``version``
    the :func:`kg.cache.code_hash` of :data:`kg.cache.GRAPH_CODE` (the code that makes a graph, and the ontology
    folder, SHACL shapes included): code, ontology or model changes start it afresh. With each graph it keeps a
    ``note`` (the key of its SHACL results). With ``read=False`` (``kg build --full``) :meth:`get` finds nothing
    and :meth:`put` still stores. :meth:`prune` removes the graphs this build neither found nor stored
    (documents gone or changed): it holds one graph per document of the last build. Each graph's SHA-256 is kept
    with it: the store's manifest lists the graphs it holds by it (:func:`kg.store.update_store`).
    """

    def __init__(self, cache: _CacheFolder, version: str = "") -> None:
        self.folder = cache.folder / _GRAPHS / (version or "_")
        self.read = cache.read
        self.hits = 0
        self._used: set[str] = set()
        self._db = SharedDatabase(self.folder / DATABASE, _SCHEMA)

    def _rows(self, sql: str, args: tuple = (), fail: bool = False) -> list[tuple]:
        """The rows of a query; none where there is no database yet (none is made) or a damaged one
        (removed: the next use makes it anew; with ``fail``, :class:`kg.errors.RunFailed` says so)."""
        if not self._db.exists():
            return []
        try:
            return self._db.rows(sql, args)
        except sqlite3.DatabaseError as e:
            if not self._db.removed_if_damaged(e):
                raise
            if fail:
                raise self._damaged(e) from None
            return []

    def _damaged(self, e: BaseException) -> RunFailed:
        return RunFailed(f"{self._db.path}: the cache of the documents' graphs was damaged ({e}); it is removed: "
                         "build again")

    def _entry(self, key: str, fail: bool = False) -> tuple[bytes, str, str | None] | None:
        """``(graph, digest, note)`` stored under ``key``, or None."""
        rows = self._rows(_GET, (key,), fail)
        return (rows[0][0], rows[0][1], rows[0][2] or None) if rows else None

    def get(self, key: str) -> tuple[bytes, str, str | None] | None:
        """``(graph, digest, note)`` stored under ``key`` (``digest``: the SHA-256 of ``graph``), or None."""
        if not self.read:
            return None
        found = self._entry(key)
        if found is not None:
            self._used.add(key)
            self.hits += 1
        return found

    def held(self, key: str) -> bool:
        """Whether :meth:`get` would find a graph under ``key`` (not read, not counted)."""
        return self.read and bool(self._rows("SELECT 1 FROM graph WHERE key = ?", (key,)))

    def empty(self) -> bool:
        """Whether :meth:`get` finds nothing: no graph kept (a first build, other code), or ``--full``."""
        return not (self.read and self._rows("SELECT 1 FROM graph LIMIT 1"))

    def put(self, key: str, graph: bytes, note: str | None = None) -> str:
        """Store ``graph`` under ``key`` with ``note``; the graph's SHA-256. (A damaged database is removed and
        :class:`kg.errors.RunFailed` raised: the graphs the build's copies made reach it through it.)"""
        digest = hashlib.sha256(graph).hexdigest()
        try:
            self._db.connection().execute("INSERT OR REPLACE INTO graph VALUES (?, ?, ?, ?)", (key, digest, note, graph))
        except sqlite3.DatabaseError as e:
            if not self._db.removed_if_damaged(e):
                raise
            raise self._damaged(e) from None
        self._used.add(key)
        return digest

    def stored(self, key: str, sha256: str) -> bytes:
        """The graph a forked copy of the build just stored under ``key`` (:meth:`put`:
        :meth:`kg.rdf.write.DocumentGraphs.spread`), its SHA-256 ``sha256``; not counted as found (the
        copy counted it). Removed meanwhile (another build's :meth:`prune`), or other bytes:
        :class:`kg.errors.RunFailed`."""
        found = self._entry(key, fail=True)
        if found is None:
            raise RunFailed(f"{self._db.path}: a graph this build made is gone from its cache; build again")
        if found[1] != sha256:
            raise RunFailed(f"{self._db.path}: a graph this build made was replaced in its cache; build again")
        return found[0]

    def entries(self) -> dict[str, tuple[bytes, str, str | None]]:
        """Every graph held: ``key -> (graph, digest, note)``."""
        return {key: (data, sha256, note or None)
                for key, data, sha256, note in self._rows("SELECT key, data, sha256, note FROM graph")}

    def start_share(self) -> None:
        """(:class:`kg.forked.Shared`) In a copy of the build: count only the graphs it finds and stores."""
        self.hits, self._used = 0, set()

    def share(self) -> tuple[int, set[str]]:
        return self.hits, self._used

    def merge(self, share: tuple[int, set[str]]) -> None:
        """Count what a copy found and stored (:meth:`prune` keeps those graphs)."""
        self.hits += share[0]
        self._used |= share[1]

    def prune(self) -> int:
        """Remove the graphs neither found nor stored since this object was made, and those of other
        versions; how many."""
        return self._db.keep_only("graph", self._used)
