"""Run the graph for one question: as a stream (its events as they happen, then its output), or at once.

Every streaming surface (SSE, the OpenAI-compatible stream, the terminal) reads this one iterator.
Each run gets its own `RunControl` (agent/run_control.py), handed to the nodes in the run's config.
Closing the stream early — a client went away — cancels the node in flight, and with it the model
request: LangGraph does not cancel running nodes when the consumer of `astream` stops.
"""

from __future__ import annotations

import time
from typing import AsyncIterator, Union

import anyio

from agent.deps import Deps
from agent.events import Event
from agent.run_control import RunControl
from agent.state import AgentInput, AgentOutput


async def stream_run(graph, deps: Deps, agent_in: AgentInput) -> AsyncIterator[Union[Event, AgentOutput]]:
    started = time.perf_counter()
    control = RunControl(streaming=True)  # each stage watches its `client_gone`
    run = graph.astream(agent_in, control.config(), context=deps, stream_mode=["custom", "values"])
    final: dict | None = None
    try:
        async for mode, chunk in run:
            if mode == "values":
                final = chunk
            else:
                yield chunk
        output = AgentOutput.model_validate(final)
        output.timings["total"] = round((time.perf_counter() - started) * 1000, 1)
        yield output
    finally:
        control.client_left()
        with anyio.CancelScope(shield=True):  # unwind the run even while being cancelled ourselves
            await run.aclose()


async def run_once(graph, deps: Deps, agent_in: AgentInput) -> AgentOutput:
    """The whole answer at once (REST without streaming, Slack)."""
    started = time.perf_counter()
    output = AgentOutput.model_validate(await graph.ainvoke(agent_in, RunControl().config(), context=deps))
    output.timings["total"] = round((time.perf_counter() - started) * 1000, 1)
    return output
