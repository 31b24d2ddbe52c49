"""SHACL cost of a build: CPU seconds spent validating, with the pre-filter and without it, in one run.

On a corpus built once (``bench/corpus_scale.py`` then ``kg.build.build``, which leaves the
extraction cache in the output folder), each round rebuilds from the cache with every document's
graph validated again (the SHACL results of the last build dropped, as ``bench_scale.py --profile``
does) and adds up the process CPU time spent in :class:`kg.rdf.shacl_documents.DocumentValidator`
(``add``, ``flush``, ``finish``: the pre-filter, pyshacl and the SPARQL checks across documents):

- ``pyshacl-everywhere``: the pre-filter flags every batch (what a build did before it existed);
- ``prefilter``: as a build runs now.

The rounds alternate (``--rounds``, default 1 each) so that both see the same machine load; the
ratio is reported per pair. The two reports must be equal (checked).

    .venv/bin/python bench/bench_shacl.py --size 1000 --work /tmp/shacl-bench
    .venv/bin/python bench/bench_shacl.py --corpus CORPUS --out OUT   # an existing build
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


class _Clock:
    """CPU seconds spent in the outermost calls of the wrapped methods."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.depth = 0

    def wrap(self, fn):
        def timed(*a, **k):
            self.depth += 1
            t = time.process_time() if self.depth == 1 else None
            try:
                return fn(*a, **k)
            finally:
                self.depth -= 1
                if t is not None:
                    self.seconds += time.process_time() - t
        return timed


def _round(corpus: Path, out: Path, everywhere: bool) -> dict:
    from kg.build import build
    from kg.rdf import shacl_documents as sd
    from kg.rdf import shacl_prefilter as sp

    (out / "graph.trig").unlink(missing_ok=True)  # so the store is loaded again, as in a full build
    for stages in (out / ".cache").glob("*/stages"):
        shutil.rmtree(stages)
    shacl_cache = [p for p in (out / ".cache").rglob("shacl-documents*")]
    for p in shacl_cache:
        p.unlink()
    clock, validators = _Clock(), []
    saved = {name: getattr(sd.DocumentValidator, name) for name in ("add", "flush", "finish", "__init__")}
    saved_flagged = sp.Prefilter.flagged

    def init(self, *a, **k):
        saved["__init__"](self, *a, **k)
        validators.append(self)

    try:
        for name in ("add", "flush", "finish"):
            setattr(sd.DocumentValidator, name, clock.wrap(saved[name]))
        sd.DocumentValidator.__init__ = init
        if everywhere:
            sp.Prefilter.flagged = lambda self, triples: {"every batch"}
        wall = time.perf_counter()
        result = build([str(corpus)], out)
        wall = time.perf_counter() - wall
    finally:
        for name, fn in saved.items():
            setattr(sd.DocumentValidator, name, fn)
        sp.Prefilter.flagged = saved_flagged
    v = validators[-1]
    return {"mode": "pyshacl-everywhere" if everywhere else "prefilter", "shacl_cpu_s": round(clock.seconds, 2),
            "build_wall_s": round(wall, 1), "documents": v.documents, "reused": v.reused,
            "batches": v.batches, "pyshacl_runs": v.runs, "conforms": result.shacl.conforms,
            "violations": len(result.shacl.violations), "text": result.shacl.text}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=1000, help="documents of the corpus made when --corpus is not given")
    ap.add_argument("--work", default="/tmp/kg-bench-shacl", help="folder for the corpus and the build")
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args(argv)
    if args.corpus:
        corpus, out = Path(args.corpus), Path(args.out)
    else:
        from corpus_scale import make_corpus

        from kg.build import build

        work = Path(args.work)
        corpus, out = work / f"corpus-{args.size}", work / f"out-{args.size}"
        if not corpus.exists():
            make_corpus(corpus, args.size)
        if not out.exists():
            build([str(corpus)], out)
    rows = []
    for _ in range(args.rounds):
        before, after = _round(corpus, out, True), _round(corpus, out, False)
        assert before.pop("text") == after.pop("text"), "the reports differ"
        rows += [before, after]
        print(json.dumps(before), flush=True)
        print(json.dumps(after), flush=True)
        print(f"SHACL CPU s: {before['shacl_cpu_s']} -> {after['shacl_cpu_s']}  "
              f"(ratio {after['shacl_cpu_s'] / max(before['shacl_cpu_s'], 1e-9):.3f}), same report", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
