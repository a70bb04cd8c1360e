"""The interface every search provider implements, its errors, and what all providers share:
bounded retries with backoff, and the domain filter that keeps results on the requested sites."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

from core.errors import ErrorKind, WebsearchError
from search.config import SEARCH_BACKOFF_MAX_S, SEARCH_BACKOFF_S, SEARCH_RETRIES
from search.models import SearchOptions, SearchReport, SearchResult

log = logging.getLogger("websearch.search")

T = TypeVar("T")


class SearchError(WebsearchError):
    """A provider could not answer; `provider` (the backend) names it.

    `retryable`: trying again shortly may succeed (rate limits, and what looks like one).
    `opens_circuit`: the provider is to be left alone for a while at once (a rate limit, a refused
    key, SearXNG's JSON off), not only after several failures in a row (search/providers/circuit.py).
    `retry_after_s`: how long the provider itself asked to be left alone (Retry-After), if it said."""

    kind = ErrorKind.UNAVAILABLE
    code = "search_unavailable"
    opens_circuit = False

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        retryable: bool = False,
        opens_circuit: bool | None = None,
        retry_after_s: float | None = None,
    ):
        super().__init__(message, backend=provider)
        self.retryable = retryable
        if opens_circuit is not None:
            self.opens_circuit = opens_circuit
        self.retry_after_s = retry_after_s

    @property
    def provider(self) -> str:
        return self.backend or ""


class RateLimited(SearchError):
    """A 429, DuckDuckGo's ratelimit page, a spent quota: the provider's circuit opens at once, for
    `retry_after_s` when the provider said how long (then it is not retried within the query)."""

    kind = ErrorKind.RATE_LIMITED
    code = "search_rate_limited"
    opens_circuit = True

    def __init__(self, provider: str, message: str, *, retryable: bool = True, retry_after_s: float | None = None):
        super().__init__(provider, message, retryable=retryable and retry_after_s is None, retry_after_s=retry_after_s)


@runtime_checkable
class SearchProvider(Protocol):
    name: str

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]: ...


async def search_report(provider: SearchProvider, query: str, options: SearchOptions) -> SearchReport:
    """A search with who answered it: a chain (or the cache in front of one) says which provider
    answered and which it passed over (`report`); any other provider answered itself."""
    report = getattr(provider, "report", None)
    if report is not None:
        return await report(query, options)
    return SearchReport(results=await provider.search(query, options), provider=provider.name)


# --- retries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries on retryable errors: `retries` more attempts at most, waiting
    `backoff_s`, then twice that, ... (each ×0.5–1.5 jitter), never more than `max_wait_s` in all."""

    retries: int = SEARCH_RETRIES
    backoff_s: float = SEARCH_BACKOFF_S
    max_wait_s: float = SEARCH_BACKOFF_MAX_S

    def delays(self, rng: Callable[[], float] = random.random) -> Iterator[float]:
        waited = 0.0
        for attempt in range(max(0, self.retries)):
            delay = min(self.backoff_s * 2**attempt * (0.5 + rng()), self.max_wait_s - waited)
            if delay <= 0:
                return
            waited += delay
            yield delay


NO_RETRY = RetryPolicy(retries=0)


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """`await attempt()`, again after a backoff while it raises a retryable SearchError."""
    delays = policy.delays()
    while True:
        try:
            return await attempt()
        except SearchError as exc:
            delay = next(delays, None) if exc.retryable else None
            if delay is None:
                raise
            log.info("%s; retrying in %.2fs", exc, delay)
            await sleep(delay)


# --- domains --------------------------------------------------------------------------------------


def site_query(query: str, domains: list[str], exclude: list[str] | None = None) -> str:
    """The query with the search operators engines share: `site:` for the wanted sites (several
    OR-ed), `-site:` for the excluded ones."""
    wanted = [bare_domain(d) for d in domains if d.strip()]
    unwanted = [bare_domain(d) for d in exclude or [] if d.strip()]
    parts = [query]
    if wanted:
        parts.append(" OR ".join(f"site:{d}" for d in wanted))
    parts.extend(f"-site:{d}" for d in unwanted)
    return " ".join(parts)


def bare_domain(domain: str) -> str:
    """A domain as people write it (`https://Example.com/`) as the bare lower-case name it means."""
    return domain.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")


def clean_domain(domain: str) -> str:
    """bare_domain, `www.` off too: for matching hosts, where www.example.com is example.com."""
    return bare_domain(domain).removeprefix("www.")


def host_in(url: str, domains: list[str]) -> bool:
    """Whether the URL's host is one of the domains or a subdomain of one (www. ignored)."""
    wanted = [d for d in (clean_domain(d) for d in domains) if d]
    if not wanted:
        return True
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in wanted)


def web_results(
    items: Iterable[Any],
    limit: int,
    domains: list[str] | None,
    *,
    provider: str,
    url: tuple[str, ...],
    title: str,
    snippet: str,
    date: str,
    exclude: list[str] | None = None,
) -> list[SearchResult]:
    """An engine's hits (dicts; the field names are the engine's) as results: http(s) URLs only, each
    once, none off the requested sites (not every engine honours `site:`), at most `limit`."""
    results: list[SearchResult] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            continue
        link = str(next((item[key] for key in url if item.get(key)), "")).strip()
        if not link.startswith(("http://", "https://")) or link in seen:
            continue
        seen.add(link)
        results.append(
            SearchResult(
                url=link,
                title=str(item.get(title) or link).strip(),
                snippet=str(item.get(snippet) or "").strip(),
                provider=provider,
                date=item.get(date) or None,
            )
        )
    return keep_domains(results, domains or [], exclude)[:limit]


def keep_domains(
    results: list[SearchResult], domains: list[str], exclude: list[str] | None = None
) -> list[SearchResult]:
    """Web results outside the requested sites, or on an excluded one, dropped (engines do not all
    honour `site:` and `-site:`); non-web results (the local index's links) are the local provider's
    own business."""
    exclude = [d for d in exclude or [] if d.strip()]
    if exclude:
        results = [r for r in results if not r.url.startswith(("http://", "https://")) or not host_in(r.url, exclude)]
    if not any(d.strip() for d in domains):
        return results
    return [r for r in results if not r.url.startswith(("http://", "https://")) or host_in(r.url, domains)]
