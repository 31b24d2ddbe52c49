#!/usr/bin/env python
"""Throughput of the ingestion stage (decode, repair, segment) on one core.

Builds a corpus by repeating the seed documents in ``seeds/`` into files of about 1 MB each
(default total about 20 MB) in a temporary folder, then runs ``kg.ingest.iter_documents`` over
it several times and reports, for the median run, input megabytes (bytes on disk, 1 MB = 10^6
bytes) per wall-clock second and per CPU-second of this process (``time.process_time``), and
documents per second. Every copy of a seed carries a counter, so no two files are identical
and nothing can be served from a cache. Each file repeats one seed only, so a file keeps its
seed's layout (hard-wrapped or one paragraph per line) and the layout detection sees what it
would see on the real document.

Ingestion is single-threaded; the process is pinned to one CPU (the first it may run on,
or ``--cpu``). On a machine shared with other work the wall-clock figure drops while this
process waits for its CPU, so the target is stated against MB per CPU-second:

Target: >= 5 MB per CPU-second (one core); wall MB/s is reported beside it.

    python bench/bench_ingest.py            # ~20 MB, median of 3 runs
    python bench/bench_ingest.py --mb 50 --runs 5 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from kg.ingest import iter_documents
from kg.records import IngestFailure

TARGET_MB_PER_CPU_S = 5.0  # input MB per CPU-second on one core
ROOT = Path(__file__).resolve().parent.parent


def build_corpus(seeds: list[Path], out: Path, total_mb: float, file_mb: float) -> list[Path]:
    """Write files of ~``file_mb`` MB, each one seed repeated with a counter, ~``total_mb`` in all."""
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    target_total = int(total_mb * 1e6)
    target_file = int(file_mb * 1e6)
    files: list[Path] = []
    written = 0
    copy = 0
    while written < target_total:
        k = len(files)
        seed = texts[k % len(texts)]
        parts: list[str] = []
        size = 0
        limit = min(target_file, target_total - written)
        while size < limit:
            copy += 1
            # the counter is its own paragraph, so it does not change how the seed is repaired
            piece = f"{seed.rstrip()}\n\n编号{copy:08d}\n\n"
            parts.append(piece)
            size += len(piece.encode("utf-8"))
        path = out / f"{k:04d}_{seeds[k % len(seeds)].stem}.txt"
        path.write_text("".join(parts), encoding="utf-8")
        files.append(path)
        written += path.stat().st_size
    return files


def pin(cpu: int | None) -> str:
    """Pin the process to one CPU (ingestion is single-threaded): ``cpu``, or else the first
    CPU it may run on; a negative ``cpu`` leaves it unpinned."""
    if cpu is not None and cpu < 0:
        return "not pinned (single-threaded)"
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    if cpu is None:
        cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to cpu {cpu}"


def run(files: list[Path]) -> dict:
    n_bytes = sum(p.stat().st_size for p in files)
    docs = failures = articles = sentences = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for item in iter_documents(files):
        if isinstance(item, IngestFailure):
            failures += 1
            print(f"error: {item}", file=sys.stderr)
            continue
        docs += 1
        articles += len(item.articles)
        sentences += sum(1 for _ in item.sentences)
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    mb = n_bytes / 1e6
    return {
        "files": len(files),
        "input_mb": round(mb, 3),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "mb_per_s": round(mb / seconds, 2),
        "mb_per_cpu_s": round(mb / cpu_seconds, 2),  # less sensitive to a busy machine
        "docs_per_s": round(docs / seconds, 2),
        "documents": docs,
        "failures": failures,
        "articles": articles,
        "sentences": sentences,
        "sentences_per_s": round(sentences / seconds, 1),
    }


def median_run(runs: list[dict]) -> dict:
    """The median of each throughput figure over ``runs`` (the counts are the same in every run)."""
    result = dict(runs[0])
    for key in ("seconds", "cpu_seconds", "mb_per_s", "mb_per_cpu_s", "docs_per_s", "sentences_per_s"):
        result[key] = round(statistics.median(r[key] for r in runs), 3)
    result["runs"] = len(runs)
    result["mb_per_s_runs"] = [r["mb_per_s"] for r in runs]
    result["mb_per_cpu_s_runs"] = [r["mb_per_cpu_s"] for r in runs]
    result["target_mb_per_cpu_s"] = TARGET_MB_PER_CPU_S
    result["meets_target"] = result["mb_per_cpu_s"] >= TARGET_MB_PER_CPU_S
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    ap.add_argument("--file-mb", type=float, default=1.0, help="size of each file in MB (default 1)")
    ap.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="folder of seed .txt files")
    ap.add_argument("--runs", type=int, default=3, help="runs over the corpus; the median is reported (default 3)")
    ap.add_argument("--cpu", type=int, default=None,
                    help="pin the process to this CPU (default: the first allowed one; -1: do not pin)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--check", action="store_true",
                    help=f"exit 1 if below {TARGET_MB_PER_CPU_S} MB per CPU-second")
    args = ap.parse_args(argv)

    seeds = sorted(args.seeds.glob("*.txt"))
    if not seeds:
        ap.error(f"no seed .txt files in {args.seeds}")
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    pinned = pin(args.cpu)
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        t0 = time.perf_counter()
        files = build_corpus(seeds, Path(tmp), args.mb, args.file_mb)
        build_s = time.perf_counter() - t0
        result = median_run([run(files) for _ in range(args.runs)])
    result.update({"seeds": len(seeds), "build_seconds": round(build_s, 2), "cpu": pinned,
                   "python": platform.python_version()})
    if args.json:
        print(json.dumps(result))
    else:
        print(f"corpus: {result['files']} files, {result['input_mb']:.1f} MB from {len(seeds)} seeds "
              f"(built in {build_s:.1f}s), {pinned}, median of {result['runs']} run(s)")
        print(f"ingested {result['documents']} documents ({result['failures']} failures), "
              f"{result['articles']} articles, {result['sentences']} sentences in {result['seconds']:.2f}s "
              f"({result['cpu_seconds']:.2f}s CPU)")
        verdict = "meets" if result["meets_target"] else "BELOW"
        print(f"{result['mb_per_cpu_s']:.2f} MB per CPU-second  ({verdict} target {TARGET_MB_PER_CPU_S} MB per CPU-second)"
              f"  runs: {', '.join(f'{x:.2f}' for x in result['mb_per_cpu_s_runs'])}")
        print(f"{result['mb_per_s']:.2f} MB/s wall, {result['docs_per_s']:.2f} documents/s, "
              f"{result['sentences_per_s']:.0f} sentences/s  runs: {', '.join(f'{x:.2f}' for x in result['mb_per_s_runs'])}"
              "  (wall time also counts waiting for a busy CPU)")
    if args.check and not result["meets_target"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
