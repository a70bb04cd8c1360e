"""The graph's input, output and internal state, and the conversation turn it saves."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from search.models import Page, Passage, Recency, SearchResult, Source

NoAnswer = Literal["empty", "echo"]  # why a reply is no answer (agent/no_answer.py)

SearchMode = Literal["auto", "always", "never"]
Language = Literal["en", "zh"]
# quick: one search round; auto: up to the round limit, as the model decides; deep: more rounds,
# more pages read per round (research questions).
Depth = Literal["quick", "auto", "deep"]


class Citation(BaseModel):
    index: int
    url: str
    title: str


class SearchRound(BaseModel):
    """A search the model asked for after reading earlier results (round 2 on), kept verbatim:
    the next prompt is the last one plus this call and its observation, byte for byte."""

    query: str
    text: str = ""  # what the model wrote before the call, as it wrote it
    shown: str = ""  # … as the reader saw it (markers rewritten): it stays in the final answer
    call: str  # the assistant message as re-rendered: `text`, then the call in canonical spelling
    observation: str | None = None  # the new results as the model read them (None until read)
    searched: bool = True  # False: the round limit or time budget refused it; `observation` says so


class Turn(BaseModel):
    """One question and its answer, as the store keeps it."""

    question: str
    answer: str  # Markdown with [n] markers, as the user saw it
    model_answer: str  # the model's own text, re-rendered verbatim in later prompts
    # The search call and the results the model read, re-rendered verbatim too: a follow-up's
    # prompt then begins with the previous answer's whole prompt, all of it in vLLM's prefix cache.
    function_call: str | None = None
    observation: str | None = None
    # Every later round (its call and observation) in order; turns saved before rounds have none
    # and render exactly as before.
    later_rounds: list[SearchRound] = Field(default_factory=list)
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
    depth: Depth | None = None  # None: the service's default (Settings.default_depth, by backend)


class AgentOutput(BaseModel):
    # Defaults matter: the graph returns only the channels its nodes wrote.
    conversation_id: str
    answer: str = ""
    citations: list[Citation] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    searched: bool = False
    queries: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    search_rounds: int = 0  # search rounds run (0: answered without searching)
    # Set when the model gave no answer: "empty" (it wrote nothing) or "echo" (it only repeated the
    # service's instructions); `answer` then says so in one line (agent/no_answer.py).
    no_answer: NoAnswer | None = None
    timings: dict[str, float] = Field(default_factory=dict)


def _merge(left: dict[str, float], right: dict[str, float]) -> dict[str, float]:
    return {**left, **right}


class AgentState(AgentInput):
    language: Language = "en"
    history: list[Turn] = Field(default_factory=list)
    history_start: int = 0  # index of history[0] in the whole conversation
    function_call: str | None = None  # the model's search call, rendered canonically
    preamble: str = ""  # text the model streamed before deciding to search (already shown)
    observation: str | None = None  # round 1's search results as the answer step showed them
    round: int = 1  # the search round under way
    search_rounds: int = 0  # search rounds run so far
    later_rounds: list[SearchRound] = Field(default_factory=list)  # rounds 2.. (their calls, observations)
    round_start: int = 0  # sources numbered before this round (this round's are sources[round_start:])
    read_urls: list[str] = Field(default_factory=list)  # normalised URLs of every page read so far
    started_at: float = 0.0  # time.monotonic() when the question arrived: the rounds' time budget
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
    related_done: bool = False  # the final round's related step has written them (cite follows)
    no_answer: NoAnswer | None = None  # the model gave none: "empty" or "echo"
    timings: Annotated[dict[str, float], _merge] = Field(default_factory=dict)


__all__ = [
    "AgentInput",
    "AgentOutput",
    "AgentState",
    "Citation",
    "Depth",
    "Language",
    "NoAnswer",
    "SearchMode",
    "SearchRound",
    "Turn",
]
