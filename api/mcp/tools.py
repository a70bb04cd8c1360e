"""The work behind the MCP tools (`search`, `read`, `ask`), on the same pipeline as the REST API.

`search` is evidence for an agent that writes its own answer: the provider's results, each page read
through the guarded fetcher and extractor, and per page the passages that rank best for the query
(BM25, as the answer step uses), within a token budget. `read` is one page's clean text. `ask` is
the whole graph: a cited answer, scoped to the caller's key like `POST /v1/answer`.

Failures raise `APIError` (bad arguments, an unreadable page) or the pipeline's own errors; the MCP
surface (`api/mcp/server.py`) turns every one into a tool error with `api.errors.describe`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from pydantic import BaseModel, Field, ValidationError

from agent.deps import Deps
from agent.engine import Engine
from agent.events import Event, Stage, Status
from agent.nodes.read import read_results
from agent.state import Claim, Depth, NoAnswer
from api.conversations import continued
from api.errors import APIError
from api.limits import check_question
from api.contract import AnswerRequest, SourceOut, agent_input, domain_names, to_response
from core.language import detect_language
from search.models import Recency, SearchOptions, SearchResult
from search.excerpts import best_passages
from search.gather import gather
from core.tokens import count_tokens, truncate_tokens
from search.rank import rank_passages

STAGES = list(Stage)  # progress: step n of 5 (condensing is skipped unless it runs)

Progress = Callable[[int, int, str], Awaitable[None]]


class SearchHit(BaseModel):
    title: str
    url: str
    snippet: str = ""
    date: str | None = None
    passages: list[str] = Field(
        default_factory=list, description="the page's best passages for the query, best first"
    )
    read: bool = Field(True, description="false when the page could not be read and its snippet stands in")


class SearchOutput(BaseModel):
    query: str
    results: list[SearchHit]


class ReadOutput(BaseModel):
    url: str
    title: str
    text: str = Field(description="the page's main text, without navigation, ads or boilerplate")
    date: str | None = None
    tokens: int = Field(description="estimated tokens of `text`")
    truncated: bool = Field(description="true when `text` was cut at max_tokens")


class AskOutput(BaseModel):
    answer: str = Field(description="Markdown; [n] cites sources[n-1]")
    claims: list[Claim] = Field(
        default_factory=list,
        description="the answer's cited claims, each checked against the passages read: answer[start:end], "
        "the sources it cites, support (supported, partial, unsupported: no read source holds it, its "
        "marker removed) and the supporting quotes",
    )
    sources: list[SourceOut]
    conversation_id: str = Field(description="pass it back to ask a follow-up in the same conversation")
    searched: bool
    queries: list[str] = Field(description="every search round's query, in order")
    search_rounds: int = Field(default=0, description="search rounds taken (0: answered without searching)")
    related: list[str] = Field(default_factory=list, description="follow-up questions worth asking")
    no_answer: NoAnswer | None = Field(
        default=None,
        description="set when the model gave no answer (empty: it wrote nothing; echo: it only repeated "
        "its instructions); `answer` then says so in one line",
    )


def invalid(message: str) -> APIError:
    return APIError(422, "invalid_request", message)


def _domains(values: list[str] | None) -> list[str]:
    try:
        return domain_names(values or [])
    except ValueError as exc:
        raise invalid(f"domains: {exc}") from exc


async def search_web(
    deps: Deps,
    query: str,
    *,
    max_results: int,
    recency: Recency | None,
    domains: list[str] | None,
    max_tokens_per_page: int,
) -> SearchOutput:
    query = query.strip()
    if not query:
        raise invalid("query: must contain some text")
    sites = _domains(domains)
    settings = deps.settings
    options = SearchOptions(
        max_results=max_results,
        language=detect_language(query),
        domains=sites,
        recency=recency,
        safesearch=settings.search_safesearch,
    )
    # The search node's own pipeline: merged, kept to the sites, cleaned (template tokens, controls).
    found = await gather(
        deps.provider,
        [query],
        options,
        max_url_chars=settings.max_result_url_chars,
        max_title_chars=settings.max_result_title_chars,
    )
    results = found.results[:max_results]
    pages = await read_results(deps, results, len(results))
    # Ranking is CPU work (tens of ms on long pages): off the event loop, so other calls flow.
    ranked = await asyncio.to_thread(rank_passages, pages, query)
    hits = [
        SearchHit(
            title=page.title,
            url=page.url,
            snippet=page.snippet,
            date=page.date,
            passages=best_passages(page, ranked, max_tokens_per_page),
            read=not page.from_snippet,
        )
        for page in pages
    ]
    return SearchOutput(query=query, results=hits)


async def read_url(deps: Deps, url: str, *, max_tokens: int | None) -> ReadOutput:
    url = url.strip()
    try:
        scheme = httpx.URL(url).scheme
    except (httpx.InvalidURL, TypeError) as exc:
        raise invalid(f"url: {url!r} is not a URL ({exc})") from exc
    if scheme not in ("http", "https"):
        raise invalid(f"url: {url!r} is not an http(s) URL")
    # The answer pipeline's reader: the guarded fetcher (address policy on every hop, size and time
    # caps), the parse workers, and the page cache; a page that fails comes back as an empty snippet.
    [page] = await read_results(deps, [SearchResult(url=url, title="")], 1)
    if page.from_snippet or not page.text.strip():
        raise APIError(422, "unreadable_page", f"could not read {url}: {page.error or 'no text extracted'}")
    text = page.text
    truncated = False
    if max_tokens is not None and count_tokens(text) > max_tokens:
        text, truncated = truncate_tokens(text, max_tokens), True
    return ReadOutput(
        url=page.url, title=page.title, text=text, date=page.date, tokens=count_tokens(text), truncated=truncated
    )


async def ask_question(
    engine: Engine,
    question: str,
    *,
    conversation_id: str | None,
    recency: Recency | None,
    domains: list[str] | None,
    scope: str,
    progress: Progress,
    depth: Depth | None = None,
) -> AskOutput:
    try:  # the REST contract's own checks: one question, one set of rules
        body = AnswerRequest(
            question=question, conversation_id=conversation_id, recency=recency, domains=domains or [], depth=depth
        )
    except ValidationError as exc:
        raise invalid(
            "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        ) from exc
    check_question(body.question, engine.settings)  # the same caps as REST and OpenAI: characters, then tokens
    key = await continued(engine, scope, conversation_id) if conversation_id else None

    async def on_event(item: Event) -> None:
        if isinstance(item, Status) and item.stage in STAGES:
            # Each search round is as many steps again (progress only ever grows).
            step = len(STAGES) * (item.round - 1) + STAGES.index(item.stage) + 1
            await progress(step, len(STAGES) * item.round, item.line())

    output = await engine.answer(agent_input(body, scope, key), on_event=on_event)
    response = to_response(output, scope)
    return AskOutput(
        answer=response.answer,
        claims=response.claims,
        sources=response.sources,
        conversation_id=response.conversation_id,
        searched=response.searched,
        queries=response.queries,
        search_rounds=response.search_rounds,
        related=response.related,
        no_answer=response.no_answer,
    )
