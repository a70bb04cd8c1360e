"""Which search provider to use, by name (`WEBSEARCH_SEARCH_PROVIDER`).

Adding a provider is one entry in PROVIDERS: a factory taking the settings and the shared client."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from search.providers.base import RateLimited, SearchError, SearchProvider
from search.providers.duckduckgo import DuckDuckGoProvider
from search.providers.searxng import SearxngProvider

if TYPE_CHECKING:
    from agent.settings import Settings

ProviderFactory = Callable[["Settings", httpx.AsyncClient], SearchProvider]


def _duckduckgo(settings: Settings, client: httpx.AsyncClient) -> SearchProvider:
    return DuckDuckGoProvider(timeout_s=settings.search_timeout_s)  # ddgs brings its own HTTP client


def _searxng(settings: Settings, client: httpx.AsyncClient) -> SearchProvider:
    if not settings.searxng_url:
        raise ValueError("search provider 'searxng' needs WEBSEARCH_SEARXNG_URL")
    return SearxngProvider(settings.searxng_url, client, timeout_s=settings.search_timeout_s)


PROVIDERS: dict[str, ProviderFactory] = {
    "duckduckgo": _duckduckgo,
    "searxng": _searxng,
}


def build_provider(settings: Settings, client: httpx.AsyncClient) -> SearchProvider:
    name = settings.search_provider.strip().lower()
    try:
        factory = PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"unknown search provider {settings.search_provider!r}; known: {known}") from None
    return factory(settings, client)


__all__ = [
    "PROVIDERS",
    "DuckDuckGoProvider",
    "RateLimited",
    "SearchError",
    "SearchProvider",
    "SearxngProvider",
    "build_provider",
]
