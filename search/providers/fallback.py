"""A chain of providers behind one SearchProvider: the first that answers wins.

`WEBSEARCH_SEARCH_PROVIDER=brave,searxng,duckduckgo` searches Brave and, when it fails, is rate
limited or is being skipped (its circuit is open: search/providers/circuit.py), SearXNG, and so on.
`report` says which provider answered and which were passed over and why, so the reader can be
told ("DuckDuckGo is rate-limiting; searched with Brave"). When every provider fails, one
SearchError names each of them and why, so the API's 503 says exactly what is down."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from search.models import PassedOver, SearchOptions, SearchReport, SearchResult
from search.providers.base import RateLimited, SearchError, SearchProvider
from search.providers.circuit import CircuitOpen

log = logging.getLogger("websearch.search")


def passed_over(exc: SearchError, provider: str) -> PassedOver:
    if isinstance(exc, CircuitOpen):
        return PassedOver(provider=provider, reason=exc.reason, skipped=True)
    return PassedOver(provider=provider, reason="rate_limited" if isinstance(exc, RateLimited) else "failed")


def soonest(failures: list[SearchError]) -> float | None:
    """When the first rate-limited provider will be asked again, if every one of them said (or is skipped)."""
    waits = [f.retry_after_s for f in failures]
    return min(w for w in waits if w is not None) if waits and None not in waits else None


class FallbackProvider:
    def __init__(self, providers: Sequence[SearchProvider]) -> None:
        if not providers:
            raise ValueError("a fallback chain needs at least one provider")
        self.providers = list(providers)
        self.name = "→".join(p.name for p in self.providers)

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        return (await self.report(query, options)).results

    async def report(self, query: str, options: SearchOptions) -> SearchReport:
        failures: list[SearchError] = []
        passed: list[PassedOver] = []
        for provider in self.providers:
            try:
                results = await provider.search(query, options)
            except SearchError as exc:
                failures.append(exc)
            except Exception as exc:  # a provider that let a foreign error out: still its failure
                failures.append(SearchError(provider.name, f"unexpected error: {type(exc).__name__}: {exc}"))
            else:
                if failures:
                    # A failure already reported clearly (SearXNG's JSON off, an open circuit) is not repeated.
                    known = all(getattr(f, "reported", False) or isinstance(f, CircuitOpen) for f in failures)
                    log.log(
                        logging.DEBUG if known else logging.WARNING,
                        "search fell back to %s after: %s",
                        provider.name,
                        "; ".join(map(str, failures)),
                    )
                return SearchReport(results=results, provider=provider.name, passed_over=passed)
            passed.append(passed_over(failures[-1], provider.name))
            if not (getattr(failures[-1], "reported", False) or isinstance(failures[-1], CircuitOpen)):
                log.info("search provider %s failed: %s", provider.name, failures[-1])
        detail = "; ".join(f"{f.provider}: {f.message}" for f in failures)
        message = f"all search providers failed ({detail})"
        if all(isinstance(f, RateLimited) for f in failures):
            raise RateLimited(self.name, message, retryable=False, retry_after_s=soonest(failures))
        raise SearchError(self.name, message)
