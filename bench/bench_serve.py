#!/usr/bin/env python
"""Latency of ``kg serve`` under load: p50/p95 of the entity page, the search and a stored query over
the SPARQL endpoint, at 1, 8 and 32 concurrent clients, against a real uvicorn server.

The graph is ``bench_query.py``'s synthetic one in the ``graph.trig`` shape (entities, a named graph
per news item with a reified provenance statement per relation), ``--triples`` of it (default
1,000,000). The server runs in its own process (``kg serve``'s app under uvicorn, one event loop,
2 SPARQL workers); each client is a thread with its own HTTP connection sending requests one after
another. The entity is the organization at the 90th percentile of activity (``typical``), the
search its full name (answered by a redirect to its page, not followed), the stored query
``org-events`` with ``org`` bound to it (as ``kg query org-events -p org=…``).

Goal: entity page and search p95 < 100 ms at 8 clients; no errors at 32.

    python bench/bench_serve.py                       # 1M triples
    python bench/bench_serve.py --triples 200000 --requests 10 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_query import generate  # noqa: E402  (the same synthetic graph)

LEVELS = (1, 8, 32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(out: Path, port: int, processes: int) -> subprocess.Popen:
    """``kg serve`` in its own process group (so that its uvicorn processes stop with it)."""
    return subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--graph", str(out), "--port", str(port),
                             "--processes", str(processes)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 600) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            if httpx.get(base + "/", timeout=5).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def load(base: str, path: str, clients: int, per_client: int) -> dict:
    """``clients`` threads each sending ``per_client`` GETs of ``path``: latencies and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run():
        with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as c:
            for _ in range(per_client):
                t = time.perf_counter()
                try:
                    r = c.get(path, headers={"accept": "text/html,application/sparql-results+json;q=0.9"})
                    ok = r.status_code in (200, 303)
                    why = f"HTTP {r.status_code}: {r.text[:100]}"
                except httpx.HTTPError as e:
                    ok, why = False, f"{type(e).__name__}: {e}"
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    if not ok:
                        errors.append(why)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    lat = sorted(latencies)
    return {"clients": clients, "requests": len(lat), "errors": len(errors), "first_error": errors[0] if errors else None,
            "p50_ms": round(1000 * statistics.median(lat), 1),
            "p95_ms": round(1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1),
            "max_ms": round(1000 * lat[-1], 1), "per_second": round(len(lat) / wall, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--requests", type=int, default=20, help="requests per client at each level (default 20)")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the generated graph and store here")
    ap.add_argument("--processes", type=int, default=1, help="kg serve --processes (default 1)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-serve-"))
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    stats = generate(work / "graph.trig", args.triples, args.seed, shape="trig")
    gen_s = time.perf_counter() - t
    org = stats["params"]["typical"]["org"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(work, port, args.processes)
    try:
        start_s = wait_ready(base, proc)  # includes loading the store (first run) and the name index
        paths = {
            "entity page": "/id/org/" + quote(org, safe=""),
            "search": "/search?q=" + quote(org, safe=""),
            "stored query": "/sparql?stored=org-events&param=" + quote("org=" + org, safe=""),
        }
        for path in paths.values():  # warm up; each must answer
            r = httpx.get(base + path, timeout=120, follow_redirects=False)
            assert r.status_code in (200, 303), (path, r.status_code, r.text[:200])
        results = {name: [load(base, path, n, args.requests) for n in LEVELS] for name, path in paths.items()}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    rep = {"triples": stats["triples"], "entity": org, "generate_s": round(gen_s, 1), "server_start_s": round(start_s, 1),
           "requests_per_client": args.requests, "processes": args.processes, "cpus": os.cpu_count(), "python": platform.python_version(),
           "results": results}
    if args.json:
        print(json.dumps(rep, ensure_ascii=False, indent=1))
        return
    print(f"{rep['triples']:,} triples (trig shape); entity {org}; server ready in {rep['server_start_s']} s; "
          f"{args.requests} requests per client; {args.processes} server process(es); {rep['cpus']} CPUs")
    print(f"{'':14}{'clients':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>8}{'errors':>8}")
    for name, rows in results.items():
        for r in rows:
            print(f"{name:14}{r['clients']:>8}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['max_ms']:>9}{r['per_second']:>8}"
                  f"{r['errors']:>8}")
    at8 = {name: next(r for r in rows if r["clients"] == 8)["p95_ms"] for name, rows in results.items()}
    ok = at8["entity page"] < 100 and at8["search"] < 100
    errors32 = sum(next(r for r in rows if r["clients"] == 32)["errors"] for rows in results.values())
    print(f"goal: entity page and search p95 < 100 ms at 8 clients: {'met' if ok else 'NOT met'}; "
          f"errors at 32 clients: {errors32}")


if __name__ == "__main__":
    main()
