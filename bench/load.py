"""Load: how many answers a second one API process gives, how fast, and what it costs beyond the model.

Drives the real service (uvicorn + the whole graph) on loopback with N concurrent streaming clients
against the local web (`testkit/web/`) and the scripted Megrez server, which here generates
at a realistic pace (`--ttft` before the first token, `--token-delay` between streamed chunks of about
one token). For each concurrency level it prints throughput, client-side latency (p50/p95, and time
to the first answer text), and the service's own overhead: the server's total time minus the time it
spent waiting for the model (the decide step, plus the longer of answer and related, which run side
by side), from the `timings` each answer carries. No pass/fail: numbers to compare between changes.

    .venv/bin/python -m bench.load [--levels 1,8,32] [--requests 64] [--seconds 30] [--cache] [--json]
    .venv/bin/python -m bench.load --subprocess   # the API in its own process (`websearch serve`)
    .venv/bin/python -m bench.load --parsers both --levels 1,8   # worker processes vs threads, side by side

`--parsers threads` parses pages as the service did before worker processes (in asyncio's threads,
under the server's GIL), to compare: the service itself always uses worker processes.

By default the API runs in a thread of this process, beside the clients, the scripted model and the
local web, so they share one interpreter; `--subprocess` gives the service a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from testkit.settings import MANY_USERS, make_settings
from testkit.app_server import ServedApp, free_port, subprocess_env
from testkit.megrez import ScriptedMegrez
from testkit.web import LocalWeb

from core.cgroup import default_size
from core.workers import WorkerPool, _resolve

ROOT = Path(__file__).resolve().parents[1]

QUESTIONS = [
    "How much did the Aurora Bridge in Veldmark cost?",
    "When did the Aurora Bridge in Veldmark open?",
    "What is the energy density of the Zephyr-9 battery?",
    "How big is the Larkspur Observatory telescope?",
    "What does Quillstack 3.0 drop support for?",
    "青川大桥有多长？",
    "星河七号卫星的轨道高度是多少？",
]
MODEL_STAGES = ("decide", "condense")  # sequential model steps; answer and related run side by side


def model_ms(timings: dict[str, float]) -> float:
    return sum(timings.get(s, 0.0) for s in MODEL_STAGES) + max(timings.get("answer", 0.0), timings.get("related", 0.0))


async def one_answer(client: httpx.AsyncClient, base_url: str, question: str) -> dict:
    started = time.perf_counter()
    first_text = None
    name, done, error = None, None, None
    async with client.stream(
        "POST", f"{base_url}/v1/answer", json={"question": question, "stream": True}  # a new conversation each time
    ) as response:
        if response.status_code != 200:
            await response.aread()
            return {"error": f"HTTP {response.status_code}"}
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                if name == "delta" and first_text is None:
                    first_text = time.perf_counter() - started
                elif name == "done":
                    done = json.loads(line[6:])
                elif name == "error":
                    error = json.loads(line[6:]).get("code", "error")
    latency = time.perf_counter() - started
    if done is None:
        return {"error": error or "no done event"}
    timings = done["timings"]
    return {
        "latency_ms": latency * 1000,
        "ttft_ms": (first_text if first_text is not None else latency) * 1000,
        "server_ms": timings.get("total", latency * 1000),
        "model_ms": model_ms(timings),
        "read_ms": timings.get("read", 0.0),  # fetch + extract: the largest share of the overhead
    }


async def level(base_url: str, clients: int, requests: int, seconds: float) -> dict:
    results: list[dict] = []
    issued = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)

    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def worker() -> None:
            nonlocal issued
            while issued < requests and time.perf_counter() < deadline:
                question = QUESTIONS[issued % len(QUESTIONS)]
                issued += 1
                try:
                    results.append(await one_answer(client, base_url, question))
                except httpx.HTTPError as exc:
                    results.append({"error": type(exc).__name__})

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started

    ok = [r for r in results if "error" not in r]
    errors: dict[str, int] = {}
    for r in results:
        if "error" in r:
            errors[r["error"]] = errors.get(r["error"], 0) + 1

    def pct(key: str, q: float) -> float:
        values = sorted(r[key] for r in ok)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

    overheads = sorted(r["server_ms"] - r["model_ms"] for r in ok)
    return {
        "clients": clients,
        "answers": len(ok),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "answers_per_s": round(len(ok) / elapsed, 2) if elapsed else 0.0,
        "latency_p50_ms": round(pct("latency_ms", 0.5), 1),
        "latency_p95_ms": round(pct("latency_ms", 0.95), 1),
        "ttft_p50_ms": round(pct("ttft_ms", 0.5), 1),
        "ttft_p95_ms": round(pct("ttft_ms", 0.95), 1),
        "model_p50_ms": round(pct("model_ms", 0.5), 1),
        "read_p50_ms": round(pct("read_ms", 0.5), 1),
        "overhead_p50_ms": round(statistics.median(overheads), 1) if overheads else float("nan"),
        "overhead_p95_ms": round(overheads[min(len(overheads) - 1, int(round(0.95 * (len(overheads) - 1))))], 1)
        if overheads
        else float("nan"),
        "overhead_share": round(sum(overheads) / sum(r["server_ms"] for r in ok), 3) if ok else float("nan"),
    }


class ThreadParsers:
    """The parse step as it was before worker processes: in asyncio's default threads, in the
    server's process (only for comparison: trafilatura/lxml may crash natively this way)."""

    deadline_s = 3.0
    restarts: dict = {}
    jobs_done = 0
    busy_seconds = 0.0
    alive = 0

    async def run(self, function: str, *args, deadline_s: float | None = None):
        return await asyncio.to_thread(_resolve(function), *args)

    async def aclose(self) -> None:
        pass


class Subprocess:
    """`websearch serve` in its own process, configured like `make_settings` does."""

    def __init__(self, settings) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli.main", "serve", "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT,
            env=subprocess_env(settings),
        )

    def __enter__(self) -> Subprocess:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the API process did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def run(args: argparse.Namespace) -> list[dict]:
    rows = []
    kinds = ["workers", "threads"] if args.parsers == "both" else [args.parsers]
    with LocalWeb() as web, ScriptedMegrez(delay_s=args.ttft, chunk_delay_s=args.token_delay) as megrez:
        ttl = {} if args.cache else {"search_cache_ttl_s": 0, "page_cache_ttl_s": 0}
        settings = make_settings(web, megrez, **MANY_USERS, log_level="WARNING", **ttl)
        for kind in kinds:
            if args.subprocess and kind == "threads":
                continue  # a served process always parses in workers
            if args.subprocess:
                server = Subprocess(settings)
            else:
                parsers = WorkerPool(default_size(), deadline_s=3.0, memory_mb=1024) if kind == "workers" else ThreadParsers()
                server = ServedApp(settings, workers=parsers)
            with server:
                asyncio.run(level(server.base_url, 1, 2, 30))  # warm up: imports, first connections
                for clients in args.levels:
                    requests = max(args.requests, 2 * clients)
                    rows.append({"parsers": kind, **asyncio.run(level(server.base_url, clients, requests, args.seconds))})
                    if not args.json:
                        print_row(rows[-1])
    return rows


HEADER = (
    f"{'parsers':>8} {'clients':>7} {'answers':>7} {'err':>4} {'ans/s':>6} {'p50 ms':>8} {'p95 ms':>8} {'ttft50':>7} "
    f"{'ttft95':>7} {'model50':>8} {'ovh50':>7} {'ovh95':>7} {'ovh%':>5} {'read50':>7}"
)


def print_row(row: dict) -> None:
    errors = sum(row["errors"].values())
    print(
        f"{row.get('parsers', ''):>8} {row['clients']:>7} {row['answers']:>7} {errors:>4} {row['answers_per_s']:>6} {row['latency_p50_ms']:>8} "
        f"{row['latency_p95_ms']:>8} {row['ttft_p50_ms']:>7} {row['ttft_p95_ms']:>7} {row['model_p50_ms']:>8} "
        f"{row['overhead_p50_ms']:>7} {row['overhead_p95_ms']:>7} {100 * row['overhead_share']:>5.1f} "
        f"{row['read_p50_ms']:>7}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients, comma list")
    parser.add_argument("--requests", type=int, default=48, help="answers per level (at least 2 per client)")
    parser.add_argument("--seconds", type=float, default=20.0, help="at most this long per level")
    parser.add_argument("--ttft", type=float, default=0.05, help="the scripted model's delay before its first token")
    parser.add_argument("--token-delay", type=float, default=0.01, help="… and between streamed tokens")
    parser.add_argument("--cache", action="store_true", help="keep the search and page caches on (default: off)")
    parser.add_argument("--subprocess", action="store_true", help="run the API in its own process")
    parser.add_argument(
        "--parsers", choices=["workers", "threads", "both"], default="workers",
        help="parse pages in worker processes (the service), in threads (as before), or both side by side",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.levels = [int(n) for n in args.levels.split(",") if n.strip()]
    if not args.json:
        print(
            f"scripted model: {args.ttft * 1000:g} ms to first token, {args.token_delay * 1000:g} ms per token; "
            f"caches {'on' if args.cache else 'off'}; API {'in its own process' if args.subprocess else 'in-process'}"
        )
        print(
            "latency, ttft: seen by the client; model = decide + max(answer, related); "
            "ovh = server total - model (ovh% of server time); read = fetch + extract"
        )
        print(HEADER)
    rows = run(args)
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
