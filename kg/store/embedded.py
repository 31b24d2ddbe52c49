"""The embedded graph store: ``OUT/graph.trig`` (or ``OUT/graph.ttl``) bulk-loaded into ``OUT/store/``.

The store is an on-disk `Oxigraph <https://github.com/oxigraph/oxigraph>`_ database (``pyoxigraph``).
It is a cache of the graph file, never edited by hand:

- :func:`load_store` (re)builds it with Oxigraph's bulk loader into a temporary folder beside it and
  renames that into place, so an interrupted load never leaves a half store behind. It records the
  SHA-256 of the graph file in ``OUT/store/kg-store.json`` and rebuilds only when the graph changed
  (an identical rewrite, as a deterministic ``kg build`` does, costs one hash, not a reload). A lock
  file keeps two processes from building at once.
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
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox

from kg.errors import RunFailed
from kg.files import umask, write_atomic
from kg.ontology.namespaces import KG_NAMESPACE, PROV, RDF
from kg.rdf.files import GraphError, GraphNotFoundError, graph_file, unreadable
from kg.rdf.write import LINE_FORMAT

__all__ = ["STORE_DIR", "MANIFEST", "StoreError", "StoreUnavailable", "store_path", "read_manifest",
           "store_is_current", "store_lock", "load_store", "replace_store", "graph_is_loaded", "open_store",
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
               facts: str | os.PathLike | None = None) -> Path:
    """Make ``OUT/store/`` hold exactly the graph file's quads; return its path.

    Does nothing if the store is current (see :func:`store_is_current`) unless ``force``.
    ``facts`` is a Turtle file known to hold exactly the default graph's facts of ``OUT/graph.trig``
    (the ``graph.ttl`` that :func:`kg.rdf.write.write_graph_files` writes beside it, as ``kg build``
    passes it): it is loaded as the default graph instead of merging the named graphs in the store
    (:func:`_merge_facts`; the same triples, a fraction of the time). Without it, the TriG alone
    makes the store.
    Raises :class:`GraphNotFoundError` if there is no graph file and :class:`StoreError` if it
    does not parse (the message names the file, line and column).
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
        tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=out))
        os.chmod(tmp, 0o777 & ~umask())
        try:
            started = time.perf_counter()
            quads, facts = _bulk_load(tmp, src, None if facts is None else Path(facts))
            if src.stat().st_mtime_ns != st.st_mtime_ns or _sha256(src) != digest:
                raise StoreUnavailable(f"{src}: the graph file changed while it was being loaded; run again")
            _write_manifest(tmp, {
                "version": _MANIFEST_VERSION, "source": src.name, "sha256": digest, "size": st.st_size,
                "mtime_ns": st.st_mtime_ns, "quads": quads, "default_graph_triples": facts, "load_seconds": round(time.perf_counter() - started, 3),
                "pyoxigraph": getattr(ox, "__version__", "?"),
            })
            replace_store(out, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return dest


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
#: grows with what it is given; smaller pieces cost more CPU time and leave more overlapping files on
#: disk. For the 52 MB TriG of 1,000 documents (bench/corpus_scale.py), loaded alone: 8 MB pieces
#: 7.6 CPU-s, 180 MB peak, 170 MB on disk; 16 MB 6.5-6.7 CPU-s, 290 MB, 110-130 MB (its
#: 73 MB predecessor, with IRIs in full, loaded whole: 525 MB peak).
CHUNK_BYTES = 16_000_000


def _chunks(src: Path) -> Iterator[bytes] | None:
    """``src`` (TriG written by :mod:`kg.rdf.write`) in pieces of about :data:`CHUNK_BYTES`, each
    whole graphs after the file's prefixes; None for any other file."""
    with src.open("rb") as f:
        if f.readline() != LINE_FORMAT.encode("utf-8"):
            return None
    return _cut(src)


def _cut(src: Path) -> Iterator[bytes]:
    with src.open("rb") as f:
        head = []
        for line in f:
            if not line.strip():
                break
            head.append(line)
        prefix = b"".join(head) + b"\n"
        part: list[bytes] = []
        size = 0
        for line in f:
            part.append(line)
            size += len(line)
            if line == b"}\n" and size >= CHUNK_BYTES:
                yield prefix + b"".join(part)
                part, size = [], 0
        if part:
            yield prefix + b"".join(part)


def _bulk_load(folder: Path, src: Path, facts: Path | None = None) -> tuple[int, int]:
    """Load ``src`` into a new store in ``folder``, and ``facts`` (Turtle) into its default graph when
    given (else the named graphs' facts merged); (quads in all, triples in the default graph)."""
    fmt = ox.RdfFormat.TRIG if src.suffix == ".trig" else ox.RdfFormat.TURTLE
    store = ox.Store(str(folder))
    try:
        chunks = _chunks(src) if fmt == ox.RdfFormat.TRIG else None
        if chunks is None:
            store.bulk_load(path=str(src), format=fmt)
        else:
            try:
                for chunk in chunks:
                    store.bulk_load(input=chunk, format=fmt)
            except SyntaxError:  # where in the file, not in the piece
                for _ in ox.parse(path=str(src), format=fmt):
                    pass
                raise
        if fmt == ox.RdfFormat.TRIG and facts is not None:
            try:
                store.bulk_load(path=str(facts), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
            except SyntaxError as e:
                raise unreadable(facts, e) from None
        elif fmt == ox.RdfFormat.TRIG:
            _merge_facts(store)
        store.flush()
        quads = len(store)
        facts = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value)
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
