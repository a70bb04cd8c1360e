"""How `websearch serve` runs uvicorn: timeouts and a concurrency limit from `Settings`, so a slow or
stalled client cannot hold connections open for ever.

uvicorn times out idle keep-alive connections, but not a request that arrives slowly: half-sent
headers, or a body dripped a byte at a time, hold the connection as long as the client likes.
`TimedH11Protocol` gives each request `http_header_timeout_s` for its request line and headers and
then `http_body_timeout_s` for its body; a request still incomplete then has its connection closed
(the app sees a disconnect). Past `http_max_concurrency` connections or requests, uvicorn answers 503.

This bounds what one process tolerates; on the internet, put a reverse proxy in front (README).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from agent.settings import Settings
from api.limits import error_body


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on reading each request (headers, then body)."""

    header_timeout_s: float = 10.0
    body_timeout_s: float = 60.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # uvicorn's own answer past the limit is a plain-text 503; ours is the JSON error every
        # client of this API reads. The same test as uvicorn's, made when the request is served.
        self._limit, self.limit_concurrency = self.limit_concurrency, None
        if self._limit is not None:
            self.app = functools.partial(self._limited, self.app)

    async def _limited(self, app: Any, scope: Any, receive: Any, send: Any) -> None:
        # This request's own task is counted in `tasks` already (uvicorn tests before adding it).
        if scope["type"] == "http" and (len(self.connections) >= self._limit or len(self.tasks) > self._limit):
            self.logger.warning("Exceeded concurrency limit.")
            body = error_body(503, "overloaded", "the server is at its concurrency limit: retry shortly")
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._read_timer: asyncio.TimerHandle | None = None
        self._reading: object = None
        super().connection_made(transport)
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()  # a kept-alive connection: the next request's headers are due in time too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _watch(self) -> None:
        """Arm the deadline for what is being read now (headers or body); none once the request is in."""
        state = self.conn.their_state
        if state is h11.IDLE and self.cycle is not None and not self.cycle.response_complete:
            state = None  # a response in progress: the next request's clock starts when it is done
        if state is self._reading:
            return
        self._cancel()
        self._reading = state
        if state is h11.IDLE:
            self._read_timer = self.loop.call_later(self.header_timeout_s, self._expire)
        elif state is h11.SEND_BODY:
            self._read_timer = self.loop.call_later(self.body_timeout_s, self._expire)

    def _cancel(self) -> None:
        if getattr(self, "_read_timer", None) is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _expire(self) -> None:
        self._read_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def served_app() -> Any:
    """The app of one of the processes `websearch serve --workers N` starts (uvicorn's factory):
    built from the environment, its heap settled once started (api/ops/heap.py)."""
    from api.app import create_app

    return create_app(settle_heap=True)


@functools.cache
def _own_timeouts() -> tuple[float, float]:
    settings = Settings()
    return settings.http_header_timeout_s, settings.http_body_timeout_s


class SpawnedTimedH11Protocol(TimedH11Protocol):
    """The same, in the processes `websearch serve --workers N` starts: uvicorn hands those the
    protocol by import path (a class made at run time cannot be sent to them), so the timeouts come
    from the environment of the process itself, as its app's settings do."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.header_timeout_s, self.body_timeout_s = _own_timeouts()
        super().connection_made(transport)


def server_options(settings: Settings, *, spawned: bool = False) -> dict[str, Any]:
    """uvicorn.Config / uvicorn.run keyword arguments from Settings (`spawned`: for uvicorn's own
    worker processes)."""
    protocol: type | str = type(
        "TimedH11Protocol",
        (TimedH11Protocol,),
        {"header_timeout_s": settings.http_header_timeout_s, "body_timeout_s": settings.http_body_timeout_s},
    )
    if spawned:
        protocol = "api.ops.server:SpawnedTimedH11Protocol"
    return {
        "http": protocol,
        "timeout_keep_alive": settings.http_keep_alive_s,
        "limit_concurrency": settings.http_max_concurrency,
    }
