"""Each document's named graph as a build wrote it, kept for the next build: :class:`GraphCache`.

Its code is part of the graph writer's (:data:`kg.cache.GRAPH_CODE` covers ``kg/rdf``): changing it
starts the kept graphs afresh, never the extractions beside them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from pathlib import Path
from typing import Protocol

from kg.errors import RunFailed
from kg.files import write_atomic

__all__ = ["GraphCache"]


class _CacheFolder(Protocol):
    """Where a build keeps what it reuses (:class:`kg.cache.ExtractionCache`): a folder of one
    fingerprint, and whether it is read (``kg build --full``: not)."""

    folder: Path
    read: bool


_GRAPHS = "graphs"  # the documents' named graphs as written, by key (:class:`GraphCache`)


class GraphCache:
    """Each document's named graph as ``graph.trig`` holds it (bytes), by a key of everything it is
    made from (:func:`kg.rdf.graph.document_key`), so that a rebuild copies the graph of a document
    whose key did not change instead of making its triples and their text again.

    It lives beside the extractions of a fingerprint (``OUT/.cache/FINGERPRINT/graphs/VERSION/``), ``version``
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
        self._since = time.time()

    def _file(self, key: str) -> Path:
        return self.folder / f"{key[:32]}.trig"

    def get(self, key: str) -> tuple[bytes, str, str | None] | None:
        """``(graph, digest, note)`` stored under ``key`` (``digest``: the SHA-256 of ``graph``), or None."""
        if not self.read:
            return None
        try:
            found = self._entry(key)
        except OSError:
            return None
        if found is not None:
            self._used.add(self._file(key).stem)
            self.hits += 1
        return found

    def held(self, key: str) -> bool:
        """Whether :meth:`get` would find a graph under ``key`` (a file of its name is here; not read,
        not counted)."""
        return self.read and self._file(key).exists()

    def empty(self) -> bool:
        """Whether :meth:`get` finds nothing: no graph kept (a first build, other code), or ``--full``."""
        if not self.read:
            return True
        try:
            with os.scandir(self.folder) as entries:
                return not any(e.name.endswith(".trig") for e in entries)
        except OSError:
            return True

    def _entry(self, key: str) -> tuple[bytes, str, str | None] | None:
        """``(graph, digest, note)`` of the file of ``key``; None when its first line is not that of a
        graph stored under ``key`` (``OSError``: no such file, or unreadable)."""
        head, sep, graph = self._file(key).read_bytes().partition(b"\n")
        fields = head.decode("utf-8", "replace").split(" ")
        if not sep or len(fields) != 4 or fields[0] != "#" or fields[1] != key:
            return None
        return graph, fields[2], fields[3] or None

    def put(self, key: str, graph: bytes, note: str | None = None) -> str:
        """Store ``graph`` under ``key`` with ``note`` (no space in it); the graph's SHA-256."""
        digest = hashlib.sha256(graph).hexdigest()
        write_atomic(self._file(key), f"# {key} {digest} {note or ''}\n".encode("utf-8") + graph)
        self._used.add(self._file(key).stem)
        return digest

    def stored(self, key: str, sha256: str) -> bytes:
        """The graph a forked copy of the build just stored under ``key`` (:meth:`put`:
        :meth:`kg.rdf.write.DocumentGraphs.spread`), its SHA-256 ``sha256``; not counted as found (the
        copy counted it). Removed meanwhile (another build's :meth:`prune`), or other bytes:
        :class:`kg.errors.RunFailed`."""
        try:
            found = self._entry(key)
        except OSError as e:
            raise RunFailed(f"{self._file(key)}: a graph this build made is gone from its cache ({e.strerror}); "
                            "build again") from None
        if found is None or found[1] != sha256:
            raise RunFailed(f"{self._file(key)}: a graph this build made was replaced in its cache; build again")
        return found[0]

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
        versions; how many. (Also what a process ended while it stored a graph left, from before.)"""
        removed = 0
        for other in self.folder.parent.iterdir() if self.folder.parent.exists() else []:
            if other.is_dir() and other != self.folder:
                shutil.rmtree(other, ignore_errors=True)
        for f in self.folder.iterdir() if self.folder.exists() else []:
            if f.name.startswith("."):  # (write_atomic's) a graph being written when an earlier build's process ended
                with contextlib.suppress(OSError):
                    if f.stat().st_mtime < self._since:
                        f.unlink()
            elif f.suffix == ".trig" and f.stem not in self._used:
                f.unlink(missing_ok=True)
                removed += 1
        return removed
