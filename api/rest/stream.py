"""`POST /v1/answer` with `"stream": true`: the agent's events as Server-Sent Events.

Each event is `event: <name>` + `data: <json>`. `done` carries the same JSON as the non-streaming
answer; a failure after the stream has started arrives as an `error` event (the status line has
already been sent). A client that disconnects cancels the graph, and with it the model request.
"""

from __future__ import annotations

import json
from contextlib import aclosing
from typing import AsyncIterator

from fastapi import FastAPI

from agent.events import Sources
from agent.run import stream_run
from agent.state import AgentInput, AgentOutput
from api import errors
from api.rest.schemas import SourceOut


def sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode("utf-8")


async def answer_events(app: FastAPI, agent_input: AgentInput, scope: str = "") -> AsyncIterator[bytes]:
    from api.rest.answer import to_response  # the one place an AgentOutput becomes the contract's JSON

    try:
        async with aclosing(stream_run(app.state.graph, app.state.deps, agent_input)) as run:
            async for item in run:
                if isinstance(item, AgentOutput):
                    yield sse("done", to_response(item, scope).model_dump(mode="json"))
                elif isinstance(item, Sources):  # clients get the public view of a source
                    yield sse("sources", {"sources": [SourceOut.of(s).model_dump() for s in item.sources]})
                else:
                    yield sse(item.event, item.model_dump(exclude={"event"}))
    except Exception as exc:  # noqa: BLE001 — every failure becomes an error event, never a broken stream
        status, code, message = errors.describe(exc)
        yield sse("error", {"status": status, "code": code, "message": message})
