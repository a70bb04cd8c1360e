"""Search, read and select: the graph nodes that turn queries into numbered evidence."""

from __future__ import annotations

import asyncio

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.state import AgentState
from search.models import SearchOptions, SearchResult
from search.providers.base import SearchError
from search.rank import rank_passages
from search.read import read
from search.select import select_sources


async def search(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    options = SearchOptions(
        max_results=deps.settings.search_max_results,
        language=state.language,
        domains=state.domains,
        recency=state.recency,
    )
    outcomes = await asyncio.gather(
        *(deps.provider.search(query, options) for query in state.queries), return_exceptions=True
    )
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    if errors and len(errors) == len(outcomes):
        raise errors[0] if isinstance(errors[0], SearchError) else SearchError(
            deps.provider.name, f"{type(errors[0]).__name__}: {errors[0]}"
        )
    seen: set[str] = set()
    results: list[SearchResult] = []
    for outcome in outcomes:
        for result in [] if isinstance(outcome, BaseException) else outcome:
            if result.url not in seen:
                seen.add(result.url)
                results.append(result)
    return {"results": results}


async def read_pages(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    pages = await read(state.results, deps.fetcher, limit=deps.settings.fetch_pages)
    return {"pages": pages}


async def select(state: AgentState, runtime: Runtime[Deps]) -> dict:
    settings = runtime.context.settings
    query = state.queries[0] if state.queries else state.question
    passages = rank_passages(state.pages, state.question, query)
    sources = select_sources(
        state.pages,
        passages,
        budget_tokens=settings.context_tokens,
        source_tokens=settings.source_tokens,
    )
    return {"sources": sources}
