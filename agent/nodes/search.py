"""Search: the model's query (and the question as typed) to the search provider, results merged and cleaned."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.events import Queries, SearchProvider, Stage, Status, emit
from agent.state import AgentState
from search.filters import provider_recency
from search.gather import gather
from search.models import SearchOptions
from search.providers.merge import normalize_url, search_queries


async def search(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    # A later round searches for the model's new query alone: the question was searched in round 1.
    asked = state.queries[-1:] if state.round > 1 else state.queries
    emit(Status(stage=Stage.SEARCHING, queries=asked, round=state.round))
    emit(Queries(queries=asked, round=state.round))
    settings = deps.settings
    # This round's sources are numbered after every earlier round's.
    numbering = {"round_start": len(state.sources), "reread": []}
    rule = state.filters
    options = SearchOptions(
        max_results=settings.search_max_results,
        # A language filter names the provider's language (the first, where several are given).
        language=rule.languages[0] if rule.languages else state.language,
        domains=state.domains,
        exclude_domains=state.exclude_domains,
        country=settings.search_country,
        # A date window also narrows the provider's own time range, where one reaches back far enough.
        recency=state.recency or provider_recency(rule.after, deps.today()),
        safesearch=settings.search_safesearch,
    )
    # The model's query, and the question as typed when that is a different search: a query the
    # model got wrong is rescued by the user's own words. All in parallel. Not in a follow-up: "and
    # how much did it cost?" means something only with the conversation, which the model's query has.
    if state.round > 1:
        queries = search_queries(asked, "")
    else:
        queries = search_queries(state.queries, "" if state.history else state.question)
        if not queries:
            queries = search_queries([], state.question)
    if not queries:
        return {"results": [], **numbering}
    # Merged, kept to the sites and dates asked for, and cleaned (results are data): search/gather.py.
    found = await gather(
        deps.provider,
        queries,
        options,
        rule=state.filters,
        max_url_chars=settings.max_result_url_chars,
        max_title_chars=settings.max_result_title_chars,
    )
    emit(SearchProvider(provider=found.provider, passed_over=found.passed_over, round=state.round))
    # A page an earlier round read stays among the results, beside as many new ones as ever: the read
    # step takes it from memory (never fetched again), and it offers only its passages not shown yet,
    # under its number.
    seen = set(state.read_urls)
    new = [r for r in found.results if normalize_url(r.url) not in seen][: settings.search_max_results]
    results = [r for r in found.results if r in new or normalize_url(r.url) in seen]
    answered = {"search_provider": found.provider, "search_fallback": found.passed_over}
    return {"results": results, **numbering, **answered}

