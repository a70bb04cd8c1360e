"""Search, read and select: the graph nodes that turn queries into numbered evidence."""

from __future__ import annotations

import asyncio
import functools

from langgraph.runtime import Runtime

from agent import telemetry
from agent.deps import Deps
from agent.events import Queries, Status, emit
from agent.state import AgentState
from search.clean import clean_results
from search.models import Page, SearchOptions, SearchResult
from search.providers.base import SearchError, keep_domains
from search.providers.merge import merge_results, search_queries
from search.rank import rank_passages
from search.read import read
from search.select import select_evidence
from search.semantic import rerank


async def search(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    emit(Status(stage="searching", detail=" · ".join(state.queries)))
    emit(Queries(queries=state.queries))
    settings = deps.settings
    options = SearchOptions(
        max_results=settings.search_max_results,
        language=state.language,
        domains=state.domains,
        recency=state.recency,
        safesearch=settings.search_safesearch,
    )
    # The model's query, and the question as typed when that is a different search: a query the
    # model got wrong is rescued by the user's own words. All in parallel. Not in a follow-up: "and
    # how much did it cost?" means something only with the conversation, which the model's query has.
    queries = search_queries(state.queries, "" if state.history else state.question)
    if not queries:
        queries = search_queries([], state.question)
    if not queries:
        return {"results": []}
    outcomes = await asyncio.gather(
        *(deps.provider.search(query, options) for query in queries), return_exceptions=True
    )
    answered = [o for o in outcomes if not isinstance(o, BaseException)]
    if not answered:  # every query failed: the first failure names the provider(s) and why
        first = outcomes[0]
        raise first if isinstance(first, SearchError) else SearchError(
            deps.provider.name, f"{type(first).__name__}: {first}"
        )
    # Interleaved by rank, de-duplicated by normalised URL, kept on the requested sites.
    results: list[SearchResult] = keep_domains(merge_results(answered), state.domains)
    # Results are data: template tokens and control characters out, URLs and titles capped.
    results = clean_results(
        results, max_url_chars=settings.max_result_url_chars, max_title_chars=settings.max_result_title_chars
    )
    return {"results": results[: settings.search_max_results]}


async def read_results(deps: Deps, results: list[SearchResult], limit: int) -> list[Page]:
    """The first `limit` results fetched and parsed (parse workers, page cache); every page whose
    snippet stood in is counted by why. Also the MCP tools' reader."""
    pages = await read(
        results,
        deps.fetcher,
        limit=limit,
        workers=deps.workers,
        cache=deps.cache,
        cache_ttl_s=deps.settings.page_cache_ttl_s,
    )
    for page in pages:
        if page.fallback is not None:
            telemetry.observe_fallback(page.fallback)
    return pages


async def read_pages(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    emit(Status(stage="reading", detail=f"{min(len(state.results), deps.settings.fetch_pages)} pages"))
    return {"pages": await read_results(deps, state.results, deps.settings.fetch_pages)}


async def select(state: AgentState, runtime: Runtime[Deps]) -> dict:
    settings = runtime.context.settings
    query = state.queries[0] if state.queries else state.question
    # Ranking is CPU work (tens of ms on long pages): off the event loop, so other streams flow.
    # In a follow-up the latest question says what is asked, the query and earlier questions whom about.
    history = [turn.question for turn in state.history]
    passages = await asyncio.to_thread(
        functools.partial(rank_passages, state.pages, state.question, query, history=history)
    )
    if (semantic := runtime.context.semantic) is not None:
        passages = await rerank(
            passages, state.question, semantic, candidates=settings.semantic_candidates, weight=settings.semantic_weight
        )
    selection = await asyncio.to_thread(
        functools.partial(
            select_evidence,
            state.pages,
            passages,
            budget_tokens=settings.context_tokens,
            source_tokens=settings.source_tokens,
            unsure_budget_tokens=settings.unsure_context_tokens,
            crowd=settings.unsure_crowd,
            lead=settings.unsure_lead,
            max_title_chars=settings.max_result_title_chars,
        )
    )
    if selection.widened:
        telemetry.observe_evidence_widened()
    return {"sources": selection.sources, "passages": passages}
