"""What the page's evidence pass takes from each document's graph, kept between builds.

:func:`kg.network.load_network` reads the provenance of ``graph.trig`` a document's graph at a time
and takes from each a *digest* (its sources, the evidence of its statements and posts: plain data
that does not depend on the rest of the graph). :class:`DigestCache` keeps each digest by the
SHA-256 of its graph's bytes, so that a build whose documents mostly did not change parses only
the graphs that did (``kg build`` passes it to the page, :func:`kg.viz.page_graph`).

It lives beside the build's other caches, ``OUT/.cache/FINGERPRINT/page/VERSION/``, one pickle a
graph (the build folder's own cache, as ``records.pickle`` is), ``VERSION`` the
:func:`kg.cache.code_hash` of :data:`DIGEST_CODE` and of the ontology folder: other code starts it
afresh. An entry that is missing, unreadable or for another namespace is made again.

>>> import tempfile
>>> cache = DigestCache(tempfile.mkdtemp(), version="v1")
>>> cache.get("ab" * 32, "https://example.org/id/") is None
True
>>> cache.put("ab" * 32, "https://example.org/id/", {"x": (1, 2)})
>>> cache.get("ab" * 32, "https://example.org/id/"), cache.get("ab" * 32, "https://other.org/id/")
({'x': (1, 2)}, None)
"""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

from kg.files import write_atomic

__all__ = ["DigestCache", "DIGEST_CODE", "PAGE_CACHE"]

#: The code a digest is made by (:func:`kg.network.load._digest`, the terms and names it reads).
DIGEST_CODE = ("kg/network", "kg/rdf", "kg/ontology")
#: The folder of the digests in a fingerprint's cache folder (``OUT/.cache/FINGERPRINT/``).
PAGE_CACHE = "page"


class DigestCache:
    """Digests by the SHA-256 of their graph's bytes, in ``folder/VERSION/`` (``folder`` is
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

    @classmethod
    def of_build(cls, cache_folder: str | os.PathLike, ontology: str | None = None, read: bool = True) -> DigestCache:
        """The digests of a build whose cache folder (:attr:`kg.cache.ExtractionCache.folder`) is
        ``cache_folder``, for the present code (:data:`DIGEST_CODE`) and ``ontology``."""
        from kg.cache import code_hash

        return cls(Path(cache_folder) / PAGE_CACHE, code_hash(*DIGEST_CODE, ontology=ontology), read)

    def _file(self, sha256: str) -> Path:
        return self.folder / f"{sha256[:32]}.pickle"

    def get(self, sha256: str, minted: str | None):
        """The digest stored for the graph of this SHA-256 read in the namespace ``minted``, or None."""
        found = None
        if self.read or self._file(sha256).name in self._put:
            try:
                with open(self._file(sha256), "rb") as f:
                    entry = pickle.load(f)
                if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == sha256 and entry[1] == minted:
                    found = entry[2]
            except Exception:  # missing, cut short, or made by other code: made again
                found = None
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
            self._used.add(self._file(sha256).name)
        return found

    def put(self, sha256: str, minted: str | None, digest) -> None:
        """Store ``digest``, made from the graph of this SHA-256 in the namespace ``minted``."""
        entry = (sha256, minted, digest)
        write_atomic(self._file(sha256), lambda f: pickle.dump(entry, f, protocol=pickle.HIGHEST_PROTOCOL))
        self._used.add(self._file(sha256).name)
        self._put.add(self._file(sha256).name)

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
        for other in self.folder.parent.iterdir() if self.folder.parent.exists() else []:
            if other.is_dir() and other != self.folder:
                shutil.rmtree(other, ignore_errors=True)
        removed = 0
        for f in self.folder.iterdir() if self.folder.exists() else []:
            if f.name not in self._used:
                f.unlink(missing_ok=True)
                removed += 1
        return removed
