"""The parse workers start from the fork server's preload: warm, and with what it loaded out of the
collector's sight."""

from __future__ import annotations

from core.workers import WorkerPool


async def test_a_worker_starts_with_the_preloaded_parsers_frozen_and_still_collects_its_own_garbage(
    workers: WorkerPool,
) -> None:
    # The parsers' modules and data (tens of thousands of objects) are frozen in the fork server
    # before any worker is forked, so no worker's full collection walks or copies them. (Workers
    # fork from the fork server, never from this process, whatever this process froze.)
    frozen = await workers.run("gc:get_freeze_count")
    assert frozen > 10_000, frozen
    # Collection goes on for what a worker makes: a page's reference cycles are still freed.
    assert await workers.run("gc:isenabled") is True
    assert await workers.run("gc:collect") >= 0
