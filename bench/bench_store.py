"""CPU seconds and peak memory of loading a build's graph files into a new Oxigraph store, by the size of
the pieces ``graph.trig`` is bulk-loaded in and by when ``graph.ttl`` (the default graph) is loaded.

``kg.store`` loads ``OUT/graph.trig`` in pieces of about ``kg.store.embedded.CHUNK_BYTES`` (whole
graphs each, one ``Store.bulk_load`` a piece) and ``OUT/graph.ttl`` into the default graph. Each
configuration of ``--chunk-mb`` x ``--facts`` runs in a fresh Python process (its peak RSS is its own)
that makes a store in a temporary folder beside ``--work`` and reports the CPU seconds (process user +
system: RocksDB's own threads included) of the facts, of the pieces (each one), ``len(store)`` and the
peak RSS. Pieces cost more as the store fills: each spans the whole key range (keys are hashes), so
RocksDB merges it into the files of the pieces before.

    .venv/bin/python bench/bench_store.py OUT --work /tmp/store-bench
    .venv/bin/python bench/bench_store.py OUT --work /tmp/store-bench --chunk-mb 16,48 --facts first,last

Measured on the 10,000-document build of ``bench_scale.py`` (527 MB TriG, 46 MB Turtle; 2 shared cores,
one run each): 16 MB pieces, facts last 111.5 + 10.6 CPU-s, peak 654 MB; facts first 4.4 + 100.6, 583 MB;
48 MB pieces (facts last) 90.0 + 7.5, 750 MB; 80 MB 79.5 + 8.7, 1,207 MB. On the 1,001-document build
(52 MB TriG): facts first 0.43 + 5.76 CPU-s, 338 MB; last 6.67 + 1.01, 307 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load_once(out: Path, folder: Path, chunk_bytes: int, facts_first: bool) -> dict:
    """Load ``out``'s graph files into a new store in ``folder`` (removed after); the costs."""
    import pyoxigraph as ox

    from kg.store import embedded

    embedded.CHUNK_BYTES = chunk_bytes
    shutil.rmtree(folder, ignore_errors=True)
    store = ox.Store(str(folder))
    row: dict = {"chunk_mb": round(chunk_bytes / 1e6), "facts": "first" if facts_first else "last"}

    def facts(store: ox.Store) -> None:
        c = _cpu()
        store.bulk_load(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
        row["facts_cpu_s"] = round(_cpu() - c, 2)

    try:
        if facts_first:
            facts(store)
        pieces = []
        for piece in embedded._chunks(out / "graph.trig"):
            c = _cpu()
            store.bulk_load(input=piece, format=ox.RdfFormat.TRIG)
            pieces.append(round(_cpu() - c, 2))
        row["pieces_cpu_s"] = pieces
        row["graphs_cpu_s"] = round(sum(pieces), 2)
        if not facts_first:
            facts(store)
        c = _cpu()
        row["quads"] = len(store)
        row["count_cpu_s"] = round(_cpu() - c, 2)
    finally:
        del store
        shutil.rmtree(folder, ignore_errors=True)
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="a build folder (graph.trig and graph.ttl written by kg build)")
    ap.add_argument("--work", required=True, help="a folder for the temporary stores")
    ap.add_argument("--chunk-mb", default=None,
                    help="piece sizes in MB, comma-separated (default: kg.store.embedded.CHUNK_BYTES)")
    ap.add_argument("--facts", default="first,last", help="when graph.ttl is loaded: first, last or both")
    ap.add_argument("--one", nargs=2, metavar=("CHUNK_BYTES", "FIRST"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    out, work = Path(args.out), Path(args.work)
    if args.one:
        work.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="store-", dir=work))
        print(json.dumps(load_once(out, folder, int(args.one[0]), args.one[1] == "1")))
        return 0
    if args.chunk_mb is None:
        from kg.store.embedded import CHUNK_BYTES
        args.chunk_mb = str(CHUNK_BYTES / 1e6)
    for mb in (float(x) for x in args.chunk_mb.split(",")):
        for when in args.facts.split(","):
            done = subprocess.run([sys.executable, __file__, str(out), "--work", str(work),
                                   "--one", str(int(mb * 1e6)), "1" if when == "first" else "0"],
                                  capture_output=True, text=True)
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                return done.returncode
            row = json.loads(done.stdout.strip().splitlines()[-1])
            pieces = row.pop("pieces_cpu_s")
            print(json.dumps({**row, "pieces": len(pieces), "first_piece_cpu_s": pieces[0] if pieces else None,
                              "last_piece_cpu_s": pieces[-1] if pieces else None}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
