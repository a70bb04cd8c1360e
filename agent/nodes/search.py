"""Search: the model's query (and the question as typed) to the search provider, results merged and cleaned."""

from __future__ import annotations

import asyncio

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.events import Queries, SearchProvider, Stage, Status, emit
from agent.state import AgentState
from search.clean import clean_results
from search.filters import keep_results, provider_recency
from search.models import PassedOver, SearchOptions, SearchReport, SearchResult
from search.providers.base import SearchError, keep_domains, search_report
from search.providers.merge import merge_results, normalize_url, search_queries


async def search(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    # A later round searches for the model's new query alone: the question was searched in round 1.
    asked = state.queries[-1:] if state.round > 1 else state.queries
    emit(Status(stage=Stage.SEARCHING, queries=asked, round=state.round))
    emit(Queries(queries=asked, round=state.round))
    settings = deps.settings
    # This round's sources are numbered after every earlier round's.
    numbering = {"round_start": len(state.sources), "search_rounds": state.round}
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
    outcomes = await asyncio.gather(
        *(search_report(deps.provider, query, options) for query in queries), return_exceptions=True
    )
    reports = [o for o in outcomes if isinstance(o, SearchReport)]
    if not reports:  # every query failed: the first failure names the provider(s) and why
        first = outcomes[0]
        raise first if isinstance(first, SearchError) else SearchError(
            deps.provider.name, f"{type(first).__name__}: {first}"
        )
    provider, passed = who_answered(reports)
    emit(SearchProvider(provider=provider, passed_over=passed, round=state.round))
    # Interleaved by rank, de-duplicated by normalised URL, kept on the requested sites.
    answered = [report.results for report in reports]
    results: list[SearchResult] = keep_domains(merge_results(answered), state.domains, state.exclude_domains)
    results = keep_results(results, state.filters)  # the caller's date window, by the provider's dates
    # Results are data: template tokens and control characters out, URLs and titles capped.
    results = clean_results(
        results, max_url_chars=settings.max_result_url_chars, max_title_chars=settings.max_result_title_chars
    )
    # A page an earlier round read keeps its number there: it is neither fetched nor shown again.
    seen = set(state.read_urls)
    results = [result for result in results if normalize_url(result.url) not in seen]
    found = {"search_provider": provider, "search_fallback": passed}
    return {"results": results[: settings.search_max_results], **numbering, **found}


def who_answered(reports: list[SearchReport]) -> tuple[str, list[PassedOver]]:
    """The provider that answered (the first query's; they nearly always agree) and every provider
    passed over before one answered, once each (a rate limit named over a plain failure)."""
    passed: dict[str, PassedOver] = {}
    for report in reports:
        for item in report.passed_over:
            if item.provider not in passed or item.reason == "rate_limited":
                passed[item.provider] = item
    provider = reports[0].provider
    return provider, [item for name, item in passed.items() if name != provider]

