"""DuckDuckGo (and the other engines `ddgs` aggregates) through the `ddgs` package.

`ddgs` is synchronous and does its own HTTP, so each search runs in a worker thread; its exceptions
are translated at this boundary so callers only ever see SearchError / RateLimited.

Rate limits: DuckDuckGo answers 202/429 when it throttles, and ddgs 9.16 turns that (and any other
engine failure) into DDGSException("No results found."), not RatelimitException. So that answer is
treated as *possibly* a rate limit: retried with backoff (bounded, see RetryPolicy), then reported
as a failure, so a fallback chain (`duckduckgo,searxng`) moves on to the next provider. A query with
truly no results costs those few retries too; that is the price of not mistaking throttling for
"the web knows nothing about this"."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ddgs import DDGS
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

from search.config import SEARCH_TIMEOUT_S
from search.language import detect_language
from search.models import SearchOptions, SearchResult
from search.providers.base import NO_RETRY, RateLimited, RetryPolicy, SearchError, web_results, with_retries

log = logging.getLogger(__name__)

NAME = "duckduckgo"
_TIMELIMIT = {"day": "d", "week": "w", "month": "m", "year": "y"}
# The question's language picks the market: Chinese questions search the Chinese web.
_REGIONS = {"zh": "cn-zh", "en": "wt-wt"}


class TextSearcher(Protocol):
    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]: ...


def site_filter(query: str, domains: list[str]) -> str:
    """`site:` operators appended to the query; several domains are OR-ed."""
    domains = [d.strip() for d in domains if d.strip()]
    if not domains:
        return query
    return f"{query} " + " OR ".join(f"site:{d}" for d in domains)


class DuckDuckGoProvider:
    name = NAME

    def __init__(
        self,
        *,
        timeout_s: float = SEARCH_TIMEOUT_S,
        backend: str = "auto",
        region: str | None = None,
        retry: RetryPolicy = NO_RETRY,
        ddgs_factory: Callable[[], TextSearcher] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.timeout_s = timeout_s
        self.backend = backend
        self.region = region  # a fixed region (e.g. "us-en") instead of one from the question
        self.retry = retry
        self._sleep = sleep
        # Injected in tests so the ddgs boundary can be exercised without the network.
        self._factory = ddgs_factory or (lambda: DDGS(timeout=max(1, math.ceil(timeout_s))))

    def region_for(self, query: str, options: SearchOptions) -> str:
        # An explicit region wins; otherwise Chinese questions search the Chinese web, the rest worldwide.
        if options.region or self.region:
            return options.region or self.region or ""
        language = options.language or detect_language(query)
        return _REGIONS.get(language, "wt-wt")

    def _search_sync(self, query: str, options: SearchOptions) -> list[dict[str, Any]]:
        return self._factory().text(
            site_filter(query, options.domains),
            region=self.region_for(query, options),
            safesearch=options.safesearch,
            timelimit=_TIMELIMIT.get(options.recency) if options.recency else None,
            max_results=options.max_results,
            backend=self.backend,
        )

    async def _once(self, query: str, options: SearchOptions) -> list[SearchResult]:
        try:
            # ddgs has its own per-request timeout; this outer one bounds the whole multi-engine
            # search (the thread may linger, but the caller is released).
            raw = await asyncio.wait_for(
                asyncio.to_thread(self._search_sync, query, options), timeout=self.timeout_s + 2
            )
        except RatelimitException as exc:
            raise RateLimited(NAME, f"rate limited: {exc}") from exc
        except (TimeoutError, TimeoutException) as exc:
            raise SearchError(NAME, f"timed out: {exc}") from exc
        except DDGSException as exc:
            # ddgs 9 turns engine HTTP errors (DuckDuckGo answers 202/429 when rate limiting) into
            # "No results found.", so an empty answer is reported, not silently treated as a fact,
            # and is worth another try after a pause.
            raise SearchError(NAME, f"search failed: {exc}", retryable="no results" in str(exc).lower()) from exc
        except Exception as exc:  # anything else from a third-party library: still a provider failure
            raise SearchError(NAME, f"unexpected error: {type(exc).__name__}: {exc}") from exc
        return _map(raw, options.max_results, options.domains)

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        return await with_retries(lambda: self._once(query, options), self.retry, sleep=self._sleep)


def _map(raw: list[dict[str, Any]], limit: int, domains: list[str] | None = None) -> list[SearchResult]:
    fields = {"url": ("href", "url"), "title": "title", "snippet": "body", "date": "date"}
    return web_results(raw or [], limit, domains, provider=NAME, **fields)
