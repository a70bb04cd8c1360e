"""Search: the model's query (and the question as typed) to the search provider, results merged and cleaned."""

from __future__ import annotations

import asyncio

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.events import Queries, Stage, Status, emit
from agent.state import AgentState
from search.clean import clean_results
from search.models import SearchOptions, SearchResult
from search.providers.base import SearchError, keep_domains
from search.providers.merge import merge_results, search_queries


async def search(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    emit(Status(stage=Stage.SEARCHING, queries=state.queries))
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

