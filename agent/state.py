"""The graph's input, output and internal state, and the conversation turn it saves."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from search.models import Page, Passage, Recency, SearchResult, Source

SearchMode = Literal["auto", "always", "never"]
Language = Literal["en", "zh"]


class Citation(BaseModel):
    index: int
    url: str
    title: str


class Turn(BaseModel):
    """One question and its answer, as the store keeps it."""

    question: str
    answer: str  # Markdown with [n] markers, as the user saw it
    model_answer: str  # the model's own text, re-rendered verbatim in later prompts
    # The search call and the results the model read, re-rendered verbatim too: a follow-up's
    # prompt then begins with the previous answer's whole prompt, all of it in vLLM's prefix cache.
    function_call: str | None = None
    observation: str | None = None
    history_start: int = 0  # the first earlier turn this turn's prompt included (kept for the next)
    queries: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    searched: bool = False
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


class AgentInput(BaseModel):
    question: str
    conversation_id: str
    search: SearchMode = "auto"
    domains: list[str] = Field(default_factory=list)
    recency: Recency | None = None


class AgentOutput(BaseModel):
    # Defaults matter: the graph returns only the channels its nodes wrote.
    conversation_id: str
    answer: str = ""
    citations: list[Citation] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    searched: bool = False
    queries: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)


def _merge(left: dict[str, float], right: dict[str, float]) -> dict[str, float]:
    return {**left, **right}


class AgentState(AgentInput):
    language: Language = "en"
    history: list[Turn] = Field(default_factory=list)
    history_start: int = 0  # index of history[0] in the whole conversation
    function_call: str | None = None  # the model's search call, rendered canonically
    preamble: str = ""  # text the model streamed before deciding to search (already shown)
    observation: str | None = None  # the search results as the answer step showed them
    queries: list[str] = Field(default_factory=list)
    results: list[SearchResult] = Field(default_factory=list)
    pages: list[Page] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)  # ranked, best first
    sources: list[Source] = Field(default_factory=list)
    model_answer: str = ""
    answer: str = ""
    citations: list[Citation] = Field(default_factory=list)
    searched: bool = False
    related: list[str] = Field(default_factory=list)
    timings: Annotated[dict[str, float], _merge] = Field(default_factory=dict)


__all__ = [
    "AgentInput",
    "AgentOutput",
    "AgentState",
    "Citation",
    "Language",
    "SearchMode",
    "Turn",
]
