"""`POST /v1/answer` with `"stream": true`: the agent's events as Server-Sent Events.

Each event is `event: <name>` + `data: <json>`. `done` carries the same JSON as the non-streaming
answer; a failure after the stream has started arrives as an `error` event (the status line has
already been sent). A client that disconnects cancels the graph, and with it the model request.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import AsyncIterator

import anyio
from fastapi import FastAPI

from agent.events import Sources, client_gone
from agent.state import AgentInput, AgentOutput
from api import errors
from api.schemas import SourceOut


def sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode("utf-8")


async def answer_events(app: FastAPI, agent_input: AgentInput) -> AsyncIterator[bytes]:
    from api.answer import to_response  # the one place an AgentOutput becomes the contract's JSON

    started = time.perf_counter()
    final: dict | None = None
    gone = asyncio.Event()
    client_gone.set(gone)  # this generator runs in its own task: the value is ours alone
    run = app.state.graph.astream(agent_input, context=app.state.deps, stream_mode=["custom", "values"])
    try:
        async for mode, chunk in run:
            if mode == "values":
                final = chunk
            elif isinstance(chunk, Sources):  # clients get the public view of a source
                yield sse("sources", {"sources": [SourceOut.of(s).model_dump() for s in chunk.sources]})
            else:
                yield sse(chunk.event, chunk.model_dump(exclude={"event"}))
        output = AgentOutput.model_validate(final)
        output.timings["total"] = round((time.perf_counter() - started) * 1000, 1)
        yield sse("done", to_response(output).model_dump(mode="json"))
    except Exception as exc:  # noqa: BLE001 — every failure becomes an error event, never a broken stream
        status, code, message = errors.describe(exc)
        yield sse("error", {"status": status, "code": code, "message": message})
    finally:
        # Reached early when the client went away (Starlette cancels us): the node in flight is
        # cancelled, its model stream closes the HTTP response, and vLLM stops generating.
        gone.set()
        with anyio.CancelScope(shield=True):  # let the run unwind despite our own cancellation
            await run.aclose()
