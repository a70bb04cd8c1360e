"""The interface every search provider implements, its errors, and what all providers share:
bounded retries with backoff, and the domain filter that keeps results on the requested sites."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

from search.config import SEARCH_BACKOFF_MAX_S, SEARCH_BACKOFF_S, SEARCH_RETRIES
from search.models import SearchOptions, SearchResult

log = logging.getLogger("websearch.search")

T = TypeVar("T")


class SearchError(Exception):
    """A provider could not answer. The API answers 503 naming the provider.

    `retryable`: trying again shortly may succeed (rate limits, and what looks like one)."""

    def __init__(self, provider: str, message: str, *, retryable: bool = False):
        self.provider = provider
        self.message = message
        self.retryable = retryable
        super().__init__(f"{provider}: {message}")


class RateLimited(SearchError):
    def __init__(self, provider: str, message: str, *, retryable: bool = True):
        super().__init__(provider, message, retryable=retryable)


@runtime_checkable
class SearchProvider(Protocol):
    name: str

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]: ...


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


def clean_domain(domain: str) -> str:
    domain = domain.strip().lower()
    for prefix in ("https://", "http://"):
        domain = domain.removeprefix(prefix)
    return domain.strip("/").removeprefix("www.")


def host_in(url: str, domains: list[str]) -> bool:
    """Whether the URL's host is one of the domains or a subdomain of one (www. ignored)."""
    wanted = [d for d in (clean_domain(d) for d in domains) if d]
    if not wanted:
        return True
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in wanted)


def keep_domains(results: list[SearchResult], domains: list[str]) -> list[SearchResult]:
    """Web results outside the requested sites dropped (engines do not all honour `site:`);
    non-web results (the local index's file:// URLs) are the local provider's own business."""
    if not any(d.strip() for d in domains):
        return results
    return [r for r in results if not r.url.startswith(("http://", "https://")) or host_in(r.url, domains)]
