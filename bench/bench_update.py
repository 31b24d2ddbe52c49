"""CPU seconds of a one-document incremental update of a built folder, per stage, without a full build.

``bench_scale.py`` measures the update ratio, but it extracts the whole corpus first (minutes at
1,000 documents). This copies a corpus and its built folder (``WORK/corpus``, ``WORK/out``), moves
the folder's extraction cache to the present code's fingerprint (the extractions stay valid for code
changes after extraction: do not use it across changes to ``extract/`` or the ontology), rebuilds
once so the cache's file index covers the copy, then changes one document and adds one (the change
of ``bench_scale.py``) and rebuilds: that update's CPU seconds (process user + system), per stage,
and optionally a cProfile listing of it.

    .venv/bin/python bench/bench_update.py /tmp/bs/corpus-1000-j1 /tmp/bs/out-1000-j1 --work /tmp/incr/u1k
    .venv/bin/python bench/bench_update.py CORPUS OUT --work DIR --profile 30

Compare with the full build's CPU seconds that ``bench_scale.py`` reports for the same size.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--work", required=True, help="a folder to copy them into (emptied first)")
    ap.add_argument("--profile", type=int, default=0, help="print the N functions of most cumulative time")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    import kg.build as b
    from bench_scale import _change_one
    from kg.cache import CACHE_DIR, ExtractionCache, fingerprint

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    corpus, out = work / "corpus", work / "out"
    shutil.copytree(args.corpus, corpus)
    shutil.copytree(args.out, out, symlinks=True)
    fp = fingerprint()
    b.fingerprint = lambda *a, **k: fp  # the code imported now, whatever is edited meanwhile
    for d in (out / CACHE_DIR).iterdir():
        if d.is_dir() and d.name != fp:
            d.rename(d.parent / fp)
            break
    time.sleep(1.1)  # files copied in the last second are read again by the next build anyway
    cpu = _cpu()
    b.build([str(corpus)], out)
    settle = _cpu() - cpu

    rows: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            c = _cpu()
            try:
                return fn(*a, **k)
            finally:
                rows[name] = round(rows.get(name, 0.0) + _cpu() - c, 2)
        return wrapper

    for name in ("resolve_corpus", "write_graph_files", "_write_page", "load_store", "_validate", "update_store"):
        if hasattr(b, name):
            setattr(b, name, timed(name, getattr(b, name)))
    for name in ("read_records", "save_records"):  # the records kept between builds (kg.cache)
        if hasattr(ExtractionCache, name):
            setattr(ExtractionCache, name, timed(name, getattr(ExtractionCache, name)))
    _change_one(corpus)
    pr = cProfile.Profile() if args.profile else None
    cpu, wall = _cpu(), time.perf_counter()
    if pr:
        pr.enable()
    result = b.build([str(corpus)], out)
    if pr:
        pr.disable()
    report = {"documents": len(result.extractions), "extracted": result.summary()["extracted"],
              "settle_cpu_s": round(settle, 2), "update_cpu_s": round(_cpu() - cpu, 2),
              "update_wall_s": round(time.perf_counter() - wall, 2), "stages_cpu_s": rows,
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(report) if args.json else json.dumps(report, indent=1))
    if pr:
        pstats.Stats(pr).sort_stats("cumulative").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
