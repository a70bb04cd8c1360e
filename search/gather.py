"""One search as the service makes it, for the search node and MCP's `search` tool alike: every query
in parallel through the provider (a chain says who answered), the answers interleaved by rank and
de-duplicated, kept to the sites and dates asked for, then cleaned: results are data, so template
tokens and control characters go and URLs and titles are capped (search/clean.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from search.clean import clean_results
from search.filters import ResultFilter, keep_results
from search.models import PassedOver, SearchOptions, SearchReport, SearchResult
from search.providers.base import SearchError, SearchProvider, keep_domains, search_report
from search.providers.merge import merge_results


@dataclass
class Gathered:
    results: list[SearchResult]
    provider: str  # the provider that answered
    passed_over: list[PassedOver] = field(default_factory=list)  # providers a chain skipped first


async def gather(
    provider: SearchProvider,
    queries: list[str],
    options: SearchOptions,
    *,
    rule: ResultFilter | None = None,
    max_url_chars: int,
    max_title_chars: int,
) -> Gathered:
    """The results for `queries` (at least one); every query failing raises the first failure."""
    outcomes = await asyncio.gather(*(search_report(provider, query, options) for query in queries), return_exceptions=True)
    reports = [o for o in outcomes if isinstance(o, SearchReport)]
    if not reports:  # every query failed: the first failure names the provider(s) and why
        first = outcomes[0]
        raise first if isinstance(first, SearchError) else SearchError(provider.name, f"{type(first).__name__}: {first}")
    answered, passed = who_answered(reports)
    results = keep_domains(merge_results([report.results for report in reports]), options.domains, options.exclude_domains)
    if rule is not None:
        results = keep_results(results, rule)  # the caller's date window, by the provider's dates
    results = clean_results(results, max_url_chars=max_url_chars, max_title_chars=max_title_chars)
    return Gathered(results=results, provider=answered, passed_over=passed)


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
