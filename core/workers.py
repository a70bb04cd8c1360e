"""Worker processes for parsing untrusted bytes: HTML extraction, PDF text, charsets, local documents.

lxml and trafilatura crash natively when they run concurrently in threads (trafilatura #840, #925),
and one page can make a parser spin or swell. So parsing runs in child processes: a crash, a blown
deadline or the memory cap costs one worker and the job it held (the caller falls back, e.g. to the
search snippet), never the server, and the pool turns every core into throughput.

Each slot is a thread that only waits on a pipe (it never parses, and holds no GIL while waiting)
and the process it feeds. A process that dies, overruns its deadline or runs out of memory is
replaced by its slot before the slot takes the next job. Processes come from a fork server that has
the parsers imported already, so a replacement is ready in milliseconds and carries none of the
server's threads. Jobs name a function ("module:function") and pass picklable arguments.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Literal

from core.errors import ErrorKind, WebsearchError
from core.caller import current_caller
from core.fair_queue import STOP, FairQueue

log = logging.getLogger(__name__)

Cause = Literal["crash", "deadline", "memory"]
_SPAWNING = threading.Lock()

# What the fork server imports (and runs once) so that no worker pays for loading the parsers.
PRELOAD = ("search.parse_preload",)
READY_TIMEOUT_S = 60.0  # a worker that is not ready by then is a broken installation, not a slow page


class WorkerLost(WebsearchError):
    """The worker holding a job died (crash), was killed at its deadline, or ran out of memory."""

    code = "worker_lost"

    def __init__(self, cause: Cause, detail: str):
        super().__init__(detail, kind=ErrorKind.TIMEOUT if cause == "deadline" else ErrorKind.UNAVAILABLE)
        self.cause = cause


class WorkerPoolClosed(WebsearchError):
    """The pool was closed (the service is shutting down) before the job ran."""

    kind = ErrorKind.UNAVAILABLE
    code = "workers_closed"


class ParseFailed(WebsearchError):
    """The parsing function raised: the bytes were bad, the worker is fine. `raised` is the name of
    the exception it raised, `message` its text."""

    kind = ErrorKind.BAD_REQUEST
    code = "parse_failed"

    def __init__(self, raised: str, message: str):
        super().__init__(message)
        self.raised = raised

    def __str__(self) -> str:
        return f"{self.raised}: {self.message}"


# --- inside a worker ---------------------------------------------------------------------------


def _resolve(name: str):
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


def _address_space() -> int:
    """This process's virtual size in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(headroom_bytes: int) -> None:
    """Cap the address space at what the worker has now plus `headroom_bytes`: allocations past it
    fail with MemoryError in the worker, and the machine keeps its memory."""
    import resource

    if headroom_bytes <= 0 or not (current := _address_space()):
        return
    limit = current + headroom_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker_main(conn: Connection, memory_bytes: int, initializer: str | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; it closes the pool
    _limit_memory(memory_bytes)
    if initializer:
        _resolve(initializer)()
    functions: dict[str, Any] = {}
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):  # the server went away: so do we
            return
        if message is None:
            return
        name, args = message
        try:
            function = functions.get(name) or functions.setdefault(name, _resolve(name))
            conn.send(("ok", function(*args)))
        except MemoryError:
            # Not trusted after this: report, then exit so the slot starts a clean process.
            try:
                conn.send(("memory", None))
            finally:
                os._exit(3)
        except Exception as exc:
            conn.send(("error", (type(exc).__name__, str(exc))))


# --- in the server -----------------------------------------------------------------------------


@dataclass
class _Job:
    function: str
    args: tuple
    deadline_s: float
    future: Future = field(default_factory=Future)


class _Slot:
    """One worker process and the thread that feeds it jobs."""

    def __init__(self, pool: WorkerPool, number: int):
        self.pool = pool
        self.number = number
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.ready = threading.Event()
        self.busy_since: float | None = None  # monotonic time the current job was handed over
        self.thread = threading.Thread(target=self._run, name=f"parse-worker-{number}", daemon=True)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.is_alive() else None

    def _spawn(self) -> None:
        # One spawn at a time: forked straight from this process (start_method "fork"), a worker
        # would inherit the worker end of a sibling's pipe still open here, and that sibling's
        # crash would then read as a hang until the deadline. (The fork server's children hold none.)
        with _SPAWNING:
            ours, theirs = self.pool._context.Pipe(duplex=True)
            process = self.pool._context.Process(
                target=_worker_main,
                args=(theirs, self.pool.memory_bytes, self.pool.initializer),
                name=f"websearch-parse-{self.number}",
                daemon=True,
            )
            process.start()
            theirs.close()
        if not ours.poll(READY_TIMEOUT_S):
            process.kill()
            process.join(5)
            raise RuntimeError(f"parse worker {self.number} did not start within {READY_TIMEOUT_S:g}s")
        ours.recv()  # ("ready", pid)
        self.process, self.conn = process, ours

    def _discard(self, cause: Cause | None) -> None:
        """End the process (killing it if it still runs); count why when it was not a clean stop."""
        process, conn = self.process, self.conn
        self.process = self.conn = None
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(5)
        if conn is not None:
            conn.close()
        if cause is not None:
            self.pool._count_restart(cause)

    def _replace(self) -> None:
        try:
            self._spawn()
        except Exception as exc:  # the next job tries again; until then this slot's jobs fail
            log.error("parse worker %d could not start: %r", self.number, exc)

    def _run(self) -> None:
        self._replace()
        self.ready.set()
        while True:
            owner, job = self.pool._jobs.get()
            if job is STOP:
                break
            try:
                self._take(job)
            finally:
                self.pool._jobs.done(owner)
        if self.conn is not None:
            try:
                self.conn.send(None)
                if self.process is not None:
                    self.process.join(2)
            except OSError:
                pass
        self._discard(None)

    def _take(self, job: _Job) -> None:
        if not job.future.set_running_or_notify_cancel():  # its caller gave up while it queued
            return
        try:
            if self.process is not None and not self.process.is_alive():  # died while idle
                self._discard("crash")
            if self.process is None:
                self._spawn()
            job.future.set_result(self._roundtrip(job))
        except BaseException as exc:  # every failure reaches the caller; the slot goes on
            job.future.set_exception(exc)
        if self.process is None:  # lost with that job: a fresh worker, before the next one
            self._replace()

    def _roundtrip(self, job: _Job) -> Any:
        assert self.conn is not None and self.process is not None
        started = time.perf_counter()
        self.busy_since = time.monotonic()
        try:
            return self._exchange(job, started)
        finally:
            self.busy_since = None

    def _exchange(self, job: _Job, started: float) -> Any:
        assert self.conn is not None and self.process is not None
        try:
            self.conn.send((job.function, job.args))
            answered = self.conn.poll(job.deadline_s)
        except OSError:  # the process died between jobs
            answered = True
        if not answered:
            self._discard("deadline")
            raise WorkerLost("deadline", f"parsing took longer than {job.deadline_s:g}s")
        try:
            kind, value = self.conn.recv()
        except (EOFError, OSError):
            process = self.process
            process.join(1)
            code = process.exitcode
            self._discard("crash")
            if code is None:  # its fork server has not reported it yet: the pipe alone says it is gone
                how = "its exit status not known yet"
            else:
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
            raise WorkerLost("crash", f"parse worker died ({how})") from None
        if kind == "memory":
            self._discard("memory")
            raise WorkerLost("memory", f"parse worker ran out of memory (cap {self.pool.memory_bytes >> 20} MiB)")
        self.pool._observe(time.perf_counter() - started)
        if kind == "error":
            raise ParseFailed(*value)
        return value


class WorkerPool:
    """`size` worker processes; `run("module:function", *args)` from async code, `submit` from sync.

    `memory_mb`: how much each worker may allocate beyond what it has at start (0 = no cap).
    Jobs are taken fairly across their owners (`core.caller.current_caller`: the request's key).
    `initializer`: "module:function" called in each new worker before its first job."""

    def __init__(
        self,
        size: int,
        *,
        deadline_s: float,
        memory_mb: int,
        initializer: str | None = None,
        start_method: str = "forkserver",
    ):
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.size = size
        self.deadline_s = deadline_s
        self.memory_bytes = max(0, memory_mb) << 20
        self.initializer = initializer
        self._context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._context.set_forkserver_preload(list(PRELOAD))
        self._jobs = FairQueue(share=size - 1)  # one key holds at most all workers but one
        self._slots = [_Slot(self, number) for number in range(size)]
        self._lock = threading.Lock()
        self._closed = False
        self._started = False
        self.restarts: Counter[str] = Counter()  # by cause: crash, deadline, memory
        self.jobs_done = 0
        self.busy_seconds = 0.0

    # -- life --

    def start(self) -> WorkerPool:
        """Start every worker and wait until each is ready (blocking: call it off the event loop)."""
        if not self._started:
            self._started = True
            for slot in self._slots:
                slot.thread.start()
            for slot in self._slots:
                slot.ready.wait(READY_TIMEOUT_S + 5)
        return self

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop taking jobs; jobs still queued fail with WorkerPoolClosed; running ones finish (up to
        their deadline); then the workers end."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for job in self._jobs.drain():
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(WorkerPoolClosed("the parse workers were shut down"))
        self._jobs.stop(len(self._slots))
        if self._started:
            for slot in self._slots:
                slot.thread.join(timeout_s + self.deadline_s)

    def __enter__(self) -> WorkerPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> WorkerPool:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    # -- jobs --

    def submit(self, function: str, *args: Any, deadline_s: float | None = None) -> Future:
        job = _Job(function, args, deadline_s if deadline_s is not None else self.deadline_s)
        with self._lock:
            if self._closed:
                job.future.set_exception(WorkerPoolClosed("the parse workers were shut down"))
                return job.future
            if not self._started:
                self.start()
            self._jobs.put(current_caller.get(), job)
        return job.future

    async def run(self, function: str, *args: Any, deadline_s: float | None = None) -> Any:
        """Run `function(*args)` in a worker. Raises WorkerLost (the worker died or was killed; the
        pool has replaced it), ParseFailed (the function raised) or WorkerPoolClosed. Cancelling
        the caller withdraws a job that has not started; a started one runs to its deadline."""
        return await asyncio.wrap_future(self.submit(function, *args, deadline_s=deadline_s))

    # -- what it has done --

    def pids(self) -> list[int]:
        return [pid for slot in self._slots if (pid := slot.pid) is not None]

    @property
    def alive(self) -> int:
        return len(self.pids())

    def busy(self) -> list[tuple[int, float]]:
        """(pid, seconds) of each worker holding a job now."""
        now = time.monotonic()
        return [
            (pid, now - since)
            for slot in self._slots
            if (since := slot.busy_since) is not None and (pid := slot.pid) is not None
        ]

    def _count_restart(self, cause: Cause) -> None:
        with self._lock:
            self.restarts[cause] += 1
        log.warning("parse worker replaced after %s", cause)

    def _observe(self, seconds: float) -> None:
        with self._lock:
            self.jobs_done += 1
            self.busy_seconds += seconds
