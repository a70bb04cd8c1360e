"""The service's own answer contract: the question a client sends (`AnswerRequest`), how it becomes
the graph's input, and the answer it gets back (`AnswerResponse`). REST's `POST /v1/answer` (JSON and
the streamed `done`) and MCP's `ask` speak it; the OpenAI-shaped surfaces share its domain rule."""

from __future__ import annotations

from typing import Callable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.state import AgentInput, AgentOutput, Citation, Claim, Depth, NoAnswer, SearchMode
from api.conversations import CONVERSATION_ID, new_key
from search.models import PassedOver, Recency, Source
from search.providers.base import bare_domain


def domain_names(values: list[str], *, skip: Callable[[str], bool] = lambda domain: False) -> list[str]:
    """Request `domains` as bare lower-case host names; one that is not a name is a 4xx."""
    cleaned = []
    for domain in values:
        domain = bare_domain(domain)
        if skip(domain):
            continue
        if not domain or " " in domain or "/" in domain:
            raise ValueError(f"{domain!r} is not a domain name (e.g. 'example.com')")
        cleaned.append(domain)
    return cleaned


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1)  # its caps (characters, tokens): `api/limits.py`, from Settings
    conversation_id: str | None = Field(default=None, pattern=CONVERSATION_ID)
    search: SearchMode = "auto"
    domains: list[str] = Field(default_factory=list, max_length=20)
    exclude_domains: list[str] = Field(default_factory=list, max_length=20)  # never results from these sites
    recency: Recency | None = None
    # quick: one search round; auto: up to WEBSEARCH_MAX_SEARCH_ROUNDS, as the model decides;
    # deep: more rounds and more pages a round; unset: WEBSEARCH_DEFAULT_DEPTH (agent/profile.py).
    depth: Depth | None = None
    stream: bool = False

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must contain some text")
        return value.strip()

    @field_validator("domains", "exclude_domains")
    @classmethod
    def _hostnames(cls, value: list[str]) -> list[str]:
        return domain_names(value)


class SourceOut(BaseModel):
    """A source as clients see it: without the context text the model read."""

    index: int
    url: str
    title: str
    snippet: str = ""

    @classmethod
    def of(cls, source: Source) -> "SourceOut":
        return cls(index=source.index, url=source.url, title=source.title, snippet=source.snippet)


class AnswerResponse(BaseModel):
    conversation_id: str
    answer: str
    citations: list[Citation]  # each with its `quote` and `quote_url` (the page opened at the quote)
    # The cited claims, checked against the passages the model read: `answer[start:end]` is the claim
    # as shown; a marker no read source backs is removed and its claim is "unsupported" (text kept).
    claims: list[Claim] = []
    sources: list[SourceOut]
    searched: bool
    queries: list[str]  # every round's query, in order
    search_rounds: int = 0  # search rounds run (0: answered without searching)
    # The search provider that answered, and the ones of the chain passed over before it (rate
    # limiting, failing, or skipped while their circuit is open): the reader is told of a fallback.
    search_provider: str | None = None
    search_fallback: list[PassedOver] = Field(default_factory=list)
    related: list[str]
    # Set when the model gave no answer ("empty": it wrote nothing; "echo": it only repeated the
    # service's instructions); `answer` is then one line saying so, never an empty string.
    no_answer: NoAnswer | None = None
    timings: dict[str, float]  # ms per stage; a later round's stages as `search.2`, `answer.2`…


def agent_input(body: AnswerRequest, scope: str = "", key: str | None = None) -> AgentInput:
    return AgentInput(
        question=body.question,
        conversation_id=key or new_key(scope),  # `key`: the store key of the one it continues
        search=body.search,
        domains=body.domains,
        exclude_domains=body.exclude_domains,
        recency=body.recency,
        depth=body.depth,
    )


def to_response(output: AgentOutput, scope: str = "") -> AnswerResponse:
    """The one place an AgentOutput becomes the contract's JSON (plain, streamed `done`, MCP)."""
    return AnswerResponse(
        conversation_id=output.conversation_id.removeprefix(scope),
        answer=output.answer,
        citations=output.citations,
        claims=output.claims,
        sources=[SourceOut.of(s) for s in output.sources],
        searched=output.searched,
        queries=output.queries,
        search_rounds=output.search_rounds,
        search_provider=output.search_provider,
        search_fallback=output.search_fallback,
        related=output.related,
        no_answer=output.no_answer,
        timings=output.timings,
    )
