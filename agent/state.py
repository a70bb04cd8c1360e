"""The graph's input, output and internal state, and the conversation turn it saves."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from search.clean import clean_text
from search.filters import ResultFilter
from search.models import Page, PassedOver, Passage, Recency, SearchResult, Source

SearchMode = Literal["auto", "always", "never"]
Language = Literal["en", "zh"]
# quick: one search round; auto: up to the round limit, as the model decides; deep: more rounds,
# more pages read per round (research questions).
Depth = Literal["quick", "auto", "deep"]


# How well the sources a claim cites hold what it says (agent/verify): every number, date and
# quantity present and its rare words covered (supported), some of it (partial), or not (unsupported:
# its markers were removed, its text kept).
Support = Literal["supported", "partial", "unsupported"]


class Quote(BaseModel):
    """The sentence of a source, as the model read it, that best supports a claim."""

    index: int  # the source (N of its [N])
    text: str


class Claim(BaseModel):
    """A sentence, or a clause carrying its own markers, of the answer, checked against what it cites.

    `answer[start:end]` is the claim as shown, its markers included; `text` is it without markers.
    `citations` are the sources its markers name after repair: a wrong marker re-pointed to the read
    source that supports the claim, or removed (`[]`, support "unsupported") when none does."""

    text: str
    start: int
    end: int
    citations: list[int] = Field(default_factory=list)
    support: Support
    quotes: list[Quote] = Field(default_factory=list)


class Citation(BaseModel):
    index: int
    url: str
    title: str
    quote: str | None = None  # the source's sentence that best supports the (first) claim citing it
    quote_url: str | None = None  # `url` opened at the quote: a `#:~:text=` text fragment


class SearchRound(BaseModel):
    """A search the model asked for after reading earlier results (round 2 on), kept verbatim:
    the next prompt is the last one plus this call and its observation, byte for byte."""

    query: str
    text: str = ""  # what the model wrote before the call, as it wrote it
    shown: str = ""  # … as the reader saw it (markers rewritten and checked): it stays in the final answer
    claims: list[Claim] = Field(default_factory=list)  # the checked claims of `shown` (offsets into it)
    call: str  # the assistant message as re-rendered: `text`, then the call in canonical spelling
    observation: str | None = None  # the new results as the model read them (None until read)
    searched: bool = True  # False: the round limit or time budget refused it; `observation` says so


class Turn(BaseModel):
    """One question and its answer, as the store keeps it.

    Its people's words (the question, and an answer an OpenAI client sent back as history) are
    cleaned of chat-template tokens whenever a turn is made, changed or loaded (issue 29): a turn
    stored before that, or a client's transcript, cannot forge a system turn in a later prompt."""

    model_config = ConfigDict(validate_assignment=True)

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
    claims: list[Claim] = Field(default_factory=list)
    searched: bool = False
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    _clean = field_validator("question", "answer", "model_answer")(lambda value: clean_text(value))


class AgentInput(BaseModel):
    # A question from any surface (REST, OpenAI, Slack, MCP, the web chat, the CLI) is text, never a
    # template token: `<|im_start|>system` would reach vLLM's tokenizer as the real special token.
    question: str
    conversation_id: str
    search: SearchMode = "auto"
    domains: list[str] = Field(default_factory=list)
    exclude_domains: list[str] = Field(default_factory=list)  # never these sites
    recency: Recency | None = None
    depth: Depth = "auto"
    # A date window and languages (the Perplexity surface's filters: search/filters.py).
    filters: ResultFilter = Field(default_factory=ResultFilter)
    context_tokens: int | None = None  # round 1's evidence budget; None: Settings.context_tokens
    # An OpenAI `response_format` (json_schema) for the answer: the model server's guided decoding.
    response_format: dict[str, Any] | None = None

    _clean = field_validator("question")(lambda value: clean_text(value))


class AgentOutput(BaseModel):
    # Defaults matter: the graph returns only the channels its nodes wrote.
    conversation_id: str
    answer: str = ""
    citations: list[Citation] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)  # the answer's cited claims, checked (agent/verify)
    sources: list[Source] = Field(default_factory=list)
    searched: bool = False
    queries: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    search_rounds: int = 0  # search rounds run (0: answered without searching)
    search_provider: str | None = None  # the provider that answered the (latest) search
    search_fallback: list[PassedOver] = Field(default_factory=list)  # providers passed over before it, and why
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
    # The final reply as the reader saw it (markers rewritten and checked as each sentence ended)
    # and its claims (offsets into it); None when the answer came from the decide step.
    shown_answer: str | None = None
    answer_claims: list[Claim] = Field(default_factory=list)
    verify_ms: float = 0.0  # time spent checking claims while the answer streamed (every round)
    repointed: int = 0  # markers the checks moved to the read source holding the claim (every round)
    removed: int = 0  # markers the checks removed (their source does not hold the claim)
    answer: str = ""
    citations: list[Citation] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    searched: bool = False
    search_provider: str | None = None
    search_fallback: list[PassedOver] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    related_done: bool = False  # the final round's related step has written them (cite follows)
    timings: Annotated[dict[str, float], _merge] = Field(default_factory=dict)


__all__ = [
    "AgentInput",
    "AgentOutput",
    "AgentState",
    "Citation",
    "Claim",
    "Depth",
    "Language",
    "Quote",
    "SearchMode",
    "SearchRound",
    "Support",
    "Turn",
]
