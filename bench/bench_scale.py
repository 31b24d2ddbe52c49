"""Whole-build benchmark at corpus sizes: throughput, CPU, memory, output size, incremental update, queries.

For each size of ``--sizes`` (default 100,1000,10000) a corpus is made from ``tests/data/dev/texts``
and ``seeds/`` (``bench/corpus_scale.py``: every copy with other years, days, person and company
names, so extraction sees distinct entities), and for each value of ``--jobs`` a build runs in a
fresh child process (so its memory is its own):

- a full build (``kg.build.build``, an empty output folder): documents and characters per wall
  second and per CPU second, CPU seconds of the process and of its children, peak RSS of the
  process and of its largest child (``resource.getrusage``), the size of each output;
- a one-document incremental update: one document changed (another person chairs) and one added,
  then ``kg build`` again on the built folder (extraction cache, store and page updated) in a process
  of its own, run as the ``kg`` program runs it (``kg.cli.run``; interpreter start, imports and the
  process's end included): its wall and CPU time (with its workers'), their ratios to the full
  build's, and its peak RSS;
- the latency of every stored query (``ontology/queries/*.rq`` through ``kg.query.run_query``,
  median of 3 after a warm-up; ``cohosts`` with ``org=中机质协``): the first page of 100 rows, what
  ``kg query`` shows by default (and ``kg serve`` caps), and every row (one run after a warm-up: a query
  over all the facts of a 10,000-document archive returns hundreds of thousands of rows; its default
  timeout, 30 s, may end it).

Targets (issue 16): whole build >= 30,000 characters per CPU second at 1,000 and 10,000 documents
with ``--jobs 1``; CPU time per document flat from 100 to 10,000; peak RSS at 10,000 < 1.5 GB and
within 25% of the peak at 1,000; a one-document update < 10% of the full build.

``jobs`` is passed to ``build()`` only when it takes that parameter (``inspect.signature``), so the
benchmark runs before and after that parameter exists; a ``--jobs`` value above 1 without it is
reported and skipped. With ``--jobs 1`` the child is pinned to one CPU.
``--profile`` adds a cProfile breakdown of a rebuild with every extraction from the cache and no
SHACL result kept from the last build (what remains after extraction), per stage.

    .venv/bin/python bench/bench_scale.py --sizes 100,1000 --jobs 1,2
    .venv/bin/python bench/bench_scale.py --sizes 100 --profile --json
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "ORT_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGE = 100  # rows of the first page: kg query's default --limit
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

#: The stages of a rebuild whose cumulative time --profile reports (function name, file suffix).
STAGES = [
    ("extract_corpus", "kg/build.py"), ("iter_documents", "kg/ingest/__init__.py"), ("compact", "kg/resolve/compact.py"),
    ("resolve_corpus", "kg/resolve/__init__.py"), ("write_graph_files", "kg/rdf/write.py"),
    ("document_triples", "kg/rdf/graph.py"), ("triple_line", "kg/rdf/write.py"), ("load", "kg/cache.py"),
    ("write_facts", "kg/rdf/write.py"), ("add", "kg/rdf/shacl_documents.py"), ("flush", "kg/rdf/shacl_documents.py"),
    ("store_results", "kg/rdf/shacl_documents.py"), ("_write_page", "kg/build.py"), ("load_store", "kg/store/embedded.py"),
    ("prune", "kg/cache.py"),
]


def _rusage():
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu": me.ru_utime + me.ru_stime, "cpu_children": kids.ru_utime + kids.ru_stime,
            "rss_mb": me.ru_maxrss / 1024, "rss_children_mb": kids.ru_maxrss / 1024}


def _build_kwargs(jobs: int) -> dict | None:
    from kg.build import build

    if "jobs" in inspect.signature(build).parameters:
        return {"jobs": jobs}
    return {} if jobs == 1 else None


def _change_one(corpus: Path) -> None:
    """One document changed (another person chairs) and one added (a copy of it, other names)."""
    first = sorted(corpus.glob("*.txt"))[0]
    text = first.read_text(encoding="utf-8")
    first.write_text(text + "\n会议由公司总经理欧阳明远主持。\n", encoding="utf-8")
    (corpus / "zz_added.txt").write_text(text.replace("中国", "中华") + "\n会议由副总经理司马青云主持。\n",
                                         encoding="utf-8")


def _queries(out: Path, limit: int | None, runs: int = 3) -> dict:
    """Median ms of each stored query (``runs`` runs after a warm-up): ``limit`` rows (the first page,
    as ``kg query`` shows it by default and ``kg serve`` caps it), or every row with ``limit=None``."""
    from kg.query import run_query

    out_ms = {}
    for rq in sorted((ROOT / "ontology" / "queries").glob("*.rq")):
        params = {"org": "中机质协"} if rq.stem == "cohosts" else None
        times = []
        try:
            for _ in range(runs + 1):
                t = time.perf_counter()
                run_query(rq.stem, out, params=params, limit=limit)
                times.append(time.perf_counter() - t)
            out_ms[rq.stem] = round(statistics.median(times[1:]) * 1000, 1)
        except Exception as e:  # noqa: BLE001 - reported, the rest go on
            out_ms[rq.stem] = f"failed: {e}"
    return out_ms


def child(corpus: Path, out: Path, jobs: int, profile: bool) -> dict:
    """One full build, one incremental update, the queries: a JSON line on stdout."""
    if jobs == 1 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from kg.build import build

    kwargs = _build_kwargs(jobs)
    docs = sorted(corpus.glob("*.txt"))
    chars = sum(len(p.read_text(encoding="utf-8")) for p in docs)
    r0, w0 = _rusage(), time.perf_counter()
    result = build([str(corpus)], out, **kwargs)
    wall, r1 = time.perf_counter() - w0, _rusage()
    cpu = (r1["cpu"] - r0["cpu"]) + (r1["cpu_children"] - r0["cpu_children"])
    row = {
        "documents": len(docs), "characters": chars, "jobs": jobs, "wall_s": round(wall, 2),
        "cpu_s": round(r1["cpu"] - r0["cpu"], 2), "cpu_children_s": round(r1["cpu_children"] - r0["cpu_children"], 2),
        "docs_per_cpu_s": round(len(docs) / cpu, 2), "chars_per_cpu_s": round(chars / cpu),
        "chars_per_wall_s": round(chars / wall), "cpu_ms_per_doc": round(cpu / len(docs) * 1000, 1),
        "peak_rss_mb": round(r1["rss_mb"]), "peak_rss_children_mb": round(r1["rss_children_mb"]),
        "shacl_conforms": result.shacl.conforms if result.shacl else None,
        "entities": len(result.resolution.entities), "relations": len(result.relations),
        "outputs_mb": {name: round(_size(out / name) / 1e6, 2)
                       for name in ("graph.trig", "graph.ttl", "entities.jsonl", "graph.html", "store", ".cache")},
    }
    del result  # the update runs in a process of its own, as `kg build` run again does
    _change_one(corpus)
    r2, w2 = _rusage(), time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--update-child", str(corpus), str(out), str(jobs)],
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):  # (1: done, with a document that failed or a SHACL violation, as a full build may be)
        raise RuntimeError(f"the update failed: {proc.stderr[-3000:]}")
    inc_wall, r3 = time.perf_counter() - w2, _rusage()
    inc = json.loads(proc.stdout.strip().splitlines()[-1])
    inc_cpu = r3["cpu_children"] - r2["cpu_children"]  # the update's process and its workers
    row["update"] = {"wall_s": round(inc_wall, 2), "cpu_s": round(inc_cpu, 2), "extracted": inc["extracted"],
                     "ratio_cpu": round(inc_cpu / cpu, 3), "ratio_wall": round(inc_wall / wall, 3),
                     "peak_rss_mb": inc["peak_rss_mb"]}
    row["query_ms"] = _queries(out, PAGE)
    row["query_all_ms"] = _queries(out, None, runs=1)  # seconds each at 10,000 documents: one run
    if profile:
        row["profile_rebuild_s"] = _profile_rebuild(corpus, out, kwargs)
    return row


def update_child(corpus: Path, out: Path, jobs: int) -> dict:
    """The incremental build of a built folder, in this process: what it extracted, its peak RSS. Run as
    the ``kg`` program runs it where the code has one (``kg.cli.run``: the process ends with the build,
    so nothing is returned; the JSON line is written by an exit handler, the number extracted read
    from the summary), else through :func:`kg.build.build` (the line is written by the caller)."""
    if jobs == 1 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from kg import cli

    if hasattr(cli, "run"):
        import atexit
        import contextlib
        import io
        import re

        said = io.StringIO()

        def line() -> None:
            sys.__stderr__.write(said.getvalue())
            found = re.search(r"\((\d+) extracted", said.getvalue())
            print(json.dumps({"extracted": int(found.group(1)) if found else None, "peak_rss_mb": _own_peak_mb()}),
                  flush=True)

        atexit.register(line)
        sys.argv = ["kg", "build", str(corpus), "-o", str(out), "--jobs", str(jobs)]
        with contextlib.redirect_stderr(said):
            cli.run()  # (ends the process)
    from kg.build import build

    inc = build([str(corpus)], out, **_build_kwargs(jobs))
    return {"extracted": inc.summary()["extracted"], "peak_rss_mb": _own_peak_mb()}


def _own_peak_mb() -> int | None:
    """Peak RSS of this process's own memory (``VmHWM``). Not ``ru_maxrss``: Linux carries that over
    ``fork`` and ``exec``, so a process started by a large one reports the large one's size."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return None


def _profile_rebuild(corpus: Path, out: Path, kwargs: dict) -> dict:
    """Cumulative seconds per stage (under cProfile) of a build whose extractions all come from the cache:
    everything after extraction (the SHACL results of the last build are dropped, so every graph is validated)."""
    import cProfile
    import pstats

    from kg.build import build

    (out / "graph.trig").unlink()  # so the store is loaded again
    for stages in (out / ".cache").glob("*/stages"):
        shutil.rmtree(stages)
    pr = cProfile.Profile()
    pr.enable()
    build([str(corpus)], out, **kwargs)
    pr.disable()
    stats = pstats.Stats(pr).stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, _, ct, _) in stats.values())
    found = {"total": round(total, 2)}
    for name, suffix in STAGES:
        ct = sum(v[3] for (f, _, fn), v in stats.items() if fn == name and f.endswith(suffix))
        found[name] = round(ct, 2)
    return found


def _size(p: Path) -> int:
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000", help="corpus sizes, comma-separated")
    ap.add_argument("--jobs", default="1", help="values of build(jobs=…), comma-separated")
    ap.add_argument("--work", default=None, help="folder for corpora and outputs (default: a temporary one)")
    ap.add_argument("--profile", action="store_true", help="add a cProfile breakdown of a cached rebuild")
    ap.add_argument("--json", action="store_true", help="one JSON line per run at the end")
    ap.add_argument("--child", nargs=3, metavar=("CORPUS", "OUT", "JOBS"), help=argparse.SUPPRESS)
    ap.add_argument("--update-child", nargs=3, metavar=("CORPUS", "OUT", "JOBS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.update_child:
        corpus, out, jobs = args.update_child
        print(json.dumps(update_child(Path(corpus), Path(out), int(jobs))))
        return 0
    if args.child:
        corpus, out, jobs = args.child
        print(json.dumps(child(Path(corpus), Path(out), int(jobs), args.profile), ensure_ascii=False))
        return 0
    from corpus_scale import make_corpus

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    rows = []
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} "
          f"(a shared machine: wall times are noisy, CPU seconds less so)")
    for size in [int(s) for s in args.sizes.split(",")]:
        for jobs in [int(j) for j in args.jobs.split(",")]:
            if _build_kwargs(jobs) is None:
                print(f"{size:>6} docs, jobs {jobs}: skipped (build() takes no jobs parameter)")
                continue
            corpus, out = work / f"corpus-{size}-j{jobs}", work / f"out-{size}-j{jobs}"
            shutil.rmtree(corpus, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            make_corpus(corpus, size)
            cmd = [sys.executable, __file__, "--child", str(corpus), str(out), str(jobs)]
            proc = subprocess.run(cmd + (["--profile"] if args.profile else []), capture_output=True, text=True)
            if proc.returncode:
                print(proc.stderr[-3000:], file=sys.stderr)
                return 1
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
            _print(row)
            if not args.work:
                shutil.rmtree(corpus, ignore_errors=True)
                shutil.rmtree(out, ignore_errors=True)
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    return 0


def _print(r: dict) -> None:
    print(f"{r['documents']:>6} docs, {r['characters']:,} chars, jobs {r['jobs']}: "
          f"{r['chars_per_cpu_s']:,} chars/CPU-s, {r['docs_per_cpu_s']} docs/CPU-s, {r['chars_per_wall_s']:,} chars/wall-s, "
          f"{r['cpu_ms_per_doc']} CPU-ms/doc; CPU {r['cpu_s']} s + children {r['cpu_children_s']} s, wall {r['wall_s']} s; "
          f"peak RSS {r['peak_rss_mb']} MB (children {r['peak_rss_children_mb']} MB)")
    print(f"        outputs MB: {r['outputs_mb']}; entities {r['entities']}, relations {r['relations']}, "
          f"SHACL conforms: {r['shacl_conforms']}")
    u = r["update"]
    print(f"        update (1 changed + 1 added, {u['extracted']} extracted, its own process): CPU {u['cpu_s']} s, "
          f"wall {u['wall_s']} s: {u['ratio_cpu']:.1%} of the full build's CPU, {u.get('ratio_wall', 0):.1%} of its wall; "
          f"peak RSS {u.get('peak_rss_mb')} MB")
    print(f"        stored queries, first {PAGE} rows, ms: {r['query_ms']}")
    print(f"        stored queries, every row, ms: {r['query_all_ms']}")
    if "profile_rebuild_s" in r:
        print(f"        rebuild from the cache, cumulative s under cProfile: {r['profile_rebuild_s']}")


if __name__ == "__main__":
    sys.exit(main())
