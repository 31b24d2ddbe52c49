"""Extraction benchmark: pipeline load time and extraction throughput on one core.

Targets: extraction >= 20,000 characters per second (``nlp.pipe`` batching, one core) and
pipeline load <= 3 s (import spaCy and the components, ``extract.pipeline.build_nlp()``, and the
first short sentence, which loads the LAC model).

The corpus is the seed documents (``seeds/``) ingested once and repeated until it holds at
least ``--chars`` characters of sentences (default 300,000). Throughput counts the characters of
the sentences (headlines included) that go through the pipeline, and the time of
``extract.pipeline.extract_documents`` over the ingested documents, so ingestion is not part of it.
``--docs FOLDER`` runs on the documents of a folder instead, each once (``--limit N``: the first N),
e.g. a corpus of ``bench/corpus_scale.py``: copies of the development texts with other names and
dates, which has more names and relations per character than the seeds, so a lower figure.

Figures (December 2026, one core of a shared 2-core AMD EPYC VM under load, medians of 3 runs;
CPU-seconds vary by about 10 % from run to run there): seeds 44,000 characters per CPU-second
(35,700 before the commits of branch ``fast``); ``--docs`` on the first 300 documents of a
1,001-document ``corpus_scale.py`` corpus 37,000 (30,000-32,000 before). About half of it is the
LAC encoder (ONNX Runtime's GRU, ~75,000 characters per CPU-second on its own, whatever the batch
shape), so the rules and records can at most double the figure.

The process is pinned to one CPU (``os.sched_setaffinity``) and BLAS gets one thread before the
pipeline is imported; the pipeline's own ONNX Runtime session has one intra-op thread (the
benchmark reports it). So the numbers are per core. On a shared machine wall-clock time is
noisy: the benchmark also reports characters per CPU-second, and ``--repeat`` runs the timed
part several times and reports medians.

    .venv/bin/python bench/bench_extract.py                 # human-readable
    .venv/bin/python bench/bench_extract.py --json          # plus one JSON line at the end
    .venv/bin/python bench/bench_extract.py --chars 100000 --repeat 5   # medians of 5 runs
    .venv/bin/python bench/bench_extract.py --chars 50000 --check   # exit 1 if a target is missed
    .venv/bin/python bench/bench_extract.py --docs /tmp/bs/corpus-1000-j1 --limit 300 --repeat 3
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "ORT_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_CHARS_PER_S = 20_000
TARGET_LOAD_S = 3.0
SHORT_SENTENCE = "中国机械工业质量管理协会副会长王建和出席会议。"


def pin_to_one_core() -> str:
    """One CPU for the process (ONNX Runtime's thread count is the pipeline's, reported after load)."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"cpu {cpu}"
    return "no sched_setaffinity"


def onnx_threads() -> int:
    """Intra-op threads of the LAC session the pipeline made."""
    from extract.lac import _lac

    return _lac().session.get_session_options().intra_op_num_threads


def measure_load() -> dict:
    """Import, build the pipeline, run it on one short sentence (LAC loads on first use)."""
    t0 = time.perf_counter()
    from extract.pipeline import build_nlp  # noqa: PLC0415  (the import is part of what is measured)

    t1 = time.perf_counter()
    nlp = build_nlp()
    t2 = time.perf_counter()
    doc = nlp(SHORT_SENTENCE)
    t3 = time.perf_counter()
    assert len(doc) > 0
    return {"import_s": t1 - t0, "build_s": t2 - t1, "first_sentence_s": t3 - t2, "load_s": t3 - t0}


def build_corpus(seeds: Path, chars: int):
    """Ingested seed documents, repeated until their sentences hold at least ``chars`` characters."""
    from kg.ingest import ingest_file

    base = [ingest_file(p) for p in sorted(seeds.glob("*")) if p.suffix in (".txt", ".md")]
    if not base:
        raise SystemExit(f"{seeds}: no seed documents")
    sizes = [sum(len(s.text) for s in d.sentences) for d in base]
    docs, total, i = [], 0, 0
    while total < chars:
        docs.append(base[i % len(base)])
        total += sizes[i % len(base)]
        i += 1
    return docs, total


def folder_corpus(folder: Path, limit: int | None):
    """The documents of ``folder`` as a build reads them (``kg.ingest.iter_documents``: sorted by
    path; the first ``limit`` of them), each once."""
    from itertools import islice

    from kg.ingest import iter_documents
    from kg.records import Document

    docs = list(islice((d for d in iter_documents([folder]) if isinstance(d, Document)), limit))
    if not docs:
        raise SystemExit(f"{folder}: no documents")
    return docs, sum(len(s.text) for d in docs for s in d.sentences)


def measure_throughput(docs, batch_size: int) -> dict:
    from extract.pipeline import extract_documents, get_nlp

    nlp = get_nlp()
    nlp(SHORT_SENTENCE)  # warm up outside the timed part
    sentences = sum(1 for d in docs for _ in d.sentences)
    chars = sum(len(s.text) for d in docs for s in d.sentences)
    mentions = positions = 0
    c0, t0 = time.process_time(), time.perf_counter()
    for ex in extract_documents(docs, batch_size=batch_size):
        mentions += len(ex.mentions)
        positions += len(ex.positions)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"documents": len(docs), "sentences": sentences, "chars": chars, "mentions": mentions,
            "positions": positions, "seconds": wall, "cpu_seconds": cpu, "chars_per_s": chars / wall,
            "chars_per_cpu_s": chars / cpu, "batch_size": batch_size}


def median_run(docs, batch_size: int, repeat: int) -> dict:
    """``measure_throughput`` ``repeat`` times; times and rates are medians, with every run's rate."""
    runs = [measure_throughput(docs, batch_size) for _ in range(repeat)]
    out = dict(runs[0])
    for key in ("seconds", "cpu_seconds", "chars_per_s", "chars_per_cpu_s"):
        out[key] = statistics.median(r[key] for r in runs)
    out["runs"] = repeat
    out["runs_chars_per_s"] = [round(r["chars_per_s"]) for r in runs]
    out["runs_chars_per_cpu_s"] = [round(r["chars_per_cpu_s"]) for r in runs]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chars", type=int, default=300_000, help="corpus size in characters (default 300000)")
    ap.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="folder of seed documents")
    ap.add_argument("--docs", type=Path, metavar="FOLDER",
                    help="run on the documents of FOLDER, each once (instead of the seeds repeated to --chars)")
    ap.add_argument("--limit", type=int, help="with --docs: only the first N documents (sorted by path)")
    ap.add_argument("--batch-size", type=int, default=64, help="nlp.pipe batch size (default 64)")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs; medians are reported (default 1)")
    ap.add_argument("--json", action="store_true", help="also print one JSON line with the results")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    pinned = pin_to_one_core()
    load = measure_load()
    pinned += f", {onnx_threads()} ONNX thread(s)"
    docs, _ = folder_corpus(args.docs, args.limit) if args.docs else build_corpus(args.seeds, args.chars)
    thr = median_run(docs, args.batch_size, max(1, args.repeat))
    ok = {"throughput": thr["chars_per_s"] >= TARGET_CHARS_PER_S, "load": load["load_s"] <= TARGET_LOAD_S}

    print(f"pipeline load: {load['load_s']:.2f} s (import {load['import_s']:.2f} s, build_nlp "
          f"{load['build_s']:.2f} s, first sentence {load['first_sentence_s']:.2f} s)"
          f"  target <= {TARGET_LOAD_S:.0f} s: {'ok' if ok['load'] else 'MISSED'}")
    runs = f"median of {thr['runs']} runs, " if thr["runs"] > 1 else ""
    print(f"extraction: {thr['chars']:,} chars in {thr['sentences']:,} sentences of {thr['documents']} documents, "
          f"{runs}{thr['seconds']:.2f} s wall, {thr['cpu_seconds']:.2f} s CPU, {thr['mentions']:,} mentions")
    print(f"throughput: {thr['chars_per_s']:,.0f} chars/s wall, {thr['chars_per_cpu_s']:,.0f} chars per CPU-second "
          f"(nlp.pipe batch {thr['batch_size']}, {pinned})"
          f"  target >= {TARGET_CHARS_PER_S:,}: {'ok' if ok['throughput'] else 'MISSED'}")
    if thr["runs"] > 1:
        print(f"runs: chars/s wall {thr['runs_chars_per_s']}, per CPU-second {thr['runs_chars_per_cpu_s']}")
    if args.json:
        record = {"bench": "extract", "python": platform.python_version(), "pinned": pinned,
                  "corpus": str(args.docs) + (f" (first {args.limit})" if args.limit else "") if args.docs else "seeds",
                  **{k: round(v, 4) if isinstance(v, float) else v for k, v in {**load, **thr}.items()},
                  "targets": {"chars_per_s": TARGET_CHARS_PER_S, "load_s": TARGET_LOAD_S}, "ok": ok}
        print(json.dumps(record, ensure_ascii=False))
    return 0 if (all(ok.values()) or not args.check) else 1


if __name__ == "__main__":
    sys.exit(main())
