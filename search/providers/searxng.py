"""SearXNG through its JSON API (`/search?format=json`), the self-hosted production provider."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from core.language import detect_language
from search.config import SEARCH_TIMEOUT_S, SEARXNG_CATEGORIES
from search.models import SearchOptions, SearchResult
from search.providers.base import NO_RETRY, RateLimited, RetryPolicy, SearchError, web_results, with_retries
from search.providers.duckduckgo import site_filter
from search.providers.http_api import retry_after

NAME = "searxng"
JSON_OFF = (
    "SearXNG refused the JSON API (HTTP 403): enable `json` in `search.formats` of SearXNG's settings.yml "
    "(formats: [html, json]) and restart it"
)
log = logging.getLogger("websearch.search")


class JsonFormatOff(SearchError):
    """SearXNG's JSON API is switched off (its default): a setting to change, not an outage.
    The provider logs the advice itself, once (`reported`): callers need not repeat it."""

    reported = True
    opens_circuit = True  # no use asking again until the operator has changed settings.yml

    def __init__(self) -> None:
        super().__init__(NAME, JSON_OFF)
_SAFESEARCH = {"off": "0", "moderate": "1", "on": "2"}


class SearxngProvider:
    name = NAME

    def __init__(
        self,
        base_url: str,
        client: httpx.AsyncClient,
        *,
        timeout_s: float = SEARCH_TIMEOUT_S,
        categories: list[str] | None = None,
        retry: RetryPolicy = NO_RETRY,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.timeout_s = timeout_s
        self.categories = [c.strip() for c in categories or [] if c.strip()] or list(SEARXNG_CATEGORIES)
        self.retry = retry
        self._sleep = sleep
        self._json_off_reported = False  # told once per process until SearXNG answers JSON again

    def params(self, query: str, options: SearchOptions) -> dict[str, str]:
        categories = [c.strip() for c in options.categories if c.strip()] or self.categories
        params = {
            "q": site_filter(query, options.domains),
            "format": "json",
            "categories": ",".join(categories),
            "language": options.language or detect_language(query),
            "safesearch": _SAFESEARCH[options.safesearch],
        }
        if options.recency:  # SearXNG's time_range uses the same words: day/week/month/year
            params["time_range"] = options.recency
        return params

    async def _once(self, query: str, options: SearchOptions) -> list[SearchResult]:
        try:
            response = await self.client.get(
                f"{self.base_url}/search", params=self.params(query, options), timeout=self.timeout_s
            )
        except httpx.TimeoutException as exc:
            raise SearchError(NAME, f"timed out after {self.timeout_s:g}s") from exc
        except httpx.HTTPError as exc:
            raise SearchError(NAME, f"cannot reach {self.base_url}: {type(exc).__name__}: {exc}") from exc

        if response.status_code == 429:  # its limiter may say how long (then the circuit waits that out)
            raise RateLimited(NAME, "rate limited (HTTP 429)", retry_after_s=retry_after(response.headers))
        if response.status_code == 403:
            # SearXNG answers 403 to format=json unless settings.yml lists json under search.formats.
            if not self._json_off_reported:
                log.warning("%s (searched at %s)", JSON_OFF, self.base_url)
                self._json_off_reported = True
            raise JsonFormatOff()
        if response.status_code >= 400:
            raise SearchError(NAME, f"HTTP {response.status_code}")
        try:
            data = response.json()
            items = data["results"]
            if not isinstance(items, list):
                raise TypeError("results is not a list")
        except (ValueError, KeyError, TypeError) as exc:
            raise SearchError(NAME, f"bad JSON answer: {exc}") from exc
        if self._json_off_reported:
            log.warning("SearXNG at %s answers JSON again", self.base_url)
            self._json_off_reported = False
        return _map(items, options.max_results, options.domains)

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        return await with_retries(lambda: self._once(query, options), self.retry, sleep=self._sleep)


def _map(items: list[Any], limit: int, domains: list[str] | None = None) -> list[SearchResult]:
    fields = {"url": ("url",), "title": "title", "snippet": "content", "date": "publishedDate"}
    return web_results(items, limit, domains, provider=NAME, **fields)
