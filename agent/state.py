"""The graph's input, output and internal state, and the conversation turn it saves."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from search.clean import clean_text
from search.filters import ResultFilter
from search.models import Page, PassedOver, Passage, Recency, SearchResult, Source

NoAnswer = Literal["empty", "echo"]  # why a reply is no answer (agent/no_answer.py)

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
    """One search the model asked for, kept verbatim: round k+1's prompt is round k's plus this
    call and its observation, byte for byte. Round 1 is the decide step's call (its words before the
    call are not replayed: `text` is empty, `shown` what the reader saw of them); each later round
    is a call the model made while answering."""

    query: str
    text: str = ""  # what the model wrote before the call, as it wrote it
    shown: str = ""  # … as the reader saw it (markers rewritten and checked): it stays in the final answer
    claims: list[Claim] = Field(default_factory=list)  # the checked claims of `shown` (offsets into it)
    call: str  # the assistant message as the protocol records it: `text`, then the call (agent/protocols)
    observation: str | None = None  # the new results as the model read them (None until read)
    searched: bool = True  # False: the round limit or time budget refused it; `observation` says so


def replayed(rounds: list[SearchRound]) -> list[SearchRound]:
    """The rounds a later prompt replays: each the model read the results of, up to the first it had not."""
    read: list[SearchRound] = []
    for round_ in rounds:
        if round_.observation is None:
            break
        read.append(round_)
    return read


def searched_queries(rounds: list[SearchRound]) -> list[str]:
    """The queries searched for, in order (a refused call's is not)."""
    return [round_.query for round_ in rounds if round_.searched and round_.query]


def rounds_from_old_layout(data: dict) -> dict:
    """A turn saved before `rounds` (still in Redis): round 1 was `function_call`, `observation` and
    `queries[0]`, rounds 2+ `later_rounds`. Read into one list, it replays byte for byte as before."""
    old = ("function_call", "observation", "later_rounds", "queries")
    if "rounds" in data or not any(key in data for key in old):
        return data
    rest = {key: value for key, value in data.items() if key not in old}
    queries, call = data.get("queries") or [], data.get("function_call")
    first = [{"query": queries[0] if queries else "", "call": call or "", "observation": data.get("observation")}]
    return {**rest, "rounds": [*(first if call or queries else []), *(data.get("later_rounds") or [])]}


class Turn(BaseModel):
    """One question and its answer, as the store keeps it.

    Its people's words (the question, and an answer an OpenAI client sent back as history) are
    cleaned of chat-template tokens whenever a turn is made, changed or loaded (issue 29): a turn
    stored before that, or a client's transcript, cannot forge a system turn in a later prompt."""

    model_config = ConfigDict(validate_assignment=True)

    question: str
    answer: str  # Markdown with [n] markers, as the user saw it
    model_answer: str  # the model's own text, re-rendered verbatim in later prompts
    # Every search round (its call and the results the model read), re-rendered verbatim too: a
    # follow-up's prompt then begins with the previous answer's whole prompt, all of it in vLLM's
    # prefix cache.
    rounds: list[SearchRound] = Field(default_factory=list)
    history_start: int = 0  # the first earlier turn this turn's prompt included (kept for the next)
    sources: list[Source] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    searched: bool = False
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    _clean = field_validator("question", "answer", "model_answer")(lambda value: clean_text(value))

    @model_validator(mode="before")
    @classmethod
    def _old_layout(cls, data: Any) -> Any:
        return rounds_from_old_layout(data) if isinstance(data, dict) else data

    @property
    def queries(self) -> list[str]:
        return searched_queries(self.rounds)


class AgentInput(BaseModel):
    # A question from any surface (REST, OpenAI, Slack, MCP, the web chat, the CLI) is text, never a
    # template token: `<|im_start|>system` would reach vLLM's tokenizer as the real special token.
    question: str
    conversation_id: str
    search: SearchMode = "auto"
    domains: list[str] = Field(default_factory=list)
    exclude_domains: list[str] = Field(default_factory=list)  # never these sites
    recency: Recency | None = None
    depth: Depth | None = None  # None: the service's default (Settings.default_depth, by backend)
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
    related: list[str] = Field(default_factory=list)
    # Set when the model gave no answer: "empty" (it wrote nothing) or "echo" (it only repeated the
    # service's instructions); `answer` then says so in one line (agent/no_answer.py).
    no_answer: NoAnswer | None = None
    search_provider: str | None = None  # the provider that answered the (latest) search
    search_fallback: list[PassedOver] = Field(default_factory=list)  # providers passed over before it, and why
    timings: dict[str, float] = Field(default_factory=dict)
    rounds: list[SearchRound] = Field(default_factory=list, exclude=True)  # the search rounds (the saved turn's)

    @computed_field
    @property
    def queries(self) -> list[str]:
        return searched_queries(self.rounds)

    @computed_field
    @property
    def search_rounds(self) -> int:
        """Search rounds run (0: answered without searching)."""
        return sum(1 for round_ in self.rounds if round_.searched)


def _merge(left: dict[str, float], right: dict[str, float]) -> dict[str, float]:
    return {**left, **right}


class AgentState(AgentInput):
    language: Language = "en"
    history: list[Turn] = Field(default_factory=list)
    history_start: int = 0  # index of history[0] in the whole conversation
    # Every search round so far, the decide step's first (its call, the words shown before it, the
    # results once read), then each the model asked for while answering (refused ones included).
    rounds: list[SearchRound] = Field(default_factory=list)
    round_start: int = 0  # sources numbered before this round (this round's are sources[round_start:])
    read_urls: list[str] = Field(default_factory=list)  # normalised URLs of every page read so far
    # Every page read so far (after the filters): a later round that finds one again reads it from
    # here, never fetching it twice.
    read_pages: list[Page] = Field(default_factory=list)
    # This round's sources that an earlier round numbered: under their own numbers, holding only the
    # passages not shown before (`sources` holds them whole). The model reads them beside the new.
    reread: list[Source] = Field(default_factory=list)
    started_at: float = 0.0  # time.monotonic() when the question arrived: the rounds' time budget
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
    no_answer: NoAnswer | None = None  # the model gave none: "empty" or "echo"
    timings: Annotated[dict[str, float], _merge] = Field(default_factory=dict)

    @property
    def round(self) -> int:
        """The search round under way (1 before any search)."""
        return max(1, sum(1 for round_ in self.rounds if round_.searched))

    @property
    def queries(self) -> list[str]:
        return searched_queries(self.rounds)


__all__ = [
    "AgentInput",
    "AgentOutput",
    "AgentState",
    "Citation",
    "Claim",
    "Depth",
    "Language",
    "NoAnswer",
    "Quote",
    "SearchMode",
    "SearchRound",
    "Support",
    "Turn",
]
