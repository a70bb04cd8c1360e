"""The api pod's memory by parse-worker count: what sizes `resources.limits.memory` in
deploy/kubernetes/base/api.yaml (and why the workers follow the pod's CPU, not the node's cores).

For each worker count, a real `websearch serve` process (as the pod runs it) against the local web
serving the benchmark corpus and the scripted Megrez server: its memory idle after start, then after
answering `--questions` questions that read pages cold (caches off), so every worker has parsed.
Memory is the proportional set size (PSS) summed over the server and all its processes: the fork
server's pages shared with the workers counted once, as the pod's cgroup charges them.

    .venv/bin/python -m bench.memory [--workers 1 2 4 8] [--questions 24]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import httpx

from bench.soak import CORPUS, Server, soak
from testkit.app_server import subprocess_env
from testkit.megrez import ScriptedMegrez
from testkit.procs import descendants
from testkit.settings import make_settings
from testkit.web import LocalWeb


def pss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_mib(pid: int) -> float:
    return sum(pss_mib(p) for p in [pid, *descendants(pid)])


def measure(env: dict[str, str], workers: int, questions: list[str]) -> dict:
    server = Server({**env, "WEBSEARCH_PARSE_WORKERS": str(workers)})
    server.start()
    try:
        idle = tree_mib(server.proc.pid)
        result = asyncio.run(soak(server, questions, clients=max(2, workers)))
        loaded = tree_mib(server.proc.pid)
        alive = httpx.get(f"{server.base_url}/metrics", timeout=10).text
        alive_line = next(l for l in alive.splitlines() if l.startswith("websearch_parse_workers_alive "))
    finally:
        server.stop()
    return {
        "workers": workers,
        "alive": float(alive_line.split()[1]),
        "idle_mib": round(idle, 1),
        "after_questions_mib": round(loaded, 1),
        "answered": result["answered"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--questions", type=int, default=24)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    corpus = json.loads((CORPUS / "questions.json").read_text(encoding="utf-8"))
    questions = [corpus[i % len(corpus)]["question"] for i in range(args.questions)]
    with LocalWeb(pages_dir=CORPUS / "pages") as web, ScriptedMegrez() as megrez:
        env = subprocess_env(make_settings(web, megrez, search_cache_ttl_s=0, page_cache_ttl_s=0))
        rows = [measure(env, n, questions) for n in args.workers]
    if len(rows) > 1:  # the cost of one more worker, idle and after parsing: a straight line through the ends
        first, last = rows[0], rows[-1]
        span = last["workers"] - first["workers"]
        per_idle = (last["idle_mib"] - first["idle_mib"]) / span
        per_loaded = (last["after_questions_mib"] - first["after_questions_mib"]) / span
    else:
        per_idle = per_loaded = float("nan")
    if args.json:
        print(json.dumps({"rows": rows, "per_worker_idle_mib": per_idle, "per_worker_loaded_mib": per_loaded}, indent=2))
        return 0
    print(f"`websearch serve`, PSS of the process tree; {args.questions} questions, pages read cold")
    print(f"{'workers':>8} {'idle MiB':>9} {'after MiB':>10} {'answered':>9}")
    for row in rows:
        print(f"{row['workers']:>8} {row['idle_mib']:>9} {row['after_questions_mib']:>10} {row['answered']:>9}")
    print(f"per worker: {per_idle:.1f} MiB idle, {per_loaded:.1f} MiB after parsing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
