"""What a streaming client sees while a question is answered (the contract's SSE events).

Each event is a typed model: the stage is an enum, queries a list, counts numbers, and every event
that belongs to a search round carries its round. Text for people is made from these fields by each
surface (web chat, terminal), never parsed back from it. `api/sse.py` puts them on the wire.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Union

from langgraph.config import get_stream_writer
from pydantic import BaseModel

from core.errors import ErrorKind
from agent.state import Claim
from search.models import PassedOver, Source


class Stage(StrEnum):
    DECIDING = "deciding"
    SEARCHING = "searching"
    READING = "reading"
    CONDENSING = "condensing"
    ANSWERING = "answering"


class Status(BaseModel):
    """The step the answer is at; the fields that step has are set, the others stay empty."""

    event: Literal["status"] = "status"
    stage: Stage
    round: int = 1  # the search round it belongs to (deciding included: each round decides again)
    queries: list[str] = []  # searching: what is searched
    pages: int | None = None  # reading: pages fetched; condensing: long pages condensed
    sources: int | None = None  # answering: numbered sources the answer reads

    def line(self) -> str:
        """One plain English line for the step (the terminal, MCP progress); made from the fields."""
        text = str(self.stage)
        if self.stage is Stage.SEARCHING and self.queries:
            again = "again for " if self.round > 1 else ""  # the model asked for another round
            text = "searching " + again + " · ".join(self.queries)
        elif self.stage in (Stage.READING, Stage.CONDENSING) and self.pages is not None:
            text = f"{self.stage} {self.pages} pages"
        elif self.stage is Stage.ANSWERING and self.sources is not None:
            text = f"answering from {self.sources} sources"
        return text if self.round == 1 else f"{text} (round {self.round})"


class Queries(BaseModel):
    event: Literal["queries"] = "queries"
    queries: list[str]
    round: int = 1


class SearchProvider(BaseModel):
    """Which provider answered a round's search, and the ones of the chain passed over before it
    (rate limiting, failing, or skipped while their circuit is open): the surfaces tell the reader
    when a fallback answered ("DuckDuckGo is rate-limiting; searched with Brave")."""

    event: Literal["search_provider"] = "search_provider"
    provider: str
    passed_over: list[PassedOver] = []
    round: int = 1


class Sources(BaseModel):
    event: Literal["sources"] = "sources"
    sources: list[Source]
    round: int = 1


class Delta(BaseModel):
    event: Literal["delta"] = "delta"
    text: str


class Related(BaseModel):
    event: Literal["related"] = "related"
    related: list[str]


class Claims(BaseModel):
    """The answer's claims, checked against the passages read (agent/verify), sent before `done`."""

    event: Literal["claims"] = "claims"
    claims: list[Claim]


class Error(BaseModel):
    """A failure after the stream began. Made by a surface (it chose the HTTP `status`), never a node."""

    event: Literal["error"] = "error"
    kind: ErrorKind
    code: str
    message: str
    backend: str | None = None  # the backend at fault, when one is named ("vLLM at http://…")
    part: str | None = None  # which part of the service that is: model, search, store (api/errors.py)
    status: int


Event = Union[Status, Queries, SearchProvider, Sources, Delta, Related, Claims]


def emit(event: Event) -> None:
    """Send an event to the streaming client, if there is one (a no-op for plain requests)."""
    get_stream_writer()(event)
