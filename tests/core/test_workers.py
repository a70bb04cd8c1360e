"""The parse workers as the server uses them: real processes, real signals, real memory caps."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

import core.workers as workers_module
from core.caller import current_caller
from core.errors import ErrorKind
from core.workers import ParseFailed, WorkerLost, WorkerPool, WorkerPoolClosed

CHAOS = "testkit.chaos:install"


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    workers = WorkerPool(2, deadline_s=5.0, memory_mb=256, initializer=CHAOS).start()
    yield workers
    workers.close()


def wait_for(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


async def test_jobs_run_in_the_workers_not_in_the_server(pool: WorkerPool) -> None:
    pids = {await pool.run("os:getpid") for _ in range(6)}
    assert os.getpid() not in pids
    assert pids <= set(pool.pids()) and len(pool.pids()) == 2


@pytest.mark.parametrize("how", ["abort", "segv"])
async def test_a_native_crash_costs_its_job_only_and_the_worker_is_replaced(pool: WorkerPool, how: str) -> None:
    before = set(pool.pids())
    crash = asyncio.ensure_future(pool.run("testkit.chaos:misbehave", how))
    fine = asyncio.ensure_future(pool.run("os:getpid"))
    with pytest.raises(WorkerLost) as lost:
        await crash
    assert lost.value.cause == "crash" and lost.value.kind is ErrorKind.UNAVAILABLE
    assert f"signal {signal.SIGABRT if how == 'abort' else signal.SIGSEGV}" in str(lost.value)
    assert await fine in before  # the other worker went on
    assert wait_for(lambda: pool.alive == 2)
    assert set(pool.pids()) != before  # a new process took the dead one's place
    assert pool.restarts["crash"] == 1
    assert await pool.run("os:getpid") in pool.pids()  # and the next job is served


async def test_a_worker_killed_while_it_holds_a_job(pool: WorkerPool) -> None:
    held = asyncio.ensure_future(pool.run("time:sleep", 30))
    assert await asyncio.to_thread(wait_for, lambda: pool.busy())
    [(pid, _)] = pool.busy()
    os.kill(pid, signal.SIGKILL)
    started = time.monotonic()
    with pytest.raises(WorkerLost, match="signal 9") as lost:
        await held
    assert lost.value.cause == "crash" and time.monotonic() - started < 2
    assert await asyncio.to_thread(wait_for, lambda: pool.alive == 2 and pid not in pool.pids())


async def test_a_worker_that_died_while_idle_is_replaced_before_the_next_job(pool: WorkerPool) -> None:
    for pid in pool.pids():
        os.kill(pid, signal.SIGKILL)
    assert await asyncio.to_thread(wait_for, lambda: pool.alive == 0)
    results = await asyncio.gather(*(pool.run("os:getpid") for _ in range(4)))
    assert set(results) <= set(pool.pids()) and pool.alive == 2


async def test_past_the_deadline_the_worker_is_killed_and_replaced() -> None:
    with WorkerPool(1, deadline_s=0.5, memory_mb=0).start() as pool:
        [before] = pool.pids()
        started = time.monotonic()
        with pytest.raises(WorkerLost) as lost:
            await pool.run("time:sleep", 30)
        assert lost.value.cause == "deadline" and time.monotonic() - started < 1.5
        assert lost.value.kind is ErrorKind.TIMEOUT  # a 504 where it reaches a caller, not a 503
        with pytest.raises(ProcessLookupError):
            os.kill(before, 0)
        assert await pool.run("os:getpid") != before
        assert pool.restarts == {"deadline": 1}


async def test_a_jobs_own_deadline_overrides_the_pools_both_ways() -> None:
    """`websearch index` gives a long PDF 60 s and DuckDuckGo's search 12 s on a pool whose pages get
    3 s: a job's own deadline holds whichever way it differs from the pool's."""
    with WorkerPool(1, deadline_s=0.3, memory_mb=0).start() as short:
        assert await short.run("time:sleep", 1.0, deadline_s=30) is None  # past the pool's, within its own
        assert not short.restarts
    with WorkerPool(1, deadline_s=30, memory_mb=0).start() as long:
        with pytest.raises(WorkerLost) as lost:
            await long.run("time:sleep", 60, deadline_s=0.3)
        assert lost.value.cause == "deadline" and "0.3s" in str(lost.value)


async def test_a_memory_hog_dies_under_its_cap_and_the_server_does_not(pool: WorkerPool) -> None:
    with pytest.raises(WorkerLost) as lost:
        await pool.run("testkit.chaos:misbehave", "hog")
    assert lost.value.cause == "memory" and "cap 256 MiB" in str(lost.value)
    assert pool.restarts["memory"] == 1
    assert await asyncio.to_thread(wait_for, lambda: pool.alive == 2)


async def test_a_raising_parser_is_an_error_not_a_lost_worker(pool: WorkerPool) -> None:
    before = set(pool.pids())
    with pytest.raises(ParseFailed) as failed:
        await pool.run("json:loads", "{not json")
    assert failed.value.raised == "JSONDecodeError"
    assert str(failed.value).startswith("JSONDecodeError: Expecting property name")
    assert set(pool.pids()) == before and not pool.restarts


async def test_a_caller_that_gives_up_withdraws_its_queued_job() -> None:
    with WorkerPool(1, deadline_s=5.0, memory_mb=0).start() as pool:
        first = asyncio.ensure_future(pool.run("time:sleep", 0.5))
        queued = asyncio.ensure_future(pool.run("os:abort"))  # would cost a worker if it ran
        await asyncio.sleep(0.1)
        queued.cancel()
        await first
        assert await pool.run("os:getpid") and not pool.restarts


async def test_closing_fails_queued_jobs_and_refuses_new_ones() -> None:
    pool = WorkerPool(1, deadline_s=5.0, memory_mb=0).start()
    running = asyncio.ensure_future(pool.run("time:sleep", 0.3))
    queued = asyncio.ensure_future(pool.run("os:getpid"))
    await asyncio.sleep(0.05)
    await pool.aclose()
    assert await running is None  # a job already running finishes
    with pytest.raises(WorkerPoolClosed):
        await asyncio.wait_for(queued, 30)  # bounded: a job left pending would hang the suite
    with pytest.raises(WorkerPoolClosed):
        await asyncio.wait_for(pool.run("os:getpid"), 30)
    assert pool.alive == 0


async def test_a_worker_that_exits_names_its_exit_code_and_ctrl_c_is_for_the_server_not_the_workers(pool: WorkerPool) -> None:
    with pytest.raises(WorkerLost, match="exit code 7") as lost:
        await pool.run("os:_exit", 7)
    assert lost.value.cause == "crash"
    with pytest.raises(WorkerLost, match=r"exit code 0\)"):  # a parser calling sys.exit() is no signal either
        await pool.run("sys:exit")
    assert await asyncio.to_thread(wait_for, lambda: pool.alive == 2)
    before = set(pool.pids())
    for pid in before:  # Ctrl-C in a terminal reaches the whole process group
        os.kill(pid, signal.SIGINT)
    assert {await pool.run("os:getpid") for _ in range(6)} <= before
    assert set(pool.pids()) == before and pool.restarts == {"crash": 2}


async def test_an_unstarted_pool_starts_on_its_first_job_and_counts_its_work() -> None:
    pool = WorkerPool(1, deadline_s=5.0, memory_mb=0)
    try:
        assert pool.alive == 0
        submitted = time.monotonic()
        held = asyncio.ensure_future(pool.run("time:sleep", 0.3))
        assert await asyncio.to_thread(wait_for, lambda: pool.busy())
        [(pid, seconds)] = pool.busy()
        assert pid in pool.pids() and 0 <= seconds <= time.monotonic() - submitted
        await held
        assert await pool.run("os:getpid") == pid
        # what /metrics shows: jobs done, and the seconds workers spent on them (within the time they took)
        assert pool.jobs_done == 2 and 0.3 <= pool.busy_seconds <= time.monotonic() - submitted
        assert not pool.busy()
    finally:
        pool.close()


async def test_a_job_may_use_the_memory_its_cap_allows_and_no_cap_means_none() -> None:
    """The cap is headroom beyond what a worker holds at start: a big but legitimate PDF (most of
    `parse_memory_mb`) parses; `parse_memory_mb = 0` caps nothing."""
    with WorkerPool(1, deadline_s=30.0, memory_mb=256).start() as capped:
        assert await capped.run("testkit.chaos:allocate", 192) == 192
        assert not capped.restarts
    with WorkerPool(1, deadline_s=30.0, memory_mb=0).start() as uncapped:
        assert await uncapped.run("testkit.chaos:allocate", 320) == 320
        assert not uncapped.restarts


def test_a_pool_of_no_workers_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        WorkerPool(0, deadline_s=5.0, memory_mb=0)
    with WorkerPool(1, deadline_s=5.0, memory_mb=0) as one:  # one is enough
        assert one.alive == 1


def test_a_worker_that_never_gets_ready_fails_its_jobs_clearly_and_is_not_left_running(monkeypatch, caplog) -> None:
    """A broken installation (an initializer that hangs): start() returns once the worker is known
    broken (logged, before the server says it is up), each job fails naming the worker that did not
    start, and no half-started process is left behind."""
    monkeypatch.setattr(workers_module, "READY_TIMEOUT_S", 1.0)
    died: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", died.append)  # a slot thread dying would log a traceback
    before = {p.pid for p in multiprocessing.active_children()}
    pool = WorkerPool(1, deadline_s=5.0, memory_mb=0, initializer="testkit.chaos:hang").start()
    try:
        assert "parse worker 0 could not start" in caplog.text and pool.alive == 0
        with pytest.raises(RuntimeError, match="parse worker 0 did not start within 1s"):
            pool.submit("os:getpid").result(timeout=60)
        # After a failed job the slot tries once more (a worker for the next job), killed at the same
        # ready timeout: wait that out rather than catch the try in flight.
        assert wait_for(lambda: not [p for p in multiprocessing.active_children() if p.pid not in before])
        assert not pool.restarts  # nothing was lost: nothing ever ran
    finally:
        pool.close()
    assert not died  # and it closes quietly


def test_pools_never_keep_the_server_from_exiting() -> None:
    """A process that ends without closing its pool still ends: the slot threads and the worker
    processes are daemons (a CLI stopped by an exception, a test that forgot to close)."""
    with WorkerPool(2, deadline_s=5.0, memory_mb=0) as pool:
        slots = [t for t in threading.enumerate() if t.name.startswith("parse-worker-")]
        processes = [p for p in multiprocessing.active_children() if p.pid in pool.pids()]
        assert len(slots) >= 2 and all(t.daemon for t in slots)
        assert len(processes) == 2 and all(p.daemon for p in processes)


async def test_leaving_a_with_block_closes_the_pool() -> None:
    with WorkerPool(1, deadline_s=5.0, memory_mb=0) as pool:
        assert await pool.run("os:getpid") in pool.pids()
    assert pool.alive == 0
    with pytest.raises(WorkerPoolClosed):
        await asyncio.wait_for(pool.run("os:getpid"), 30)
    async with WorkerPool(1, deadline_s=5.0, memory_mb=0) as apool:
        assert await apool.run("os:getpid") in apool.pids()
    assert apool.alive == 0
    with pytest.raises(WorkerPoolClosed):
        await asyncio.wait_for(apool.run("os:getpid"), 30)


def test_workers_start_from_a_fork_server_that_has_the_parsers_loaded() -> None:
    """The service's pools fork each worker from a server that imported the parsers once: a
    replacement worker is ready at once, not after loading trafilatura and lxml again."""
    with WorkerPool(1, deadline_s=30.0, memory_mb=0, start_method="forkserver") as pool:
        assert pool.submit("testkit.chaos:imported", "trafilatura").result(timeout=60) is True


def test_ctrl_c_in_a_terminal_stops_the_server_not_its_workers() -> None:
    """Ctrl-C reaches the whole foreground process group; the workers ignore it and the server
    closes them. (Started as a terminal starts them, with Python's own SIGINT handler: a background
    job inherits SIGINT ignored, which would hide a worker that does not ignore it itself.)"""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        pool = WorkerPool(2, deadline_s=5.0, memory_mb=0).start()
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        before = set(pool.pids())
        for pid in before:
            os.kill(pid, signal.SIGINT)
        assert {pool.submit("os:getpid").result(timeout=30) for _ in range(6)} <= before
        assert set(pool.pids()) == before and not pool.restarts
    finally:
        pool.close()


def test_one_callers_jobs_leave_a_worker_free_for_everyone_else(tmp_path) -> None:
    """One key's pages hanging their parsers hold at most all workers but one: another key's page,
    arriving after them, is parsed at once, not after the first key's deadlines."""
    release = tmp_path / "release"
    with WorkerPool(2, deadline_s=60.0, memory_mb=0) as pool:
        try:
            hog = current_caller.set("k-hog")
            held = [pool.submit("testkit.chaos:hold", str(release), str(tmp_path / f"started-{n}")) for n in range(3)]
            current_caller.reset(hog)
            assert wait_for(lambda: any(tmp_path.glob("started-*")))
            assert len(pool.busy()) == 1  # the other worker stays free
            other = current_caller.set("k-other")
            served = pool.submit("os:getpid")
            current_caller.reset(other)
            assert served.result(timeout=30) in pool.pids()  # while the first key's jobs still wait
            assert not any(job.done() for job in held) and len(list(tmp_path.glob("started-*"))) == 1
        finally:
            release.touch()
        assert [job.result(timeout=60) for job in held] == [True] * 3


def test_closing_lets_a_running_job_finish_however_short_its_own_wait(tmp_path) -> None:
    """Shutdown lets a page being parsed finish (up to its deadline), not only for close's own `timeout_s`."""
    release, started = tmp_path / "release", tmp_path / "started"
    pool = WorkerPool(1, deadline_s=60.0, memory_mb=0).start()
    running = pool.submit("testkit.chaos:hold", str(release), str(started))
    try:
        assert wait_for(started.exists)
        closing = threading.Thread(target=pool.close, kwargs={"timeout_s": 0.1})
        closing.start()
        closing.join(2)
        still_closing = closing.is_alive()  # the job is held until the release below: close cannot be done
    finally:
        release.touch()
    closing.join(60)
    assert still_closing and running.result(timeout=5) is True and pool.alive == 0


def test_closing_gives_a_running_job_its_timeout_beyond_the_pools_deadline() -> None:
    """Shutdown waits `timeout_s` on top of the pool's deadline for a page being parsed: a job given a
    longer deadline of its own (`websearch index`'s PDFs on a pool whose pages get 3 s) that needs
    more than the pool's deadline has its result when close returns, not lost with the process."""
    pool = WorkerPool(1, deadline_s=0.2, memory_mb=0).start()
    running = pool.submit("time:sleep", 1.5, deadline_s=60)
    assert wait_for(lambda: pool.busy())
    pool.close(timeout_s=30)
    assert running.done() and running.result() is None and pool.alive == 0


def process_state(pid: int) -> str:
    """The kernel's one-letter state of process `pid` ("Z": dead, not yet reaped by its parent)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0]
    except OSError:
        return "gone"


def test_a_worker_that_died_before_the_pool_could_know_fails_its_page_as_a_crash_not_a_deadline() -> None:
    """A worker killed while idle (the kernel's OOM killer, an operator) counts as alive until its fork
    server reports the death, a moment that lasts under load: the pool hands it the next page and the
    send finds a dead pipe. That page fails as a crash (a 503, counted as one), not as a deadline (a
    504, counted as parsing too slow), even when the exit status is still unknown a second later. The
    fork server is held stopped here until the page has failed, to keep that moment open (~6 s: the
    pool's waits for the status)."""
    with WorkerPool(1, deadline_s=30.0, memory_mb=0, start_method="forkserver") as pool:
        [worker] = pool.pids()
        fork_server = pool.submit("os:getppid").result(timeout=30)
        assert fork_server != os.getpid()
        os.kill(fork_server, signal.SIGSTOP)
        try:
            os.kill(worker, signal.SIGKILL)
            assert wait_for(lambda: process_state(worker) == "Z")  # dead, its pipe closed, not reported
            assert pool.pids() == [worker]
            with pytest.raises(WorkerLost) as lost:
                pool.submit("os:getpid").result(timeout=60)
        finally:
            os.kill(fork_server, signal.SIGCONT)
        assert lost.value.cause == "crash" and lost.value.kind is ErrorKind.UNAVAILABLE
        assert str(lost.value) == "parse worker died (its exit status not known yet)"  # not "exit code None"
        assert pool.restarts == {"crash": 1}
        assert pool.submit("os:getpid").result(timeout=30) != worker
