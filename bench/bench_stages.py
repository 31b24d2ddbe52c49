"""CPU seconds and memory of each stage after extraction, in one rebuild of a built folder.

Rebuilds ``OUT`` from ``CORPUS`` with every extraction from the cache (``OUT/.cache``), the store
removed first so that it is loaded again, and reports for each stage of :func:`kg.build.build` after
extraction (writing the graph files, the page, loading the store, SHACL) its CPU seconds (process
user + system), the growth of the resident set while it ran (``ru_maxrss`` after minus the resident
set before: what the stage added to the peak) and the sizes of the outputs. One process, one run:
compare the stages of a run, and runs made one after the other on an idle machine.

    .venv/bin/python bench/corpus_scale.py  # or: make_corpus(Path("corpus"), 1000)
    .venv/bin/python -c "from kg.build import build; build(['corpus'], 'out')"
    .venv/bin/python bench/bench_stages.py corpus out

Measured (2 shared cores; corpora of ``corpus_scale.make_corpus``), the page stage before and after it
read only what the page shows and held at most ``kg.viz.MAX_NODES`` entities:

    documents  page CPU-s      page peak growth   build peak     graph.html
    1,001      8.46 -> 8.41    +228 -> +183 MB    691 -> 660 MB  11.8 -> 10.8 MB (13,100 -> 10,000 entities)
    3,000      25.50 -> 15.39  +708 -> +270 MB    1151 -> 868 MB 32.0 -> 14.4 MB (35,360 -> 10,000 entities)

(a second 1,001-document run after gave 9.42 CPU-s: the machine was shared.) What the page still grows
with: the facts (``graph.ttl`` indexed and made a network of every entity, before the cap): about
45 MB a thousand documents.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    import kg.build as b
    import kg.rdf.write as w

    rows: dict[str, dict] = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            rss, cpu, wall = _rss_mb(), _cpu(), time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                rows[name] = {"cpu_s": round(_cpu() - cpu, 2), "wall_s": round(time.perf_counter() - wall, 2),
                              "rss_before_mb": round(rss), "peak_growth_mb": round(max(0.0, _peak_mb() - rss))}
        return wrapper

    b.write_graph_files = timed("write_graph_files", b.write_graph_files)
    w.write_facts = timed("write_facts (graph.ttl)", w.write_facts)
    b._write_page = timed("page (graph.html)", b._write_page)
    b.load_store = timed("load_store", b.load_store)
    b._validate = timed("shacl across documents", b._validate)
    out = Path(args.out)
    shutil.rmtree(out / "store", ignore_errors=True)
    cpu, wall = _cpu(), time.perf_counter()
    result = b.build([args.corpus], out)
    total = {"cpu_s": round(_cpu() - cpu, 2), "wall_s": round(time.perf_counter() - wall, 2),
             "peak_mb": round(_peak_mb())}
    sizes = {name: (out / name).stat().st_size for name in ("graph.trig", "graph.ttl", "graph.html", "entities.jsonl")}
    sizes["store"] = sum(p.stat().st_size for p in (out / "store").rglob("*") if p.is_file())
    report = {"documents": len(result.extractions), "stages": rows, "rebuild": total, "bytes": sizes}
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{report['documents']} documents, rebuild from the cache: {total}")
    for name, r in rows.items():
        print(f"  {name:26} {r['cpu_s']:7.2f} CPU-s {r['wall_s']:7.2f} s  RSS before {r['rss_before_mb']:5} MB,"
              f" peak +{r['peak_growth_mb']} MB")
    for name, n in sizes.items():
        print(f"  {name:26} {n / 1e6:8.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
