"""Which search provider(s) to use, by name (`WEBSEARCH_SEARCH_PROVIDER`).

One name (`searxng`) or a fallback chain (`duckduckgo,searxng`: the next is asked when one fails or
is rate limited). Each web provider retries rate limits itself (bounded backoff, settings
`search_retries`, `search_backoff_s`, `search_backoff_max_s`); with a cache given, results are kept
for `search_cache_ttl_s`. Adding a provider is one entry in PROVIDERS: a factory taking the settings
and the shared client."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from search.cache import Cache
from search.providers.base import RateLimited, RetryPolicy, SearchError, SearchProvider
from search.providers.cached import CachedProvider
from search.providers.duckduckgo import DuckDuckGoProvider
from search.providers.fallback import FallbackProvider
from search.providers.local import LocalProvider
from search.providers.searxng import SearxngProvider

if TYPE_CHECKING:
    from agent.settings import Settings

ProviderFactory = Callable[["Settings", httpx.AsyncClient], SearchProvider]


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        retries=settings.search_retries,
        backoff_s=settings.search_backoff_s,
        max_wait_s=settings.search_backoff_max_s,
    )


def _duckduckgo(settings: Settings, client: httpx.AsyncClient) -> SearchProvider:
    return DuckDuckGoProvider(  # ddgs brings its own HTTP client
        timeout_s=settings.search_timeout_s,
        region=settings.search_region,
        retry=retry_policy(settings),
    )


def _searxng(settings: Settings, client: httpx.AsyncClient) -> SearchProvider:
    if not settings.searxng_url:
        raise ValueError("search provider 'searxng' needs WEBSEARCH_SEARXNG_URL")
    return SearxngProvider(
        settings.searxng_url,
        client,
        timeout_s=settings.search_timeout_s,
        categories=settings.searxng_categories,
        retry=retry_policy(settings),
    )


def _local(settings: Settings, client: httpx.AsyncClient) -> SearchProvider:
    from search.doc_links import link_secret

    return LocalProvider(settings.local_index, link_secret=link_secret(settings.api_keys))


PROVIDERS: dict[str, ProviderFactory] = {
    "duckduckgo": _duckduckgo,
    "searxng": _searxng,
    "local": _local,
}
# Providers whose results are not worth caching: no network to spare, and a rebuilt index must show.
UNCACHED = frozenset({"local"})


def provider_names(spec: str) -> list[str]:
    """`"duckduckgo, searxng"` -> ["duckduckgo", "searxng"] (lower-cased, repeats dropped)."""
    names: list[str] = []
    for part in spec.split(","):
        name = part.strip().lower()
        if name and name not in names:
            names.append(name)
    return names


def build_provider(settings: Settings, client: httpx.AsyncClient, cache: Cache | None = None) -> SearchProvider:
    """The configured provider, or a FallbackProvider over the comma list; cached when `cache` is given."""
    names = provider_names(settings.search_provider)
    if not names:
        raise ValueError("WEBSEARCH_SEARCH_PROVIDER names no search provider")
    unknown = [n for n in names if n not in PROVIDERS]
    if unknown:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"unknown search provider {unknown[0]!r} in {settings.search_provider!r}; known: {known}")
    providers = [PROVIDERS[name](settings, client) for name in names]
    provider: SearchProvider = providers[0] if len(providers) == 1 else FallbackProvider(providers)
    if cache is not None and settings.search_cache_ttl_s > 0 and not set(names) <= UNCACHED:
        provider = CachedProvider(provider, cache, settings.search_cache_ttl_s)
    return provider


__all__ = [
    "PROVIDERS",
    "CachedProvider",
    "DuckDuckGoProvider",
    "FallbackProvider",
    "LocalProvider",
    "RateLimited",
    "RetryPolicy",
    "SearchError",
    "SearchProvider",
    "SearxngProvider",
    "build_provider",
    "provider_names",
    "retry_policy",
]
