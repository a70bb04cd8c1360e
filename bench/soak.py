"""Soak: a thousand-odd questions through a real `websearch serve` process, several clients at once,
every page read cold, to see whether anything takes the process down.

The service runs as an operator runs it (`python -m api.cli.main serve`, its own process, parse workers
included) against the local web serving the benchmark corpus (64 pages with navigation, ads and
comments around the article: `bench/corpus/pages`) and the scripted Megrez server. The search and
page caches are off (TTL 0), so every question fetches and parses its pages again: the parsers run
concurrently all the time, which is what crashed the thread-based extraction (trafilatura #840,
#925). A process that dies is counted and restarted, so the run always finishes. At the end it
prints crashes, errors, latency p50/p95, and the resident memory of the server and of its workers.

    .venv/bin/python -m bench.soak [--questions 1008] [--clients 8] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from testkit.settings import MANY_USERS, make_settings
from testkit.app_server import free_port, subprocess_env
from testkit.megrez import ScriptedMegrez
from testkit.procs import descendants, rss_mib
from testkit.web import LocalWeb

ROOT = Path(__file__).resolve().parents[1]

CORPUS = ROOT / "bench" / "corpus"


class Server:
    """`websearch serve` in its own process; restarted if it dies (each death is a crash)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.crashes: list[int] = []  # exit status of each death
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli.main", "serve", "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 300  # a loaded 2-core machine takes its time importing
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the API process did not start")

    def check(self) -> None:
        """A dead server is a crash: count it and start another."""
        if self.proc is not None and self.proc.poll() is not None:
            self.crashes.append(self.proc.returncode)
            self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)


async def soak(server: Server, questions: list[str], clients: int) -> dict:
    latencies: list[float] = []
    uncited: list[str] = []
    errors: dict[str, int] = {}
    queue: asyncio.Queue[str] = asyncio.Queue()
    for question in questions:
        queue.put_nowait(question)
    limits = httpx.Limits(max_connections=clients + 2, max_keepalive_connections=clients + 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                question = queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await client.post(
                        f"{server.base_url}/v1/answer", json={"question": question, "search": "always"}
                    )
                    if response.status_code == 200:
                        latencies.append(time.perf_counter() - started)
                        if not response.json().get("citations"):  # answered, but the evidence lacked it
                            uncited.append(question)
                    else:
                        kind = f"HTTP {response.status_code}"
                        errors[kind] = errors.get(kind, 0) + 1
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    await asyncio.to_thread(server.check)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(round(q * (len(latencies) - 1))))], 1)

    return {
        "answered": len(latencies),
        "uncited": len(uncited),
        "uncited_questions": len(set(uncited)),
        "errors": errors,
        "seconds": round(elapsed, 1),
        "answers_per_s": round(len(latencies) / elapsed, 2),
        "p50_ms": pct(0.5) if latencies else None,
        "p95_ms": pct(0.95) if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=1008, help="questions in all (the corpus' 48, repeated)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    corpus = json.loads((CORPUS / "questions.json").read_text(encoding="utf-8"))
    questions = [corpus[i % len(corpus)]["question"] for i in range(args.questions)]
    with LocalWeb(pages_dir=CORPUS / "pages") as web, ScriptedMegrez() as megrez:
        settings = make_settings(web, megrez, **MANY_USERS, search_cache_ttl_s=0, page_cache_ttl_s=0)
        env = subprocess_env(settings)
        server = Server(env)
        server.start()
        try:
            result = asyncio.run(soak(server, questions, args.clients))
            server.check()
            workers = descendants(server.proc.pid)
            result.update(
                crashes=len(server.crashes),
                crash_statuses=server.crashes,
                server_rss_mib=round(rss_mib(server.proc.pid), 1),
                worker_rss_mib=[round(rss_mib(pid), 1) for pid in workers],
                clients=args.clients,
                questions=len(questions),
            )
            metrics = httpx.get(f"{server.base_url}/metrics", timeout=10).text
            result["worker_restarts"] = {
                line.split('"')[1]: float(line.rsplit(" ", 1)[1])
                for line in metrics.splitlines()
                if line.startswith("websearch_parse_worker_restarts_total{")
            }
        finally:
            server.stop()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['questions']} questions, {result['clients']} clients, caches off, `websearch serve` in its own process\n"
            f"crashes {result['crashes']}  errors {sum(result['errors'].values())} {result['errors'] or ''}  "
            f"answered {result['answered']} in {result['seconds']} s ({result['answers_per_s']}/s; "
            f"{result['uncited']} without a citation, from {result['uncited_questions']} distinct questions)  "
            f"p50 {result['p50_ms']} ms  p95 {result['p95_ms']} ms\n"
            f"RSS at the end: server {result['server_rss_mib']} MiB, "
            f"workers (incl. fork server) {result['worker_rss_mib']} MiB; "
            f"worker restarts {result['worker_restarts']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
