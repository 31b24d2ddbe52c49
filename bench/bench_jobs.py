"""Parallel extraction benchmark: ``--jobs 1`` against ``--jobs 2`` (and a local Dask cluster) on the
same corpus, in one run.

Targets (issue 16): ``--jobs 2`` at least 1.8x as fast as ``--jobs 1`` on 1,000 documents on a
2-core machine; the Dask executor on a local cluster of 2 single-threaded workers within 15% of
``--jobs 2``.

Each configuration runs in a fresh Python process (``python bench/bench_jobs.py --one ...``), so
each pays for loading the pipeline once, as ``kg build`` does: in the process itself for ``--jobs 1``,
in each worker for ``--jobs 2`` (which start while the parent reads) and for Dask (a fresh local
cluster for each run, its workers loading the pipeline when the build registers its plugin). Wall
time is that process's, start to exit; CPU seconds are its own (``parent``) and its worker processes'
(``resource.getrusage`` ``RUSAGE_CHILDREN`` around it: the workers are its children, reaped by it,
at the latest when it exits), plus for Dask the workers' own CPU time (asked of them before and
after); the workers' count includes the measured process's own exit (about 0.3 CPU-s, which is
why ``--jobs 1`` shows some). Each run also says when its first and its last extraction came back,
and how much CPU the measured process itself spent in between (reading, handing out batches,
taking results, writing the cache while the workers extract): "between first and
last result" compares the configurations without their start (interpreter, pipeline loads) and
without what follows extraction, and "after the last result" compares what follows it. The timed
work is ``kg.build.extract_corpus`` over the corpus without a cache (``--phase extract``, the part
the workers share) or the whole ``kg.build.build`` (``--phase build``: also resolution, the graph
files, SHACL, the store and the page, which the workers take no share of: with more than one job the
build spreads them over its own forked copies and a thread, where a fork is safe). ``--repeat N``
runs the configurations one after the other N times and reports the spread of the speed-ups.

The corpus is ``--corpus PATH`` or ``--docs N`` development passages (``tests/data/dev/texts``,
repeated under new names until there are N). On a shared machine wall times are noisy; the CPU
seconds say how much work was added (the workers' pipeline loads, pickling), and "other processes
meanwhile" (the machine's busy time from /proc/stat less this run's) says how much the run had to
share the cores: a speed-up means something only when that is near 0.

    .venv/bin/python bench/bench_jobs.py --docs 200                 # jobs 1 and 2, extraction
    .venv/bin/python bench/bench_jobs.py --docs 200 --dask          # and a local 2-worker Dask cluster
    .venv/bin/python bench/bench_jobs.py --docs 1000 --dask --repeat 3    # the issue's measure, 3 times
    .venv/bin/python bench/bench_jobs.py --docs 1000 --phase build --json

From another script: ``measure(paths, jobs=2)`` (or ``executor="dask", address=...``) returns the
numbers of one configuration, ``make_corpus(n, folder)`` writes a corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "dev" / "texts"
TARGET_SPEEDUP = 1.8
TARGET_DASK_WITHIN = 0.15


def make_corpus(n: int, folder: Path, source: Path = DEV) -> Path:
    """``n`` text files in ``folder``: the passages of ``source``, repeated under new names."""
    base = sorted(p for p in source.glob("*.txt"))
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        p = base[i % len(base)]
        shutil.copy(p, folder / f"{i:05d}_{p.name}")
    return folder


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run_one(paths: list[str], phase: str, jobs: int | None, executor: str, address: str | None,
             out: str | None) -> dict:
    """In the measured process: the timed work, its own numbers."""
    t0 = time.perf_counter()
    marks: list[tuple[float, float]] = []  # when the first and the last extraction came back (wall, own CPU)

    def came(*_) -> None:
        me = resource.getrusage(resource.RUSAGE_SELF)
        now = (time.perf_counter() - t0, me.ru_utime + me.ru_stime)
        if not marks:
            marks.append(now)
        marks[1:] = [now]

    if phase == "extract":
        from kg.build import extract_corpus
        from kg.records import DocumentExtraction

        docs = failed = 0
        for item in extract_corpus(paths, jobs=jobs, executor=executor, address=address):
            came()
            if isinstance(item, DocumentExtraction):
                docs += 1
            else:
                failed += 1
    else:
        from kg.build import build

        result = build(paths, out, incremental=False, jobs=jobs, executor=executor, address=address,
                       on_document=came)
        docs, failed = len(result.extractions), len(result.failures)
    me = resource.getrusage(resource.RUSAGE_SELF)
    return {"documents": docs, "failed": failed, "inner_seconds": time.perf_counter() - t0,
            "first_result_seconds": marks[0][0] if marks else None, "last_result_seconds": marks[-1][0] if marks else None,
            # this process's own CPU between them: what it spends while the workers extract
            "parent_cpu_extracting": marks[-1][1] - marks[0][1] if marks else None,
            "parent_cpu_seconds": me.ru_utime + me.ru_stime}


def _machine_cpu() -> float | None:
    """CPU seconds the whole machine has been busy (every process), from /proc/stat; None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    busy = sum(int(x) for i, x in enumerate(fields[:8]) if i not in (3, 4))  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def _dask_cpu(address: str) -> float:
    from distributed import Client

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    with Client(address) as client:
        return sum(client.run(cpu).values())


def measure(paths: list[str], jobs: int | None = 1, executor: str = "local", address: str | None = None,
            phase: str = "extract") -> dict:
    """Run one configuration in a fresh process; wall seconds, CPU seconds (process, its workers and,
    for Dask, the cluster's workers), and what it extracted."""
    out = tempfile.mkdtemp(prefix="bench-jobs-")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", "--phase", phase, "--executor", executor,
           "--out", out, *paths]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    if address:
        cmd += ["--address", address]
    remote0 = _dask_cpu(address) if executor == "dask" else 0.0
    machine0, cpu0, t0 = _machine_cpu(), _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall, cpu, machine = time.perf_counter() - t0, _children_cpu() - cpu0, _machine_cpu()
    remote = (_dask_cpu(address) - remote0) if executor == "dask" else 0.0
    # what other processes ran meanwhile (a shared machine; for Dask this includes its scheduler and nannies)
    others = None if machine is None else max(0.0, machine - machine0 - cpu - remote)
    shutil.rmtree(out, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    inner = json.loads(proc.stdout.strip().splitlines()[-1])
    name = f"dask ({address})" if executor == "dask" else f"jobs {jobs}"
    # the worker processes' CPU: the measured process's children, reaped by it (at the latest when it
    # exits); this also counts the measured process's own exit (0.3 s or so), after it took its numbers
    workers = cpu - inner["parent_cpu_seconds"]
    return {"config": name, "executor": executor, "jobs": jobs, "phase": phase, "seconds": wall,
            "cpu_seconds": cpu + remote, "cluster_cpu_seconds": remote, "workers_cpu_seconds": workers,
            "others_cpu_seconds": others, **inner}


def _spread(values: list[float], unit: str) -> str:
    v = sorted(values)
    fmt = (lambda x: f"{x:.2f}x") if unit == "x" else (lambda x: f"{x:+.1%}")
    return f"median {fmt(v[len(v) // 2])} (min {fmt(v[0])}, max {fmt(v[-1])})"


def _print_round(runs: list[dict], n: int, args, corpus) -> None:
    one, two = runs[0], runs[1]
    print(f"round {n}: {one['documents'] + one['failed']} documents "
          f"({corpus if args.corpus else 'development passages'}), phase {args.phase}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at the end")
    for r in runs:
        workers = r["cluster_cpu_seconds"] if r["executor"] == "dask" else r["workers_cpu_seconds"]
        print(f"  {r['config']:<34} {r['seconds']:7.2f} s wall  {r['cpu_seconds']:7.2f} CPU-s"
              f" (parent {r['parent_cpu_seconds']:.2f}, workers {workers:.2f})"
              f"  {r['documents']} extracted, {r['failed']} failed"
              + ("" if r["first_result_seconds"] is None else
                 f"; results from {r['first_result_seconds']:.2f} s to {r['last_result_seconds']:.2f} s"
                 f" (parent meanwhile {r['parent_cpu_extracting']:.2f} CPU-s), then {_after(r):.2f} s to the end")
              + ("" if r["others_cpu_seconds"] is None else
                 f"; other processes meanwhile {r['others_cpu_seconds']:.2f} CPU-s"))
    speedup = one["seconds"] / two["seconds"]
    print(f"  speed-up of jobs 2 over jobs 1: {speedup:.2f}x  target >= {TARGET_SPEEDUP}: "
          f"{'ok' if speedup >= TARGET_SPEEDUP else 'MISSED'}"
          f"  (between first and last result: {_between(one) / _between(two):.2f}x;"
          f" after the last result: {_after(one) / max(1e-9, _after(two)):.2f}x)")
    if len(runs) > 2:
        slower = runs[2]["seconds"] / two["seconds"] - 1
        print(f"  dask against jobs 2: {slower:+.1%} wall  target <= +{TARGET_DASK_WITHIN:.0%}: "
              f"{'ok' if slower <= TARGET_DASK_WITHIN else 'MISSED'}"
              f"  (between first and last result: {_between(runs[2]) / _between(two) - 1:+.1%})")


def _between(r: dict) -> float:
    return max(1e-9, (r["last_result_seconds"] or 0) - (r["first_result_seconds"] or 0))


def _after(r: dict) -> float:
    """Seconds from the last extraction to the end of the measured process's work: with ``--phase build``,
    resolution, the graph files, the store, SHACL and the page (what ``--jobs`` spreads only over the
    build's own forked copies and threads, not over its workers)."""
    return max(0.0, r["inner_seconds"] - (r["last_result_seconds"] or 0))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help="a folder of documents (default: --docs N development passages)")
    ap.add_argument("--docs", type=int, default=200, help="documents in the made corpus (default 200)")
    ap.add_argument("--phase", choices=("extract", "build"), default="extract")
    ap.add_argument("--dask", action="store_true", help="also on a local Dask cluster of 2 single-threaded workers")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of the configurations, one after the other (default 1)")
    ap.add_argument("--json", action="store_true", help="also print one JSON line with the results")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # the measured process
    ap.add_argument("--jobs", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--executor", default="local", help=argparse.SUPPRESS)
    ap.add_argument("--address", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.one:
        print(json.dumps(_run_one(args.paths, args.phase, args.jobs, args.executor, args.address, args.out)))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="bench-jobs-corpus-"))
    rounds: list[list[dict]] = []
    try:
        corpus = args.corpus or make_corpus(args.docs, tmp / "corpus")
        paths = [str(corpus)]
        for _ in range(args.repeat):  # the configurations one after the other, round after round
            runs = [measure(paths, jobs=1, phase=args.phase), measure(paths, jobs=2, phase=args.phase)]
            if args.dask:  # a fresh cluster each round: its workers load the pipeline in the timed run, as a pool's do
                from distributed import LocalCluster

                with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                    runs.append(measure(paths, executor="dask", address=cluster.scheduler_address, phase=args.phase))
            rounds.append(runs)
            _print_round(runs, len(rounds), args, corpus)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    record = {"bench": "jobs", "phase": args.phase, "rounds": rounds,
              "speedups": [r[0]["seconds"] / r[1]["seconds"] for r in rounds],
              "speedups_after_extraction": [_after(r[0]) / max(1e-9, _after(r[1])) for r in rounds]}
    if args.dask:
        record["dask_vs_jobs2"] = [r[2]["seconds"] / r[1]["seconds"] - 1 for r in rounds]
    if len(rounds) > 1:
        print(f"over {len(rounds)} rounds: speed-up {_spread(record['speedups'], 'x')}"
              + (f"; after the last result {_spread(record['speedups_after_extraction'], 'x')}"
                 if args.phase == "build" else "")
              + (f"; dask against jobs 2 {_spread(record['dask_vs_jobs2'], '%')}" if args.dask else ""))
    if args.json:
        print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
