"""What a streaming client sees while a question is answered (the contract's SSE events)."""

from __future__ import annotations

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
