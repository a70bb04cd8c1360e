"""One run's own signals, made by agent/run.py for each question and handed to the nodes in its config.

- `client_gone`: the streaming client went away (or the run is over). The node in flight is then
  cancelled, and with it the model request: LangGraph does not cancel running nodes when the
  consumer of `astream` stops.
- `answer_begun`: the answer's first words have been written (or the answer step ended). The
  related-questions step waits for it, so that on a backend that generates one reply at a time
  (embedded llama.cpp) it never takes the model before the answer does.
"""

from __future__ import annotations

import asyncio

from langchain_core.runnables import RunnableConfig

_KEY = "websearch_run_control"


class RunControl:
    def __init__(self) -> None:
        self.client_gone = asyncio.Event()
        self.answer_begun = asyncio.Event()

    def config(self) -> RunnableConfig:
        """The graph run's config that carries this control to every node."""
        return {"configurable": {_KEY: self}}

    @staticmethod
    def of(config: RunnableConfig) -> RunControl:
        control = (config.get("configurable") or {}).get(_KEY)
        if not isinstance(control, RunControl):
            raise RuntimeError("the graph runs through agent.run, which gives each run its RunControl")
        return control

    def client_left(self) -> None:
        self.client_gone.set()

    async def cancel_when_client_leaves(self, task: asyncio.Task) -> None:
        await self.client_gone.wait()
        task.cancel()

    def mark_answer_begun(self) -> None:
        self.answer_begun.set()

    async def wait_for_answer_to_begin(self) -> None:
        await self.answer_begun.wait()
