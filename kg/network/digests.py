"""What the page's evidence pass takes from each document's graph, kept between builds.

:func:`kg.network.load_network` reads the provenance of ``graph.trig`` a document's graph at a time
and takes from each a *digest* (its sources, the evidence of its statements and posts: plain data
that does not depend on the rest of the graph). :class:`DigestCache` keeps each digest by the
SHA-256 of its graph's bytes, so that a build whose documents mostly did not change parses only
the graphs that did (``kg build`` passes it to the page, :func:`kg.viz.page_graph`).

It lives beside the build's other caches, ``OUT/.cache/FINGERPRINT/page/VERSION/digests.sqlite``: one
SQLite database (every digest a row, by the graph's SHA-256), not a file a graph: the 10,000 digests of
a 10,000-document update's page took 3.8-4.2 s to read from their files, 2.0 s from the database (when
neither was in the system's file cache; 1.4 s of either is unpickling them). ``VERSION`` is the
:func:`kg.cache.code_hash` of :data:`DIGEST_CODE` and of the ontology folder: other code starts it
afresh. An entry that is missing, unreadable or for another namespace is made again.

Several processes of one build use it at once (the build and its forked copies store digests while
the page's process reads them): :class:`kg.shared_db.SharedDatabase` says how. A digest is only ever
a shortcut: one that is not found (a damaged database is removed and made anew) is made again from the
graph's bytes.

>>> import tempfile
>>> cache = DigestCache(tempfile.mkdtemp(), version="v1")
>>> cache.get("ab" * 32, "https://example.org/id/") is None
True
>>> cache.put("ab" * 32, "https://example.org/id/", {"x": (1, 2)})
>>> cache.get("ab" * 32, "https://example.org/id/"), cache.get("ab" * 32, "https://other.org/id/")
({'x': (1, 2)}, None)
>>> [(sha[:4], minted) for sha, minted, _ in cache.entries()]
[('abab', 'https://example.org/id/')]
"""

from __future__ import annotations

import os
import pickle
import sqlite3
from pathlib import Path
from typing import Iterator

from kg.shared_db import SharedDatabase

__all__ = ["DigestCache", "DIGEST_CODE", "PAGE_CACHE"]

#: The code a digest is made by (:func:`kg.network.load._digest`, the terms and names it reads).
DIGEST_CODE = ("kg/network", "kg/rdf", "kg/ontology")
#: The folder of the digests in a fingerprint's cache folder (``OUT/.cache/FINGERPRINT/``).
PAGE_CACHE = "page"
#: The database in a version's folder.
DATABASE = "digests.sqlite"

_SCHEMA = ("CREATE TABLE IF NOT EXISTS digest "
           "(key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, minted TEXT NOT NULL, data BLOB NOT NULL)")
_GET = "SELECT sha256, minted, data FROM digest WHERE key = ?"
_PUT = "INSERT OR REPLACE INTO digest VALUES (?, ?, ?, ?)"
_ALL = "SELECT sha256, minted, data FROM digest ORDER BY key"


class DigestCache:
    """Digests by the SHA-256 of their graph's bytes, in ``folder/VERSION/digests.sqlite`` (``folder`` is
    ``OUT/.cache/FINGERPRINT/page`` in a build: :meth:`of_build`).

    With ``read=False`` (``kg build --full``) :meth:`get` finds only what :meth:`put` stored since
    the cache was made (``kg build`` stores the digest of each graph it writes, before its page).
    :meth:`prune` removes the digests neither found nor stored since the cache was made (graphs
    gone or changed) and the folders of other versions.
    """

    def __init__(self, folder: str | os.PathLike, version: str = "", read: bool = True) -> None:
        self.folder = Path(folder) / (version or "_")
        self.read = read
        self.hits = 0
        self.misses = 0
        self._used: set[str] = set()
        self._put: set[str] = set()
        self._db = SharedDatabase(self.folder / DATABASE, _SCHEMA)

    @classmethod
    def of_build(cls, cache_folder: str | os.PathLike, ontology: str | None = None, read: bool = True) -> DigestCache:
        """The digests of a build whose cache folder (:attr:`kg.cache.ExtractionCache.folder`) is
        ``cache_folder``, for the present code (:data:`DIGEST_CODE`) and ``ontology``."""
        from kg.cache import code_hash

        return cls(Path(cache_folder) / PAGE_CACHE, code_hash(*DIGEST_CODE, ontology=ontology), read)

    @property
    def path(self) -> Path:
        """The database file."""
        return self._db.path

    @staticmethod
    def _key(sha256: str) -> str:
        return sha256[:32]

    def get(self, sha256: str, minted: str | None):
        """The digest stored for the graph of this SHA-256 read in the namespace ``minted``, or None."""
        found = None
        key = self._key(sha256)
        if (self.read or key in self._put) and self._db.exists():  # (a read makes no database)
            try:
                rows = self._db.rows(_GET, (key,))
                if rows and rows[0][0] == sha256 and rows[0][1] == (minted or ""):
                    found = pickle.loads(rows[0][2])
            except Exception:  # unreadable, cut short, or made by other code: made again
                found = None
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
            self._used.add(key)
        return found

    def put(self, sha256: str, minted: str | None, digest) -> None:
        """Store ``digest``, made from the graph of this SHA-256 in the namespace ``minted``."""
        key = self._key(sha256)
        data = pickle.dumps(digest, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._db.connection().execute(_PUT, (key, sha256, minted or "", data))
        except sqlite3.DatabaseError as e:
            if not self._db.removed_if_damaged(e):
                raise
            return  # (made anew: this digest is not kept, the page parses its graph)
        self._used.add(key)
        self._put.add(key)

    def entries(self) -> Iterator[tuple[str, str | None, object]]:
        """``(SHA-256, minted namespace, digest)`` of every digest held (those that do not unpickle left out)."""
        if not self._db.exists():
            return
        for sha256, minted, data in self._db.rows(_ALL):
            try:
                digest = pickle.loads(data)
            except Exception:
                continue
            yield sha256, minted or None, digest

    def start_share(self) -> None:
        """(:class:`kg.forked.Shared`) In a copy of the build: count only the digests it reads and stores."""
        self.hits, self.misses, self._used, self._put = 0, 0, set(), set()

    def share(self) -> tuple[int, int, set[str], set[str]]:
        return self.hits, self.misses, self._used, self._put

    def merge(self, share: tuple[int, int, set[str], set[str]]) -> None:
        """Count what a copy read and stored (:meth:`get` finds what it stored, :meth:`prune` keeps it)."""
        self.hits += share[0]
        self.misses += share[1]
        self._used |= share[2]
        self._put |= share[3]

    def prune(self) -> int:
        """Remove the digests neither found nor stored since this object was made, and the folders of
        other versions; how many digests."""
        return self._db.keep_only("digest", self._used)
