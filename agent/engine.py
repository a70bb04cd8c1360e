"""The engine every surface holds: the graph and its dependencies, opened once, closed once.

    engine = await Engine.open(settings)       # off the event loop: workers and models start here
    async for item in engine.stream(agent_in)  # the run's events as they happen, then its AgentOutput
    output = await engine.answer(agent_in)     # the output at once (`on_event`: watch it as it goes)
    run = engine.start(agent_in)               # a stream in a task of its own (hold a status line)
    await engine.aclose()

Each run gets its own `RunControl` (agent/run_control.py), handed to the nodes in the run's config.
Closing a stream early — a client went away — cancels the node in flight, and with it the model
request: LangGraph does not cancel running nodes when the consumer of `astream` stops.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from contextlib import aclosing
from typing import Any, AsyncIterator, Awaitable, Callable, Union

import anyio

from agent.deps import Deps, build_deps
from agent.events import Delta, Event
from agent.graph import build_graph
from agent.run_control import RunControl
from agent.settings import Settings
from agent.state import AgentInput, AgentOutput
from core.workers import WorkerPool

OnEvent = Callable[[Event], Union[Awaitable[None], Any]]


class Engine:
    """The compiled graph and the `Deps` it runs on."""

    def __init__(self, deps: Deps, graph: Any = None) -> None:
        self.deps = deps
        self.graph = graph if graph is not None else build_graph()

    @classmethod
    async def open(cls, settings: Settings, *, workers: WorkerPool | None = None) -> Engine:
        """Built off the event loop: the parse workers (and an embedded model) take seconds to start."""
        return cls(await asyncio.to_thread(functools.partial(build_deps, settings, workers=workers)))

    @property
    def settings(self) -> Settings:
        return self.deps.settings  # the backend's profile applied (agent/profile.py)

    async def stream(self, agent_in: AgentInput) -> AsyncIterator[Union[Event, AgentOutput]]:
        """The run's events as they happen, then its output (a client watches: no best-of-n)."""
        started = time.perf_counter()
        control = RunControl(streaming=True)  # each stage watches its `client_gone`
        run = self.graph.astream(agent_in, control.config(), context=self.deps, stream_mode=["custom", "values"])
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

    async def answer(self, agent_in: AgentInput, *, on_event: OnEvent | None = None) -> AgentOutput:
        """The whole answer. Without `on_event` nobody watches it being written (REST without
        streaming, the evaluation); with it, the run streams and each event goes to `on_event`
        (sync or async) as it happens (Slack's status line, MCP's progress, the Responses builder)."""
        if on_event is None:
            started = time.perf_counter()
            final = await self.graph.ainvoke(agent_in, RunControl().config(), context=self.deps)
            output = AgentOutput.model_validate(final)
            output.timings["total"] = round((time.perf_counter() - started) * 1000, 1)
            return output
        output: AgentOutput | None = None
        async with aclosing(self.stream(agent_in)) as run:
            async for item in run:
                if isinstance(item, AgentOutput):
                    output = item
                elif inspect.isawaitable(done := on_event(item)):
                    await done
        if output is None:  # `stream` ends with the output or raises
            raise RuntimeError("the run ended without its output")
        return output

    def start(self, agent_in: AgentInput) -> BackgroundRun:
        """The run's stream in a task of its own, read through `BackgroundRun.next`."""
        return BackgroundRun(self.stream(agent_in))

    async def aclose(self) -> None:
        await self.deps.aclose()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class BackgroundRun:
    """A run's stream, produced by a task of its own and read through a queue, so the consumer may
    be a request handler first (nothing is sent before the first words: a backend that is down
    still gets a real status) and a streaming response's task later. `aclose()` cancels the
    producer, which cancels the node in flight and the model request."""

    def __init__(self, items: AsyncIterator[Union[Event, AgentOutput]]):
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._task = asyncio.create_task(self._produce(items))

    async def _produce(self, items: AsyncIterator[Union[Event, AgentOutput]]) -> None:
        try:
            async with aclosing(items) as run:
                async for item in run:
                    self._queue.put_nowait(("done" if isinstance(item, AgentOutput) else "event", item))
        except Exception as exc:  # noqa: BLE001 — handed to the consumer
            self._queue.put_nowait(("error", exc))

    async def next(self) -> tuple[str, Any]:
        """("event", Event) …, then ("done", AgentOutput); a failure is raised."""
        kind, item = await self._queue.get()
        if kind == "error":
            raise item
        return kind, item

    async def until_first_words(self) -> list[tuple[str, Any]]:
        """The events up to the first words (or the output): what a stream holds its status line
        for, so a backend that is down is a status a client can act on. A failure closes the run."""
        pending: list[tuple[str, Any]] = []
        try:
            while True:
                kind, item = await self.next()
                pending.append((kind, item))
                if kind == "done" or isinstance(item, Delta):
                    return pending
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if not self._task.done():
            self._task.cancel()
        with anyio.CancelScope(shield=True):
            await asyncio.gather(self._task, return_exceptions=True)
