"""One run's own signals, made by the engine (agent/engine.py) for each question and handed to the nodes in its config.

- `client_gone`: the streaming client went away (or the run is over). The node in flight is then
  cancelled, and with it the model request: LangGraph does not cancel running nodes when the
  consumer of `astream` stops.
- per search round, `answer_begun`: the round's answer has written its first words (or ended), and
  `settled`: the round's answer ended, `again` telling whether the model searches once more. The
  related-questions step waits for the first, so that on a backend that generates one reply at a
  time (embedded llama.cpp) it never takes the model before the answer does; it keeps its questions
  only for the final answer (a round that searches again drops them, its request cancelled).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from langchain_core.runnables import RunnableConfig

from inference.base import Message

_KEY = "websearch_run_control"


class RunControl:
    def __init__(self, *, streaming: bool = False) -> None:
        self.streaming = streaming  # a client watches the answer being written (no best-of-n then)
        self.client_gone = asyncio.Event()
        self._rounds: dict[int, _Round] = {}
        # The stages running now, each with its pending cancellation once the client has left.
        self._stages: dict[asyncio.Task, asyncio.Handle | None] = {}

    def _round(self, round_: int) -> _Round:
        return self._rounds.setdefault(round_, _Round())

    def config(self) -> RunnableConfig:
        """The graph run's config that carries this control to every node."""
        return {"configurable": {_KEY: self}}

    @staticmethod
    def of(config: RunnableConfig) -> RunControl:
        control = (config.get("configurable") or {}).get(_KEY)
        if not isinstance(control, RunControl):
            raise RuntimeError("the graph runs through agent.engine, which gives each run its RunControl")
        return control

    def client_left(self) -> None:
        self.client_gone.set()
        for task in self._stages:
            self._cancel_soon(task)

    def _cancel_soon(self, task: asyncio.Task) -> None:
        # On the loop's next turn, as a watcher woken by `client_gone` would: not inside the caller.
        if self._stages.get(task) is None:
            self._stages[task] = asyncio.get_running_loop().call_soon(task.cancel)

    @contextlib.contextmanager
    def stage(self, task: asyncio.Task) -> Iterator[None]:
        """`task` (a stage) is cancelled if the client leaves while it runs, or has left already;
        a cancellation not yet delivered when the stage ends is dropped. (One entry here instead of
        a watcher task made and cancelled at every stage of every answer.)"""
        self._stages[task] = None
        if self.client_gone.is_set():
            self._cancel_soon(task)
        try:
            yield
        finally:
            pending = self._stages.pop(task, None)
            if pending is not None:
                pending.cancel()

    def mark_answer_begun(self, round_: int = 1) -> None:
        self._round(round_).begun.set()

    def settle(self, round_: int, *, again: bool, transcript: list[Message] | None = None) -> None:
        """The round's answer ended: with another search (`again`) or as the final answer.
        `transcript`: its prompt and reply (empty when there is no answer to follow up)."""
        state = self._round(round_)
        state.again = again
        state.transcript = list(transcript or [])
        state.settled.set()
        state.begun.set()  # an answer that wrote nothing must not leave the related step waiting

    async def wait_for_answer_to_begin(self, round_: int = 1) -> bool:
        """Wait for the round's first words; False when the round already ended searching again."""
        state = self._round(round_)
        await state.begun.wait()
        return not state.again

    async def searches_again(self, round_: int) -> bool:
        """Wait for the round's answer to end; True when the model searches once more."""
        state = self._round(round_)
        await state.settled.wait()
        return state.again

    async def transcript(self, round_: int) -> list[Message]:
        """Wait for the round's answer to end; its prompt and reply (the related step's prefix)."""
        state = self._round(round_)
        await state.settled.wait()
        return state.transcript


class _Round:
    def __init__(self) -> None:
        self.begun = asyncio.Event()
        self.settled = asyncio.Event()
        self.again = False
        self.transcript: list[Message] = []
