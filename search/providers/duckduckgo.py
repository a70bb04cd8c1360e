"""DuckDuckGo (and the other engines `ddgs` aggregates) through the `ddgs` package.

`ddgs` is synchronous, does its own HTTP and parses the engines' result pages with lxml: untrusted
bytes, and lxml crashes natively when run concurrently in threads (trafilatura #840, #925). So with
parse workers (the service always has them) each search runs in a worker process (`text_search`),
where a crash or a hang costs that search only; without them (a provider built alone, the tests'
injected searchers) in a thread. Its exceptions are translated at this boundary so callers only ever
see SearchError / RateLimited.

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
from typing import Any, Literal, Protocol

from ddgs import DDGS
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException
from pydantic import BaseModel

from search.config import SEARCH_TIMEOUT_S
from core.language import detect_language
from search.models import SearchOptions, SearchResult
from search.providers.base import NO_RETRY, RateLimited, RetryPolicy, SearchError, web_results, with_retries
from core.workers import WorkerLost, WorkerPool, WorkerPoolClosed

log = logging.getLogger(__name__)

NAME = "duckduckgo"
_TIMELIMIT = {"day": "d", "week": "w", "month": "m", "year": "y"}
# The question's language picks the market: Chinese questions search the Chinese web.
_REGIONS = {"zh": "cn-zh", "en": "wt-wt"}


class TextSearcher(Protocol):
    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]: ...


class TextQuery(BaseModel):
    """One `DDGS.text` call, as it crosses to a worker process."""

    query: str
    region: str
    safesearch: str
    timelimit: str | None
    max_results: int
    backend: str


class Outcome(BaseModel):
    """What a worker's search came to: its raw hits, or which ddgs failure (exceptions stay in the worker)."""

    hits: list[dict[str, Any]] = []
    failure: Literal["ratelimit", "timeout", "ddgs", "other"] | None = None
    message: str = ""


def text_search(call: TextQuery, timeout_s: float) -> Outcome:
    """Run in a parse worker: one ddgs search, its own HTTP client, its failure named. (ddgs is not
    preloaded by the workers' fork server: importing it starts a native thread, and a process with
    threads must not fork; a worker imports it at its first search.)"""
    try:
        hits = DDGS(timeout=max(1, math.ceil(timeout_s))).text(call.query, **call.model_dump(exclude={"query"}))
    except RatelimitException as exc:
        return Outcome(failure="ratelimit", message=str(exc))
    except TimeoutException as exc:
        return Outcome(failure="timeout", message=str(exc))
    except DDGSException as exc:
        return Outcome(failure="ddgs", message=str(exc))
    except Exception as exc:  # noqa: BLE001 — a third-party library's surprise is still this search's failure
        return Outcome(failure="other", message=f"{type(exc).__name__}: {exc}")
    return Outcome(hits=hits or [])


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
        workers: WorkerPool | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.timeout_s = timeout_s
        self.backend = backend
        self.region = region  # a fixed region (e.g. "us-en") instead of one from the question
        self.retry = retry
        self._sleep = sleep
        # Injected in tests so the ddgs boundary can be exercised without the network (in a thread).
        self._factory = ddgs_factory or (lambda: DDGS(timeout=max(1, math.ceil(timeout_s))))
        self._workers = None if ddgs_factory else workers

    def region_for(self, query: str, options: SearchOptions) -> str:
        # An explicit region wins; otherwise Chinese questions search the Chinese web, the rest worldwide.
        if options.region or self.region:
            return options.region or self.region or ""
        language = options.language or detect_language(query)
        return _REGIONS.get(language, "wt-wt")

    def _call(self, query: str, options: SearchOptions) -> TextQuery:
        return TextQuery(
            query=site_filter(query, options.domains),
            region=self.region_for(query, options),
            safesearch=options.safesearch,
            timelimit=_TIMELIMIT.get(options.recency) if options.recency else None,
            max_results=options.max_results,
            backend=self.backend,
        )

    def _search_sync(self, query: str, options: SearchOptions) -> list[dict[str, Any]]:
        call = self._call(query, options)
        return self._factory().text(call.query, **call.model_dump(exclude={"query"}))

    async def _in_worker(self, query: str, options: SearchOptions) -> list[dict[str, Any]]:
        assert self._workers is not None
        try:
            outcome: Outcome = await self._workers.run(
                "search.providers.duckduckgo:text_search",
                self._call(query, options),
                self.timeout_s,
                deadline_s=self.timeout_s + 2,  # ddgs times each request; this bounds the whole search
            )
        except (WorkerLost, WorkerPoolClosed) as exc:  # a crash or a hang costs this search only
            raise SearchError(NAME, f"search worker lost: {exc.message}", retryable=True) from exc
        if outcome.failure == "ratelimit":
            raise RatelimitException(outcome.message)
        if outcome.failure == "timeout":
            raise TimeoutException(outcome.message)
        if outcome.failure == "ddgs":
            raise DDGSException(outcome.message)
        if outcome.failure == "other":
            raise SearchError(NAME, f"unexpected error: {outcome.message}")
        return outcome.hits

    async def _once(self, query: str, options: SearchOptions) -> list[SearchResult]:
        try:
            if self._workers is not None:
                raw = await self._in_worker(query, options)
            else:
                # ddgs has its own per-request timeout; this outer one bounds the whole multi-engine
                # search (the thread may linger, but the caller is released).
                raw = await asyncio.wait_for(
                    asyncio.to_thread(self._search_sync, query, options), timeout=self.timeout_s + 2
                )
        except SearchError:
            raise
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
