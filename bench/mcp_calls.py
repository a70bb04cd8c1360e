"""MCP: what a tool call costs beside the same work over REST, side by side in one run.

One API process (in a thread) on loopback, the local web and the scripted Megrez (no model delay),
warm caches. For each surface, N rounds calling each surface in turn; prints the median and p95 client-side latency
and the ratio to REST:

  ask    — `POST /v1/answer` vs the `ask` tool over Streamable HTTP (/mcp, SSE replies)
           vs the `ask` tool over stdio (`websearch mcp` subprocess)
  search — the `search` tool over HTTP and over stdio (results read and ranked; no REST twin)
  read   — the `read` tool over HTTP (one page, from the page cache after the first call)

The MCP client is the official SDK's, one session per surface (as an agent holds it). No pass/fail.

    .venv/bin/python -m bench.mcp_calls [--calls 30] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import httpx
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from testkit.settings import MANY_USERS, make_settings
from testkit.app_server import ServedApp, subprocess_env
from testkit.megrez import ScriptedMegrez
from testkit.web import LocalWeb

ROOT = Path(__file__).resolve().parents[1]

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
QUERY = "Aurora Bridge Veldmark cost"


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
    }


async def interleaved(calls: int, surfaces: dict) -> dict[str, list[float]]:
    """Each round calls every surface once, in turn: load and CPU drift hit them alike."""
    for call in surfaces.values():
        await call()  # warm: caches, connections, imports
    samples: dict[str, list[float]] = {name: [] for name in surfaces}
    for _ in range(calls):
        for name, call in surfaces.items():
            started = time.perf_counter()
            await call()
            samples[name].append(time.perf_counter() - started)
    return samples


async def ok(client: Client, tool: str, arguments: dict) -> None:
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        raise RuntimeError(f"{tool}: {result.content}")


async def run(calls: int) -> dict[str, dict[str, float]]:
    with LocalWeb() as web, ScriptedMegrez() as megrez:
        settings = make_settings(web, megrez, **MANY_USERS)
        page = web.url("aurora-bridge")
        stdio_server = StdioServerParameters(
            command=sys.executable, args=["-m", "api.cli.main", "mcp"], env=subprocess_env(settings), cwd=str(ROOT)
        )
        with ServedApp(settings) as app:
            http = httpx2.AsyncClient(timeout=60)
            async with (
                httpx.AsyncClient(base_url=app.base_url, timeout=60) as rest,
                Client(streamable_http_client(f"{app.base_url}/mcp", http_client=http)) as over_http,
                Client(stdio_server) as over_stdio,
            ):

                async def rest_ask() -> None:
                    (await rest.post("/v1/answer", json={"question": QUESTION})).raise_for_status()

                samples = await interleaved(
                    calls,
                    {
                        "ask REST": rest_ask,
                        "ask MCP HTTP": lambda: ok(over_http, "ask", {"question": QUESTION}),
                        "ask MCP stdio": lambda: ok(over_stdio, "ask", {"question": QUESTION}),
                        "search MCP HTTP": lambda: ok(over_http, "search", {"query": QUERY, "max_results": 5}),
                        "search MCP stdio": lambda: ok(over_stdio, "search", {"query": QUERY, "max_results": 5}),
                        "read MCP HTTP": lambda: ok(over_http, "read", {"url": page}),
                    },
                )
    figures = {name: summary(values) for name, values in samples.items()}
    rest_p50 = figures["ask REST"]["p50_ms"]
    for name in ("ask REST", "ask MCP HTTP", "ask MCP stdio"):
        figures[name]["vs_rest"] = round(figures[name]["p50_ms"] / rest_p50, 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(run(args.calls))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{'surface':<18} {'p50 ms':>8} {'p95 ms':>8} {'p50 / REST':>11}   ({args.calls} rounds, surfaces interleaved, warm caches)")
    for name, row in figures.items():
        ratio = f"{row['vs_rest']:.2f}" if "vs_rest" in row else ""
        print(f"{name:<18} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {ratio:>11}")


if __name__ == "__main__":
    main()
