"""What a streaming client sees while a question is answered (the contract's SSE events)."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Literal, Union

from langgraph.config import get_stream_writer
from pydantic import BaseModel

from search.models import Source

Stage = Literal["deciding", "searching", "reading", "answering"]


class Status(BaseModel):
    event: Literal["status"] = "status"
    stage: Stage
    detail: str = ""


class Queries(BaseModel):
    event: Literal["queries"] = "queries"
    queries: list[str]


class Sources(BaseModel):
    event: Literal["sources"] = "sources"
    sources: list[Source]


class Delta(BaseModel):
    event: Literal["delta"] = "delta"
    text: str


class Related(BaseModel):
    event: Literal["related"] = "related"
    related: list[str]


Event = Union[Status, Queries, Sources, Delta, Related]


def emit(event: Event) -> None:
    """Send an event to the streaming client, if there is one (a no-op for plain requests)."""
    get_stream_writer()(event)


# Set by a streaming caller for the duration of one run: when its client goes away it sets the
# event, and the node in flight is cancelled (LangGraph does not cancel running nodes when the
# consumer of `astream` is cancelled). Node tasks inherit the variable from the caller's context.
client_gone: ContextVar[asyncio.Event | None] = ContextVar("client_gone", default=None)


async def cancel_when_client_leaves(task: asyncio.Task) -> None:
    gone = client_gone.get()
    if gone is not None:
        await gone.wait()
        task.cancel()


# Set per run too: the answer's first words have been written (or the answer step ended). The
# related-questions step waits for it, so that on a backend that generates one reply at a time
# (embedded llama.cpp) it never takes the model before the answer does.
answer_begun: ContextVar[asyncio.Event | None] = ContextVar("answer_begun", default=None)


def mark_answer_begun() -> None:
    if (begun := answer_begun.get()) is not None:
        begun.set()


async def wait_for_answer_to_begin() -> None:
    if (begun := answer_begun.get()) is not None:
        await begun.wait()


def start_run() -> asyncio.Event:
    """Give this run (the caller's context, inherited by every node) its events; returns client_gone."""
    gone = asyncio.Event()
    client_gone.set(gone)
    answer_begun.set(asyncio.Event())
    return gone
