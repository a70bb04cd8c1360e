"""Draining on shutdown, so a replica leaves its load balancer without dropping an answer.

Shutdown (SIGTERM, or `Draining.begin`) happens in this order: `/readyz` and `/readyz/shallow` answer 503 and new requests
get `503 {"error": {"code": "shutting_down"}}` (with `Connection: close`, so clients go to another
replica), while the requests already in flight run on. When the last one has finished — or when
`WEBSEARCH_SHUTDOWN_GRACE_S` is over, and then a stream still running ends with an `error` event and
anything else with that 503 — the server is told to exit. A conversation turn is saved in one Redis
transaction (RPUSH + EXPIRE), so a request cut off by the grace period has saved its turn whole or
not at all.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI

from agent.events import Error
from api import errors, sse
from core.errors import ErrorKind

log = logging.getLogger("websearch.api")

# Probes and scrapes are answered while draining: the orchestrator must see the 503, Prometheus the drain.
UNDRAINED_PATHS = frozenset({"/healthz", "/readyz", "/readyz/shallow", "/metrics"})
SHUTTING_DOWN = "the service is shutting down; retry on another replica"


class _InFlight:
    def __init__(self, task: asyncio.Task) -> None:
        self.task = task
        self.expired = False  # the grace period ended before the request did


class Draining:
    """The shutdown sequence above; `begin` may be called from any thread (a signal handler, a test)."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self.active = False
        self._in_flight: set[_InFlight] = set()
        self._changed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._changed = asyncio.Event()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def begin(self, exit: Callable[[], None]) -> None:
        """Start draining, then call `exit` (tell the server to stop) once it is done. Returns at once."""
        if self._loop is None or self._loop.is_closed():
            exit()  # not serving (yet, or any more): nothing to drain
            return
        self._loop.call_soon_threadsafe(self._start, exit)

    def _start(self, exit: Callable[[], None]) -> None:
        if self._task is not None:  # asked twice (a second SIGTERM): stop waiting
            exit()
            return
        self.active = True
        self._task = asyncio.get_running_loop().create_task(self._drain(exit))

    async def _drain(self, exit: Callable[[], None]) -> None:
        assert self._changed is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.grace_s
        if self._in_flight:
            log.warning("shutting down: %d request(s) in flight get %gs to finish", len(self._in_flight), self.grace_s)
        try:
            while self._in_flight and loop.time() < deadline:
                self._changed.clear()
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - loop.time())
                except TimeoutError:
                    break
            if self._in_flight:
                log.warning("shutting down: grace period over, ending %d request(s)", len(self._in_flight))
                for request in list(self._in_flight):
                    request.expired = True
                    request.task.cancel()
                unwind = loop.time() + 5.0
                while self._in_flight and loop.time() < unwind:
                    self._changed.clear()
                    try:
                        await asyncio.wait_for(self._changed.wait(), unwind - loop.time())
                    except TimeoutError:
                        break
        finally:
            exit()

    # --- used by the middleware ----------------------------------------------------------------

    def add(self, request: _InFlight) -> None:
        self._in_flight.add(request)

    def discard(self, request: _InFlight) -> None:
        self._in_flight.discard(request)
        if self._changed is not None:
            self._changed.set()


class DrainMiddleware:
    def __init__(self, app: Any, draining: Draining) -> None:
        self.app = app
        self.draining = draining

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in UNDRAINED_PATHS:
            return await self.app(scope, receive, send)
        if self.draining.active:
            return await _shutting_down(scope, receive, send)
        state = {"started": False, "ended": False}
        stream = sse.watch(scope)  # an event stream declares its format there (api/sse.py)

        async def tracked(message: dict) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            elif message["type"] == "http.response.body":
                state["ended"] = not message.get("more_body", False)
            await send(message)

        # The request runs in a task of its own: the drain cancels that task, never this one (shielded),
        # so the cut-off answer can still be sent here; a cancellation of this task is passed on to it.
        request = _InFlight(asyncio.get_running_loop().create_task(self.app(scope, receive, tracked)))
        self.draining.add(request)
        try:
            await asyncio.shield(request.task)
        except asyncio.CancelledError:
            if not request.expired:  # our own caller is cancelled (client gone, server stopping)
                request.task.cancel()
                raise
            await _cut_off(state, stream, scope, receive, send)
        finally:
            self.draining.discard(request)


async def _cut_off(state: dict, stream: sse.Watch, scope: dict, receive: Any, send: Any) -> None:
    """End a request that outlived the grace period in a way its client understands."""
    if not state["started"]:
        return await _shutting_down(scope, receive, send)
    if state["ended"]:
        return
    if stream.format is not None:  # an event stream: its last event says why, in its own format
        error = Error(kind=ErrorKind.UNAVAILABLE, code="shutting_down", message=SHUTTING_DOWN, status=503)
        stream.sent(error)
        body = sse.frame(stream.format, sse.error_item(stream.format, error))
        await send({"type": "http.response.body", "body": body, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _shutting_down(scope: dict, receive: Any, send: Any) -> None:
    response = errors.error_response(503, "shutting_down", SHUTTING_DOWN)
    response.headers["Connection"] = "close"
    response.headers["Retry-After"] = "1"
    await response(scope, receive, send)


def _on_sigterm(draining: Draining) -> Callable[[], None]:
    """Route SIGTERM through the drain, then on to the server's own handler; returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals reach the main thread only (a server in a thread: call begin)
    previous = signal.getsignal(signal.SIGTERM)

    def handle(signum: int, frame: Any) -> None:
        def exit() -> None:
            if callable(previous):  # uvicorn's own handler: it stops the server
                previous(signum, frame)
            else:  # the default action (terminate), once the drain is done
                signal.signal(signum, previous)
                signal.raise_signal(signum)

        draining.begin(exit)

    signal.signal(signal.SIGTERM, handle)

    def undo() -> None:
        if signal.getsignal(signal.SIGTERM) is handle:
            signal.signal(signal.SIGTERM, previous)

    return undo


@contextmanager
def on_sigterm(draining: Draining):
    """While the app serves (a step of its lifespan, api/app.py): SIGTERM begins the drain."""
    draining.bind(asyncio.get_running_loop())
    undo = _on_sigterm(draining)
    try:
        yield draining
    finally:
        undo()


def install(app: FastAPI) -> Draining:
    """Readiness and the drain on shutdown; `app.state.draining` is what a test or embedder calls."""
    draining = Draining(app.state.settings.shutdown_grace_s)
    app.state.draining = draining
    app.add_middleware(DrainMiddleware, draining=draining)
    return draining
