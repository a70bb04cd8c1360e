"""`POST /v1/answer` with `"stream": true`: the agent's events as Server-Sent Events (`api/sse.py`).

Each event is `event: <name>` + `data: <json>`, the JSON being the typed event's fields. `done`
carries the same JSON as the non-streaming answer; a failure after the stream has started arrives
as an `error` event (the status line has already been sent). A client that disconnects cancels the
graph, and with it the model request.
"""

from __future__ import annotations

from contextlib import aclosing
from typing import AsyncIterator

from fastapi import FastAPI

from agent.events import Sources
from agent.state import AgentInput, AgentOutput
from api import sse
from api.contract import SourceOut, to_response


def answer_stream(app: FastAPI, agent_input: AgentInput, scope: str = "") -> sse.EventStream:
    return sse.EventStream(answer_events(app, agent_input, scope), sse.Format.NAMED)


async def answer_events(app: FastAPI, agent_input: AgentInput, scope: str = "") -> AsyncIterator[sse.Outgoing]:

    try:
        async with aclosing(app.state.engine.stream(agent_input)) as run:
            async for item in run:
                if isinstance(item, AgentOutput):
                    yield sse.Outgoing(data=to_response(item, scope).model_dump(mode="json"), name="done")
                elif isinstance(item, Sources):  # clients get the public view of a source
                    public = [SourceOut.of(s).model_dump(mode="json") for s in item.sources]
                    yield sse.Outgoing(data={"sources": public, "round": item.round}, event=item)
                else:
                    yield sse.Outgoing.of(item)
    except Exception as exc:  # noqa: BLE001 — every failure becomes an error event, never a broken stream
        yield sse.Outgoing.of(sse.error_event(exc))
