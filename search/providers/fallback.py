"""A chain of providers behind one SearchProvider: the first that answers wins.

`WEBSEARCH_SEARCH_PROVIDER=duckduckgo,searxng` searches DuckDuckGo (with its own bounded retries)
and, when it fails or is rate limited, SearXNG. When every provider fails, one SearchError names
each of them and why, so the API's 503 says exactly what is down."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from search.models import SearchOptions, SearchResult
from search.providers.base import RateLimited, SearchError, SearchProvider

log = logging.getLogger("websearch.search")


class FallbackProvider:
    def __init__(self, providers: Sequence[SearchProvider]) -> None:
        if not providers:
            raise ValueError("a fallback chain needs at least one provider")
        self.providers = list(providers)
        self.name = "→".join(p.name for p in self.providers)

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        failures: list[SearchError] = []
        for provider in self.providers:
            try:
                results = await provider.search(query, options)
            except SearchError as exc:
                failures.append(exc)
            except Exception as exc:  # a provider that let a foreign error out: still its failure
                failures.append(SearchError(provider.name, f"unexpected error: {type(exc).__name__}: {exc}"))
            else:
                if failures:
                    # A failure its provider has already reported clearly (SearXNG's JSON off) is not repeated.
                    known = all(getattr(f, "reported", False) for f in failures)
                    log.log(
                        logging.DEBUG if known else logging.WARNING,
                        "search fell back to %s after: %s",
                        provider.name,
                        "; ".join(map(str, failures)),
                    )
                return results
            if not getattr(failures[-1], "reported", False):
                log.info("search provider %s failed: %s", provider.name, failures[-1])
        detail = "; ".join(f"{f.provider}: {f.message}" for f in failures)
        message = f"all search providers failed ({detail})"
        if all(isinstance(f, RateLimited) for f in failures):
            raise RateLimited(self.name, message, retryable=False)
        raise SearchError(self.name, message)
