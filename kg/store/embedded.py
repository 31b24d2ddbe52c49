"""The embedded graph store: ``OUT/graph.trig`` (or ``OUT/graph.ttl``) bulk-loaded into ``OUT/store/``.

The store is an on-disk `Oxigraph <https://github.com/oxigraph/oxigraph>`_ database (``pyoxigraph``).
It is a cache of the graph file, never edited by hand:

- :func:`load_store` (re)builds it with Oxigraph's bulk loader into a temporary folder beside it and
  renames that into place, so an interrupted load never leaves a half store behind. It records the
  SHA-256 of the graph file in ``OUT/store/kg-store.json`` and rebuilds only when the graph changed
  (an identical rewrite, as a deterministic ``kg build`` does, costs one hash, not a reload). A lock
  file keeps two processes from building at once.
- :func:`update_store` makes the store of a new build from the last one (``kg build`` after a
  change): a RocksDB checkpoint of it (hard links), the named graphs that changed replaced and the
  default graph brought to the new ``graph.ttl``, when its manifest lists the graphs it holds (by
  the SHA-256 of their bytes in ``graph.trig``) and at most :data:`UPDATE_SHARE` of them changed.
  Whatever is made, the store holds the quads a load of the same files gives.
- :func:`open_store` opens it (read-only by default) with pyoxigraph; :func:`open_rdflib` gives the same
  store through rdflib's API (``oxrdflib``), as an :class:`rdflib.Dataset`.

What a query sees
    The **default graph holds every fact once**: the merged facts of all documents, the same
    triples as ``graph.ttl`` (entities, labels, dates, relations, posts, the ontology's axioms).
    ``graph.trig``'s **named graphs** are kept as they are, one per source document, with the
    provenance: each relation as an ``rdf:Statement`` with its document, sentence, offsets, extractor
    and confidence, each post's ``prov:qualifiedDerivation``, each entity's ``prov:wasDerivedFrom``.
    So ``SELECT ?e ?l WHERE { ?e a kg:Event ; rdfs:label ?l }`` gives each event once, however many
    documents name it, and provenance is asked for with ``GRAPH ?doc { … }``.

    The default graph holds every triple of every graph, each once, except provenance (triples
    about nodes of a type in :data:`PROVENANCE_TYPES` and triples with a predicate in
    :data:`PROVENANCE_PREDICATES`). A test checks that this is exactly ``graph.ttl`` for a graph
    written by :mod:`kg.rdf`, so ``kg build``, which writes both files in its staging folder, loads
    its ``graph.ttl`` as the default graph (``load_store(..., facts=)``); otherwise the store merges
    the named graphs itself from ``graph.trig`` alone. Either way the store is the cache of one
    ``graph.trig`` (a query during a build sees the old graph or the new one, never a mix). A folder
    with only ``graph.ttl`` is loaded into the default graph as it is.

``OUT/store/`` is also a plain Oxigraph database: ``oxigraph serve-read-only --location OUT/store``
serves it over HTTP (SPARQL protocol) with no copy.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import queue
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox

from kg.errors import RunFailed
from kg.files import umask, write_atomic
from kg.ontology.namespaces import KG_NAMESPACE, PROV, RDF
from kg.rdf.files import GraphError, GraphNotFoundError, graph_file, prefix_lines, unreadable
from kg.rdf.write import LINE_FORMAT

__all__ = ["STORE_DIR", "MANIFEST", "StoreError", "StoreUnavailable", "store_path", "read_manifest",
           "store_is_current", "store_lock", "load_store", "StreamedLoad", "update_store", "UPDATE_SHARE", "replace_store", "graph_is_loaded", "open_store",
           "open_rdflib", "PROVENANCE_TYPES", "PROVENANCE_PREDICATES"]

STORE_DIR = "store"
MANIFEST = "kg-store.json"
LOCK_FILE = ".store.lock"
_TMP_PREFIX = ".store-tmp-"
_OLD_PREFIX = ".store-old-"
_MANIFEST_VERSION = 2  # 2: the default graph holds the merged facts (1: none; queries used the union)

#: Nodes that are provenance, not facts: reified relations, qualified derivations of posts, source files.
PROVENANCE_TYPES = (RDF + "Statement", PROV + "Derivation", KG_NAMESPACE + "SourceFile")
#: Predicates that are provenance on a fact's own node (an entity's or a post's document).
PROVENANCE_PREDICATES = (PROV + "wasDerivedFrom", PROV + "qualifiedDerivation")


class StoreError(GraphError):
    """The store could not be built or opened (a graph file missing or unreadable, an unreadable folder)."""


class StoreUnavailable(RunFailed, StoreError):
    """The store cannot be opened, or its graph file changed while it was loaded."""


def store_path(out_dir: str | os.PathLike) -> Path:
    return Path(out_dir) / STORE_DIR


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(out_dir: str | os.PathLike) -> dict | None:
    """What the store was built from (``source``, ``sha256``, ``size``, ``mtime_ns``, ``quads``…), or None."""
    try:
        data = json.loads((store_path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == _MANIFEST_VERSION else None


def _write_manifest(folder: Path, manifest: dict) -> None:
    write_atomic(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))


def store_is_current(out_dir: str | os.PathLike) -> bool:
    """True if ``OUT/store`` was built from the present graph file (same name and SHA-256).

    The hash is computed only when the file's size or modification time differ from the manifest's.
    """
    src = graph_file(out_dir)
    m = read_manifest(out_dir)
    if m is None or m.get("source") != src.name:
        return False
    st = src.stat()
    if m.get("size") == st.st_size and m.get("mtime_ns") == st.st_mtime_ns:
        return True
    if m.get("size") != st.st_size:
        return False
    if _sha256(src) != m.get("sha256"):
        return False
    # Same content rewritten (a deterministic rebuild): remember the new mtime, keep the store.
    m["mtime_ns"] = st.st_mtime_ns
    with contextlib.suppress(OSError):
        _write_manifest(store_path(out_dir), m)
    return True


@contextlib.contextmanager
def store_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``OUT`` (a lock file) while the store is built or written."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no cross-process lock
        yield
        return
    with open(out / LOCK_FILE, "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def load_store(out_dir: str | os.PathLike = "out", *, force: bool = False,
               facts: str | os.PathLike | None = None, graphs: dict[str, list] | None = None,
               stop: threading.Event | None = None) -> Path:
    """Make ``OUT/store/`` hold exactly the graph file's quads; return its path.

    Does nothing if the store is current (see :func:`store_is_current`) unless ``force``.
    ``facts`` is a Turtle file known to hold exactly the default graph's facts of ``OUT/graph.trig``
    (the ``graph.ttl`` that :func:`kg.rdf.write.write_graph_files` writes beside it, as ``kg build``
    passes it): it is loaded as the default graph instead of merging the named graphs in the store
    (:func:`_merge_facts`; the same triples, a fraction of the time). Without it, the TriG alone
    makes the store. ``graphs`` is the index of ``graph.trig`` that
    :func:`kg.rdf.write.write_graph_files` gives (each named graph's SHA-256 and place): kept in the
    manifest with the hash of ``facts``, so that the next build can update this store
    (:func:`update_store`).
    Raises :class:`GraphNotFoundError` if there is no graph file and :class:`StoreError` if it
    does not parse (the message names the file, line and column). When ``stop`` is set (by another
    thread) the load ends after the piece it is loading and raises :class:`StoreUnavailable`,
    leaving nothing behind.
    """
    out = Path(out_dir)
    src = graph_file(out)
    dest = store_path(out)
    with store_lock(out):
        if not force and store_is_current(out):
            return dest
        for stale in out.glob(_TMP_PREFIX + "*"):  # left by an interrupted load: we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        for stale in out.glob(_OLD_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        st = src.stat()
        digest = _sha256(src)
        index = _index(graphs, Path(facts)) if graphs is not None and facts is not None else {}
        tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=out))
        os.chmod(tmp, 0o777 & ~umask())
        try:
            started = time.perf_counter()
            quads, facts = _bulk_load(tmp, src, None if facts is None else Path(facts), stop)
            if src.stat().st_mtime_ns != st.st_mtime_ns or _sha256(src) != digest:
                raise StoreUnavailable(f"{src}: the graph file changed while it was being loaded; run again")
            _write_manifest(tmp, _load_manifest(src, st, digest, (quads, facts), started, index))
            replace_store(out, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return dest


def _index(graphs: dict[str, list], facts: Path) -> dict:
    """What a store's manifest keeps for :func:`update_store`: the graphs' hashes and the facts file's."""
    return {"graphs": {n: e[0] for n, e in graphs.items()}, "facts_sha256": _sha256(facts)}


def _load_manifest(src: Path, st: os.stat_result, digest: str, counts: tuple[int, int], started: float,
                   index: dict) -> dict:
    """The manifest of a store loaded from ``src`` (``st``, SHA-256 ``digest``): ``counts`` is
    :func:`_counts` of it, ``started`` the :func:`time.perf_counter` its load began at."""
    quads, facts = counts
    return {"version": _MANIFEST_VERSION, "source": src.name, "sha256": digest, "size": st.st_size,
            "mtime_ns": st.st_mtime_ns, "quads": quads, "default_graph_triples": facts,
            "load_seconds": round(time.perf_counter() - started, 3), "pyoxigraph": getattr(ox, "__version__", "?"),
            **index}


def _counts(store: ox.Store) -> tuple[int, int]:
    """(quads in all, triples in the default graph) of a store."""
    return len(store), int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value)


def _locate(path: Path, fmt: ox.RdfFormat) -> None:
    """Raise :func:`kg.rdf.files.unreadable` for the first error of the graph file ``path``, where it
    is in the file (a piece of it that failed to load names its line in the piece)."""
    try:
        for _ in ox.parse(path=str(path), format=fmt):
            pass
    except SyntaxError as e:
        raise unreadable(path, e) from None


class StreamedLoad:
    """The store of ``OUT/graph.trig`` loaded while a build writes the file: :func:`load_store` with
    ``facts``, the TriG given a piece at a time as it is written instead of read once it is complete.

    ``facts`` (``OUT/graph.ttl``, written first) is loaded at once, in a thread; then each
    :meth:`write` (the bytes written to ``graph.trig``, in order: its header, then each graph's bytes
    whole, as :func:`kg.rdf.write.write_graph_files` gives them to its ``tee``) is gathered into pieces
    of about :data:`CHUNK_BYTES` that the thread bulk-loads (Oxigraph's loader lets go of the
    interpreter's lock: the load takes a second core while the graphs are made). At most two pieces
    wait, so memory does not grow with the file. :meth:`finish`, once the file is complete, gives what
    :func:`load_store` gives: the same quads, the same manifest, the store renamed into ``OUT/store``.
    :meth:`cancel` (or ``stop`` set by another thread) ends the load and removes what it made. The
    store is made in a temporary folder of ``OUT``: nothing is in place until :meth:`finish`.
    """

    def __init__(self, out_dir: str | os.PathLike, facts: str | os.PathLike,
                 stop: threading.Event | None = None) -> None:
        self.out, self.facts = Path(out_dir), Path(facts)
        self.stop = stop if stop is not None else threading.Event()  # set elsewhere: the load ends
        self._cancelled = threading.Event()  # this load's own end (the build's ``stop`` is not set by it)
        self._pieces: queue.Queue = queue.Queue(maxsize=2)
        self._head: bytes | None = None
        self._part: list[bytes] = []
        self._size = 0
        self._error: BaseException | None = None
        self._counts: tuple[int, int] | None = None
        self._started = time.perf_counter()
        self._tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=self.out))
        os.chmod(self._tmp, 0o777 & ~umask())
        self._thread = threading.Thread(target=self._load, name="kg-store-load", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        """The next bytes written to ``graph.trig``: its header (prefixes), then graphs, each whole."""
        if self._head is None:
            self._head = data + b"\n"
            return
        self._part.append(data)
        self._size += len(data)
        if self._size >= CHUNK_BYTES:
            self._send()

    def _send(self) -> None:
        if self._part and self._error is None and not self._stopped():
            self._pieces.put(self._head + b"".join(self._part))
        self._part, self._size = [], 0

    def _load(self) -> None:
        store = None
        ended = False  # the end of the pieces taken
        try:
            store = ox.Store(str(self._tmp))
            for piece in _cut(self.facts, at=None):
                self._go_on()
                store.bulk_load(input=piece, format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
            while (piece := self._pieces.get()) is not None:
                self._go_on()
                store.bulk_load(input=piece, format=ox.RdfFormat.TRIG)
            ended = True
            store.flush()
            self._counts = _counts(store)
        except BaseException as e:  # handed to finish(); what is still sent is taken and dropped
            self._error = e
            while not ended and self._pieces.get() is not None:
                pass
        finally:
            del store  # closes the database (no cycle holds it)

    def _stopped(self) -> bool:
        return self.stop.is_set() or self._cancelled.is_set()

    def _go_on(self) -> None:
        if self._stopped():
            raise StoreUnavailable(f"{self.out / 'graph.trig'}: loading the store was stopped")

    def _end(self) -> None:
        """Send what is left and the end, and wait for the thread."""
        if self._thread.is_alive():
            self._send()
            self._pieces.put(None)
            self._thread.join()

    def finish(self, graphs: dict[str, list] | None = None) -> Path:
        """The store of ``OUT/graph.trig`` (now written whole) put in place, with ``graphs`` (the index
        :func:`kg.rdf.write.write_graph_files` gives) in its manifest, as :func:`load_store` puts it."""
        try:
            self._end()
            src = self.out / "graph.trig"
            if isinstance(self._error, SyntaxError):  # where in the file, not in the piece
                _locate(self.facts, ox.RdfFormat.TURTLE)
                _locate(src, ox.RdfFormat.TRIG)
            if self._error is not None:
                raise self._error
            self._go_on()
            index = _index(graphs, self.facts) if graphs is not None else {}
            with store_lock(self.out):
                _write_manifest(self._tmp, _load_manifest(src, src.stat(), _sha256(src), self._counts, self._started,
                                                          index))
                return replace_store(self.out, self._tmp)
        except BaseException:
            self.cancel()
            raise

    def cancel(self) -> None:
        """End the load (after the piece it is loading) and remove what it made."""
        self._cancelled.set()
        self._end()
        shutil.rmtree(self._tmp, ignore_errors=True)


#: The share of the documents' graphs above which :func:`update_store` leaves the work to a full load.
UPDATE_SHARE = 0.5


def update_store(out_dir: str | os.PathLike, new_dir: str | os.PathLike, graphs: dict[str, list],
                 facts: str | os.PathLike) -> bool:
    """Make ``NEW/store`` for ``NEW/graph.trig`` and ``NEW/graph.ttl`` from the store of ``OUT`` by
    applying the difference, instead of loading every quad again; False (and nothing made) when
    ``OUT/store`` cannot be the base, so the caller loads one (:func:`load_store`).

    ``graphs`` is the index :func:`kg.rdf.write.write_graph_files` gives of ``NEW/graph.trig``:
    each named graph's key (equal keys, the same bytes) and where its bytes are in the file. The
    store of ``OUT`` is the base when its manifest has the same index of the graph file it holds,
    that file is ``OUT/graph.trig`` as it is now (:func:`store_is_current`), ``OUT/graph.ttl`` is
    the default graph it holds (its hash), and at most :data:`UPDATE_SHARE` of the graphs changed
    (beyond that one bulk load costs less than removing and adding).

    The base is copied with :meth:`pyoxigraph.Store.backup` (a RocksDB checkpoint: its immutable
    files hard-linked on the same file system, opened read-only, so ``kg serve`` may read it
    meanwhile); in the copy the graphs gone or changed are removed, the new and changed ones
    bulk-loaded from their bytes in ``NEW/graph.trig``, and the default graph brought to
    ``NEW/graph.ttl`` by the difference of the two files' sorted lines (one triple a line). The
    result holds the quads a load of ``NEW`` would (a test checks it), with the same manifest.
    The caller holds :func:`store_lock` on ``OUT``.
    """
    out, new = Path(out_dir), Path(new_dir)
    m = read_manifest(out)
    old_graphs = m.get("graphs") if m else None
    old_facts = out / "graph.ttl"
    try:
        if (not isinstance(old_graphs, dict) or m.get("source") != "graph.trig" or not m.get("facts_sha256")
                or graph_file(out) != out / "graph.trig" or not store_is_current(out)
                or _sha256(old_facts) != m["facts_sha256"]):
            return False
    except (GraphNotFoundError, OSError):
        return False
    src = new / "graph.trig"
    changed = [name for name, entry in graphs.items() if old_graphs.get(name) != entry[0]]
    gone = [name for name in old_graphs if name not in graphs]
    if len(changed) + len(gone) > UPDATE_SHARE * max(len(graphs), 1):
        return False
    st = src.stat()
    digest = _sha256(src)
    tmp = new / f"{_TMP_PREFIX}{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.perf_counter()
    try:
        base = ox.Store.read_only(str(store_path(out)))
        try:
            base.backup(str(tmp))
        finally:
            del base
        store = ox.Store(str(tmp))
        try:
            quads = m["quads"]
            for name in gone + [n for n in changed if n in old_graphs]:
                node = ox.NamedNode(name)
                quads -= sum(1 for _ in store.quads_for_pattern(None, None, None, node))
                store.remove_graph(node)
            with src.open("rb") as f:
                head = prefix_lines(f)
                part: list[bytes] = []
                size = 0
                for name in changed:
                    _, offset, length = graphs[name]
                    f.seek(offset)
                    part.append(f.read(length))
                    size += length
                    if size >= CHUNK_BYTES:
                        store.bulk_load(input=head + b"".join(part), format=ox.RdfFormat.TRIG)
                        part, size = [], 0
                if part:
                    store.bulk_load(input=head + b"".join(part), format=ox.RdfFormat.TRIG)
            for name in changed:
                quads += sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(name)))
            removed, added = _line_difference(old_facts, Path(facts))
            default = ox.DefaultGraph()
            triples = m["default_graph_triples"]
            for t in removed:
                q = ox.Quad(t.subject, t.predicate, t.object, default)
                if q in store:
                    store.remove(q)
                    triples -= 1
            new_quads = []
            for t in added:
                q = ox.Quad(t.subject, t.predicate, t.object, default)
                if q not in store:
                    new_quads.append(q)
            store.extend(new_quads)
            triples += len(new_quads)
            quads += triples - m["default_graph_triples"]
            store.flush()
        finally:
            del store  # closes the database (no cycle holds it: no gc.collect, which costs a pass over the build's objects)
        if src.stat().st_mtime_ns != st.st_mtime_ns:
            raise StoreUnavailable(f"{src}: the graph file changed while the store was updated; run again")
        _write_manifest(tmp, {**_load_manifest(src, st, digest, (quads, triples), started, _index(graphs, Path(facts))),
                              "updated": len(changed) + len(gone)})
        dest = store_path(new)
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return True


def _line_difference(old: Path, new: Path) -> tuple[Iterator, Iterator]:
    """The triples of the Turtle file ``old`` not in ``new`` and those of ``new`` not in ``old``, both
    written by :func:`kg.rdf.write.facts_bytes` (prefixes, a blank line, one triple a line, sorted):
    a merge of the sorted lines, each side parsed with its own prefixes."""
    with old.open("rb") as a, new.open("rb") as b:
        head_a, head_b = prefix_lines(a), prefix_lines(b)
        gone, came = [], []
        # (compared without their line breaks: the lines were sorted as text, and UTF-8 keeps that order)
        x, y = a.readline(), b.readline()
        while x or y:
            if x and (not y or x.rstrip(b"\n") < y.rstrip(b"\n")):
                gone.append(x)
                x = a.readline()
            elif y and (not x or y.rstrip(b"\n") < x.rstrip(b"\n")):
                came.append(y)
                y = b.readline()
            else:
                x, y = a.readline(), b.readline()
    def parse(head, lines):
        return ox.parse(input=head + b"".join(lines), format=ox.RdfFormat.TURTLE) if lines else iter(())
    return parse(head_a, gone), parse(head_b, came)


def replace_store(out_dir: str | os.PathLike, new: str | os.PathLike) -> Path:
    """Put the store folder ``new`` (loaded on the same file system) in place of ``OUT/store``.

    The caller holds :func:`store_lock` on ``OUT``. The old store is renamed aside, then removed.
    """
    out = Path(out_dir)
    dest = store_path(out)
    old = None
    if dest.exists():
        old = out / f"{_OLD_PREFIX}{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(dest, old)
    os.replace(new, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return dest


def graph_is_loaded(out_dir: str | os.PathLike, graph: str | os.PathLike) -> bool:
    """True if ``OUT/<name of graph>`` is OUT's graph file, holds the same bytes as ``graph``, and
    ``OUT/store`` is current for it (so a rebuild that writes the same graph keeps file and store).

    The caller holds :func:`store_lock` on ``OUT``.
    """
    out, graph = Path(out_dir), Path(graph)
    try:
        if graph_file(out) != out / graph.name or not store_is_current(out):
            return False
        m = read_manifest(out)
        return m is not None and m.get("size") == graph.stat().st_size and m.get("sha256") == _sha256(graph)
    except (GraphNotFoundError, OSError):
        return False


#: Bytes of a graph file bulk-loaded at once when it can be cut between graphs. The loader's memory
#: grows with what it is given; smaller pieces leave more overlapping files on disk. Loaded alone
#: (bench/corpus_scale.py's TriG): 1,000 documents (52 MB), 8 MB pieces 10.0 CPU-s, 183 MB peak,
#: 170 MB on disk, 16 MB pieces 8.1-8.6 CPU-s, 288 MB, 117-134 MB; 10,000 documents (527 MB), 8 MB
#: 109-115 CPU-s, 205 MB, 1.78 GB, 16 MB 122-125 CPU-s, 356-369 MB, 1.72 GB, 4 MB 126-136 CPU-s,
#: 150 MB. A build loads while it writes the graphs, holding the corpus' records and resolution:
#: the loader's memory is on top of its peak.
CHUNK_BYTES = 8_000_000


def _chunks(src: Path) -> Iterator[bytes] | None:
    """``src`` (TriG written by :mod:`kg.rdf.write`) in pieces of about :data:`CHUNK_BYTES`, each
    whole graphs after the file's prefixes; None for any other file."""
    with src.open("rb") as f:
        if f.readline() != LINE_FORMAT.encode("utf-8"):
            return None
    return _cut(src)


def _cut(src: Path, at: bytes | None = b"}\n") -> Iterator[bytes]:
    """``src`` in pieces of about :data:`CHUNK_BYTES`, each the file's prefixes and then lines up to one
    equal to ``at`` (the end of a graph in TriG), or up to any line with ``at=None`` (a file of one
    triple a line: the ``graph.ttl`` of :func:`kg.rdf.write.facts_bytes`)."""
    with src.open("rb") as f:
        prefix = prefix_lines(f)
        part: list[bytes] = []
        size = 0
        for line in f:
            part.append(line)
            size += len(line)
            if size >= CHUNK_BYTES and (at is None or line == at):
                yield prefix + b"".join(part)
                part, size = [], 0
        if part:
            yield prefix + b"".join(part)


def _bulk_load(folder: Path, src: Path, facts: Path | None = None,
               stop: threading.Event | None = None) -> tuple[int, int]:
    """Load ``src`` into a new store in ``folder``, and ``facts`` (Turtle) into its default graph when
    given (else the named graphs' facts merged); (quads in all, triples in the default graph).
    Raises :class:`StoreUnavailable` between two pieces once ``stop`` is set."""
    fmt = ox.RdfFormat.TRIG if src.suffix == ".trig" else ox.RdfFormat.TURTLE
    store = ox.Store(str(folder))

    def go_on() -> None:
        if stop is not None and stop.is_set():
            raise StoreUnavailable(f"{src}: loading the store was stopped")

    def load(path: Path, pieces: Iterator[bytes], fmt: ox.RdfFormat, **graph) -> None:
        try:
            for piece in pieces:
                go_on()
                store.bulk_load(input=piece, format=fmt, **graph)
        except SyntaxError:  # where in the file, not in the piece
            _locate(path, fmt)
            raise

    try:
        if fmt == ox.RdfFormat.TRIG and facts is not None:
            # first, into the empty store: loaded after the pieces, RocksDB merges it into all their
            # files (10,000 documents: the facts 4.4 CPU-s first, 10.6 last; the whole load 105
            # against 122 CPU-s, its peak 583 against 654 MB); in pieces too, one triple a line
            # (the load's peak, 10,000 documents: 583 MB with the facts at once, 374 MB in pieces)
            load(facts, _cut(facts, at=None), ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
        chunks = _chunks(src) if fmt == ox.RdfFormat.TRIG else None
        if chunks is None:
            store.bulk_load(path=str(src), format=fmt)
        else:
            load(src, chunks, fmt)
        go_on()
        if fmt == ox.RdfFormat.TRIG and facts is None:
            _merge_facts(store)
        store.flush()
        quads, facts = _counts(store)
    except SyntaxError as e:
        raise unreadable(src, e) from None
    finally:
        del store  # closes the database before the folder is renamed
        gc.collect()
    return quads, facts


def _merge_facts(store: ox.Store) -> None:
    """Put every fact of the named graphs once into the default graph (provenance stays where it is).

    MINUS against the (few) provenance nodes is a hash anti-join: about 2 s for a 1M-quad TriG here,
    where a per-triple ``FILTER NOT EXISTS`` took 8 s.
    """
    types = " ".join(f"<{t}>" for t in PROVENANCE_TYPES)
    predicates = ", ".join(f"<{p}>" for p in PROVENANCE_PREDICATES)
    facts = store.query(f"""
        CONSTRUCT {{ ?s ?p ?o }} WHERE {{
          GRAPH ?g {{ ?s ?p ?o }}
          FILTER(?p NOT IN ({predicates}))
          MINUS {{ GRAPH ?h {{ ?s a ?type }} VALUES ?type {{ {types} }} }}
        }}""")
    default = ox.DefaultGraph()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, default) for t in facts)


def open_store(out_dir: str | os.PathLike = "out", *, read_only: bool = True, refresh: bool = True) -> ox.Store:
    """Open ``OUT/store`` with pyoxigraph (read-only by default), (re)building it first if ``refresh``.

    Its default graph holds each fact once; the named graphs hold each document's facts with their
    provenance (see the module doc). Close it by dropping the last reference (``del store``).
    """
    path = load_store(out_dir) if refresh else store_path(out_dir)
    if not (path / MANIFEST).is_file():
        raise StoreError(f"{path}: no store here (run kg.store.load_store or `kg query` once)")
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as e:
        raise StoreUnavailable(f"{path}: cannot open the store: {e}") from None


def open_rdflib(out_dir: str | os.PathLike = "out", *, read_only: bool = True, refresh: bool = True):
    """The store through rdflib's API: an :class:`rdflib.Dataset` backed by Oxigraph (``oxrdflib``).

    Its default graph holds every fact once, so ``ds.query(...)`` sees each fact once; provenance is
    in the named graphs (``GRAPH ?doc { … }``)::

        ds = open_rdflib("out")
        for row in ds.query("SELECT ?l WHERE { ?x a kg:Event ; rdfs:label ?l }", initNs={"kg": KG}):
            ...
    """
    from oxrdflib import OxigraphStore
    from rdflib import Dataset

    class _Dataset(Dataset):
        # rdflib 7.6's Dataset.query reads its own deprecated ``default_context`` when the default
        # graph is not the union, which warns on every query: the same attribute, without the warning.
        @property
        def default_context(self):
            return self._default_context

        @default_context.setter
        def default_context(self, value):
            self._default_context = value

    store = OxigraphStore(store=open_store(out_dir, read_only=read_only, refresh=refresh))
    return _Dataset(store=store, default_union=False)
