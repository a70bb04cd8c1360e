"""Server-Sent Events: the one place that frames them, and what the middlewares see of a stream.

Two formats: ours (`event: <name>` + `data: <json>`, `POST /v1/answer`) and OpenAI's (`data: <json>`
chunks ending in `data: [DONE]`, `/v1/chat/completions`). A surface answers with an `EventStream`
of `Outgoing` items: the JSON its client gets and the typed event that JSON carries. The stream
tells the request's `Watch` its format and every event as it is sent, so metrics observe events
(the first `Delta` is the first token) and drain ends a cut-off stream in the right format, neither
reading the bytes.

A stream with nothing to send for `sse_heartbeat_s` (the model still reading a long prompt, a slow
search) sends a `: heartbeat` comment, which every SSE client skips: proxies and load balancers cut
a connection idle for their timeout (often 60 s), and the comment keeps it busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from enum import StrEnum
from typing import Any, Union

from pydantic import BaseModel
from starlette.responses import StreamingResponse

from agent.events import Error, Event
from api import errors
from api.openai_compat.errors import error_body as openai_error_body
from core.errors import WebsearchError

AnyEvent = Union[Event, Error]
_WATCH = "websearch.sse"  # the scope key of a request's Watch
HEARTBEAT = b": heartbeat\n\n"  # an SSE comment: clients skip it, proxies see traffic
DEFAULT_HEARTBEAT_S = 15.0


class Format(StrEnum):
    NAMED = "named"  # ours: `event: <name>` + `data: <json>`
    OPENAI = "openai"  # `data: <json>` chunks, then `data: [DONE]`


class Outgoing(BaseModel):
    """One event on the wire: `data` is what the client gets, `event` what it means (if anything)."""

    data: dict[str, Any] | str  # a str only for OpenAI's closing `[DONE]`
    event: AnyEvent | None = None
    name: str | None = None  # ours: the event's name (default: `event.event`)

    @classmethod
    def of(cls, event: AnyEvent) -> Outgoing:
        """An event whose wire JSON is the model itself (both valid by construction: not validated
        again, once for every token of every answer)."""
        return cls.model_construct(data=event.model_dump(mode="json", exclude={"event"}), event=event)

    @classmethod
    def openai_done(cls) -> Outgoing:
        return cls(data="[DONE]")


class Watch:
    """What the middlewares learn of one request's stream: its format, and each event it sends."""

    def __init__(self) -> None:
        self.format: Format | None = None  # None: this response is no event stream
        self.observers: list[Callable[[AnyEvent], None]] = []

    def sent(self, event: AnyEvent) -> None:
        for observer in self.observers:
            observer(event)


def watch(scope: dict) -> Watch:
    """The request's Watch (made by whichever middleware or stream asks first)."""
    return scope.setdefault(_WATCH, Watch())


def named(name: str, data: dict[str, Any] | str) -> bytes:
    data = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"event: {name}\ndata: {data}\n\n".encode("utf-8")


def openai(data: dict[str, Any] | str) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {text}\n\n".encode("utf-8")


def frame(fmt: Format, item: Outgoing) -> bytes:
    if fmt is Format.OPENAI:
        return openai(item.data)
    name = item.name or (item.event.event if item.event is not None else "message")
    return named(name, item.data)


def error_event(exc: BaseException) -> Error:
    """A failure as the `error` event: the status, code and message `describe` chose, and its kind."""
    status, code, message = errors.describe(exc)  # type: ignore[arg-type]
    backend = exc.backend if isinstance(exc, WebsearchError) else None
    part = errors.part_of(exc)
    return Error(
        kind=errors.kind_of(exc), code=code, message=message, backend=backend, part=part and part.value, status=status
    )


def error_item(fmt: Format, error: Error) -> Outgoing:
    """An error event as each format carries it (OpenAI's: `{"error": {message, type, param, code}}`)."""
    if fmt is Format.OPENAI:
        return Outgoing(data=openai_error_body(error.status, error.message, error.code), event=error)
    return Outgoing.of(error)


class EventStream(StreamingResponse):
    """`text/event-stream` of a surface's items, framed in its format; each event told to the Watch."""

    def __init__(self, items: AsyncIterator[Outgoing], fmt: Format) -> None:
        self.format = fmt
        self._watch = Watch()
        self._heartbeat_s = DEFAULT_HEARTBEAT_S
        super().__init__(
            self._frames(items),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def _frames(self, items: AsyncIterator[Outgoing]) -> AsyncIterator[bytes]:
        # The events ready together (a burst of model tokens behind a busy loop) go out in one
        # write: the same bytes, one pass through the middlewares and one socket write for all.
        async for batch in _ready(items, self._heartbeat_s):
            if batch is None:
                yield HEARTBEAT
                continue
            for item in batch:
                if item.event is not None:
                    self._watch.sent(item.event)
            yield frame(self.format, batch[0]) if len(batch) == 1 else b"".join([frame(self.format, item) for item in batch])

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        self._watch = watch(scope)
        self._watch.format = self.format
        app = scope.get("app")
        settings = getattr(getattr(app, "state", None), "settings", None)
        self._heartbeat_s = getattr(settings, "sse_heartbeat_s", DEFAULT_HEARTBEAT_S)
        await super().__call__(scope, receive, send)


# How far the items may run ahead of the socket (events made but not yet written).
AHEAD = 64


async def _ready(items: AsyncIterator[Outgoing], every_s: float) -> AsyncIterator[list[Outgoing] | None]:
    """`items`, as lists of those that are ready at once, in order, with None whenever none came for
    `every_s`. The items are produced in one task of their own (the whole generator runs in one
    context, as it would unwrapped), up to AHEAD of the consumer; when the stream ends early (client
    gone, drain) that task is cancelled and awaited."""
    handoff: asyncio.Queue = asyncio.Queue(maxsize=AHEAD)
    done = object()

    async def produce() -> None:
        try:
            async for item in items:
                await handoff.put(item)
        except Exception as exc:  # the consumer re-raises it where the stream is being sent
            await handoff.put(exc)
            return
        finally:
            if (close := getattr(items, "aclose", None)) is not None:
                await close()  # cancelled between items, too: the generator's own cleanup runs
        await handoff.put(done)

    producer = asyncio.get_running_loop().create_task(produce())
    try:
        while True:
            if handoff.empty():
                try:
                    # A get cut off by the timeout loses nothing: the item it was woken for stays queued.
                    async with asyncio.timeout(every_s if every_s > 0 else None):
                        ready = [await handoff.get()]
                except TimeoutError:
                    yield None
                    continue
            else:
                ready = [handoff.get_nowait()]
            while not handoff.empty():
                ready.append(handoff.get_nowait())
            batch: list[Outgoing] = []
            for item in ready:
                if item is done or isinstance(item, Exception):
                    if batch:
                        yield batch
                    if item is done:
                        return
                    raise item
                batch.append(item)
            yield batch
    finally:
        producer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await producer
