"""Events made faster than the socket takes them (a burst of tokens, a busy loop) leave in one write,
the bytes the same as written one by one; events that come apart still leave one at a time."""

from __future__ import annotations

import asyncio

import pytest

from agent.events import Delta
from api import sse


async def _sent(items, fmt=sse.Format.NAMED, bodies: list[bytes] | None = None) -> list[bytes]:
    """The body messages an EventStream of `items` sends (into `bodies`, when given)."""
    bodies = [] if bodies is None else bodies

    async def receive() -> dict:
        await asyncio.Event().wait()  # the client stays
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            bodies.append(message["body"])

    await sse.EventStream(items, fmt)({"type": "http", "asgi": {"spec_version": "2.4"}}, receive, send)
    return bodies


def _deltas(n: int) -> list[sse.Outgoing]:
    return [sse.Outgoing.of(Delta(text=f"word{i} ")) for i in range(n)]


async def test_a_burst_of_events_leaves_in_one_write_with_the_same_bytes():
    async def burst():
        for item in _deltas(20):
            yield item  # all ready at once: nothing awaited between them

    for fmt in (sse.Format.NAMED, sse.Format.OPENAI):
        bodies = await _sent(burst(), fmt)
        assert len(bodies) == 1
        assert bodies[0] == b"".join(sse.frame(fmt, item) for item in _deltas(20))


async def test_events_that_come_apart_leave_one_by_one():
    async def apart():
        for item in _deltas(3):
            await asyncio.sleep(0.01)
            yield item

    assert await _sent(apart()) == [sse.frame(sse.Format.NAMED, item) for item in _deltas(3)]


async def test_a_failure_after_a_burst_ends_the_stream_after_the_events_before_it():
    async def broken():
        for item in _deltas(3):
            yield item
        raise RuntimeError("the model went away")

    bodies: list[bytes] = []
    with pytest.raises(BaseException) as raised:
        await _sent(broken(), bodies=bodies)
    assert "the model went away" in repr(raised.value)
    assert b"".join(bodies) == b"".join(sse.frame(sse.Format.NAMED, item) for item in _deltas(3))
