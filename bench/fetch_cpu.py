"""The server's CPU per page read, in one process: fetching (search.fetch.Fetcher against testkit's
LocalWeb serving bench/corpus/pages) and the parse-worker round trip (search.extract.extract through a
WorkerPool), per page, without the model or the rest of an answer.

    .venv/bin/python -m bench.fetch_cpu [--rounds 6] [--profile fetch|workers]

Fetch: CPU of the main thread (time.thread_time: the event loop, where httpx, the fetcher and its
decoding run; LocalWeb's handler threads live in this process too and are left out), the 64 pages
fetched five at a time (an answer's reads), `--rounds` times. Workers: CPU of this process
(time.process_time: the event loop and the slots' feeding threads; LocalWeb is stopped by then) for
the same pages, extracted five at a time; the workers' own CPU is shown beside it (from /proc).

To compare with another commit, run the same file against that commit's tree, alternating:
    git archive REF | tar -x -C /tmp/old && PYTHONPATH=/tmp/old .venv/bin/python /tmp/old/bench/fetch_cpu.py
(copy this file into /tmp/old/bench first if REF lacks it)."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import time
from pathlib import Path

import httpx

from core.workers import WorkerPool
from search.extract import extract
from search.fetch import Fetcher
from search.models import SearchResult
from testkit.web import LocalWeb

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "bench" / "corpus" / "pages"
AT_ONCE = 5  # pages read together in one answer


def client() -> httpx.AsyncClient:
    # As agent/deps.py builds the shared one.
    return httpx.AsyncClient(
        headers={"User-Agent": "megrez-websearch"},
        timeout=httpx.Timeout(10.0, connect=3.0),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        follow_redirects=False,
    )


def _children_cpu(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


async def _batches(items, work) -> list:
    out = []
    for i in range(0, len(items), AT_ONCE):
        out += await asyncio.gather(*(work(item) for item in items[i : i + AT_ONCE]))
    return out


async def fetch_bench(urls: list[str], rounds: int, profile: cProfile.Profile | None) -> tuple[float, list]:
    async with client() as http:
        fetcher = Fetcher(http, allow_hosts=[urls[0].split("/")[2]])
        fetched = await _batches(urls, fetcher.fetch)  # warm-up: connections, imports
        assert all(f.ok for f in fetched), [f.error for f in fetched if not f.ok]
        if profile:
            profile.enable()
        started = time.thread_time()
        for _ in range(rounds):
            await _batches(urls, fetcher.fetch)
        spent = time.thread_time() - started
        if profile:
            profile.disable()
    return spent / (rounds * len(urls)), fetched


async def workers_bench(
    fetched: list, rounds: int, profile: cProfile.Profile | None, size: int = 2
) -> tuple[float, float, int]:
    results = [SearchResult(url=f.url, title="", snippet="a snippet") for f in fetched]
    pairs = list(zip(fetched, results))
    async with WorkerPool(size, deadline_s=20.0, memory_mb=0) as pool:

        async def one(pair):
            return await extract(pair[0], pair[1], pool)

        pages = await _batches(pairs, one)  # warm-up
        if profile:
            profile.enable()
        kids = pool.pids()
        started, kid_started = time.process_time(), _children_cpu(kids)
        for _ in range(rounds):
            await _batches(pairs, one)
        spent, kid_spent = time.process_time() - started, _children_cpu(kids) - kid_started
        if profile:
            profile.disable()
    n = rounds * len(pairs)
    return spent / n, kid_spent / n, sum(len(p.text) for p in pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--profile", choices=["fetch", "workers"])
    parser.add_argument("--workers", type=int, default=2, help="parse workers in the pool")
    args = parser.parse_args()
    profile = cProfile.Profile(time.process_time) if args.profile else None
    with LocalWeb(pages_dir=PAGES) as web:
        urls = [f"{web.base_url}/pages/{p.stem}.html" for p in sorted(PAGES.glob("*.html"))]
        fetch_s, fetched = asyncio.run(fetch_bench(urls, args.rounds, profile if args.profile == "fetch" else None))
    work_s, kid_s, chars = asyncio.run(
        workers_bench(fetched, args.rounds, profile if args.profile == "workers" else None, args.workers)
    )
    print(
        f"{len(urls)} pages x {args.rounds}, {args.workers} workers: fetch {fetch_s * 1000:.3f} ms/page (main thread); "
        f"worker round trip {work_s * 1000:.3f} ms/page (server process), workers {kid_s * 1000:.2f} ms/page; "
        f"{chars} chars extracted"
    )
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
