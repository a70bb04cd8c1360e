"""Which search provider(s) to use, by name (`WEBSEARCH_SEARCH_PROVIDER`).

One name (`searxng`) or a fallback chain (`duckduckgo,searxng`: the next is asked when one fails or
is rate limited). Each web provider retries rate limits itself (bounded backoff: `retries`,
`backoff_s`, `backoff_max_s`); with a cache given, results are kept for `cache_ttl_s`. Adding a
provider is one entry in PROVIDERS: a factory taking the ProviderConfig, the shared client and the
parse workers (for a provider whose library parses result pages itself: DuckDuckGo's)."""

from __future__ import annotations

from collections.abc import Callable
import httpx

from search.cache import Cache
from search.config import ProviderConfig
from search.providers.base import RateLimited, RetryPolicy, SearchError, SearchProvider
from search.providers.cached import CachedProvider
from search.providers.duckduckgo import DuckDuckGoProvider
from search.providers.fallback import FallbackProvider
from search.providers.local import LocalProvider
from search.providers.searxng import SearxngProvider
from core.workers import WorkerPool

ProviderFactory = Callable[[ProviderConfig, httpx.AsyncClient, WorkerPool | None], SearchProvider]


def retry_policy(config: ProviderConfig) -> RetryPolicy:
    return RetryPolicy(retries=config.retries, backoff_s=config.backoff_s, max_wait_s=config.backoff_max_s)


def _duckduckgo(config: ProviderConfig, client: httpx.AsyncClient, workers: WorkerPool | None) -> SearchProvider:
    return DuckDuckGoProvider(  # ddgs brings its own HTTP client, and runs in a worker process
        timeout_s=config.timeout_s,
        region=config.region,
        retry=retry_policy(config),
        workers=workers,
    )


def _searxng(config: ProviderConfig, client: httpx.AsyncClient, workers: WorkerPool | None) -> SearchProvider:
    if not config.searxng_url:
        raise ValueError("search provider 'searxng' needs WEBSEARCH_SEARXNG_URL")
    return SearxngProvider(
        config.searxng_url,
        client,
        timeout_s=config.timeout_s,
        categories=config.searxng_categories,
        retry=retry_policy(config),
    )


def _local(config: ProviderConfig, client: httpx.AsyncClient, workers: WorkerPool | None) -> SearchProvider:
    from search.doc_links import link_secret

    return LocalProvider(config.local_index, link_secret=link_secret(config.api_keys))


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


def build_provider(
    config: ProviderConfig, client: httpx.AsyncClient, cache: Cache | None = None, workers: WorkerPool | None = None
) -> SearchProvider:
    """The configured provider, or a FallbackProvider over the comma list; cached when `cache` is given;
    DuckDuckGo's searches in `workers` when given (the service always gives them)."""
    names = provider_names(config.provider)
    if not names:
        raise ValueError("WEBSEARCH_SEARCH_PROVIDER names no search provider")
    unknown = [n for n in names if n not in PROVIDERS]
    if unknown:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"unknown search provider {unknown[0]!r} in {config.provider!r}; known: {known}")
    providers = [PROVIDERS[name](config, client, workers) for name in names]
    provider: SearchProvider = providers[0] if len(providers) == 1 else FallbackProvider(providers)
    if cache is not None and config.cache_ttl_s > 0 and not set(names) <= UNCACHED:
        provider = CachedProvider(provider, cache, config.cache_ttl_s)
    return provider


__all__ = [
    "PROVIDERS",
    "CachedProvider",
    "DuckDuckGoProvider",
    "FallbackProvider",
    "LocalProvider",
    "ProviderConfig",
    "RateLimited",
    "RetryPolicy",
    "SearchError",
    "SearchProvider",
    "SearxngProvider",
    "build_provider",
    "provider_names",
    "retry_policy",
]
