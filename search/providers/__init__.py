"""Which search provider(s) to use, by name (`WEBSEARCH_SEARCH_PROVIDER`).

One name (`searxng`), a fallback chain (`brave,searxng,duckduckgo`: the next is asked when one
fails, is rate limited or is being skipped), or `auto` (the default): the search APIs whose keys
are set (Brave, Tavily, Serper, Exa, Google, in that order), then SearXNG if its URL is set, then
DuckDuckGo. Every web provider sits behind its circuit (search/providers/circuit.py: a provider that
rate limits or keeps failing is skipped until its time is up). DuckDuckGo and SearXNG retry an
ambiguous rate limit themselves (bounded backoff: `retries`, `backoff_s`, `backoff_max_s`); with a
cache given, results are kept for `cache_ttl_s`. Adding a provider is one entry in PROVIDERS: a
factory taking the ProviderConfig, the shared client and the parse workers (for a provider whose
library parses result pages itself: DuckDuckGo's)."""

from __future__ import annotations

from collections.abc import Callable
import httpx

from search.cache import Cache
from search.config import ProviderConfig
from search.providers.base import RateLimited, RetryPolicy, SearchError, SearchProvider
from search.providers.brave import BraveProvider
from search.providers.cached import CachedProvider
from search.providers.circuit import Circuit, CircuitPolicy, GuardedProvider, guarded
from search.providers.duckduckgo import DuckDuckGoProvider
from search.providers.exa import ExaProvider
from search.providers.fallback import FallbackProvider
from search.providers.google import GoogleProvider
from search.providers.local import LocalProvider
from search.providers.searxng import SearxngProvider
from search.providers.serper import SerperProvider
from search.providers.tavily import TavilyProvider
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


def key_of(config: ProviderConfig, name: str) -> str | None:
    """A search API's key as set (None when unset or blank); Google needs its engine id (cx) too."""
    secret = getattr(config, f"{name}_api_key", None)
    key = secret.get_secret_value().strip() if secret is not None else ""
    if name == "google" and not (config.google_cx or "").strip():
        return None
    return key or None


def _needs_key(config: ProviderConfig, name: str) -> str:
    key = key_of(config, name)
    if key is None:
        setting = f"WEBSEARCH_{name.upper()}_API_KEY"
        if name == "google":
            setting += " and WEBSEARCH_GOOGLE_CX"
        raise ValueError(f"search provider {name!r} needs {setting}")
    return key


def _brave(config: ProviderConfig, client: httpx.AsyncClient, workers: WorkerPool | None) -> SearchProvider:
    return BraveProvider(_needs_key(config, "brave"), client, url=config.brave_url, timeout_s=config.timeout_s)


def _tavily(config: ProviderConfig, client: httpx.AsyncClient, workers: WorkerPool | None) -> SearchProvider:
    return TavilyProvider(_needs_key(config, "tavily"), client, url=config.tavily_url, timeout_s=config.timeout_s)


def _serper(config: ProviderConfig, client: httpx.AsyncClient, workers: WorkerPool | None) -> SearchProvider:
    return SerperProvider(_needs_key(config, "serper"), client, url=config.serper_url, timeout_s=config.timeout_s)


def _exa(config: ProviderConfig, client: httpx.AsyncClient, workers: WorkerPool | None) -> SearchProvider:
    return ExaProvider(_needs_key(config, "exa"), client, url=config.exa_url, timeout_s=config.timeout_s)


def _google(config: ProviderConfig, client: httpx.AsyncClient, workers: WorkerPool | None) -> SearchProvider:
    key = _needs_key(config, "google")
    return GoogleProvider(key, (config.google_cx or "").strip(), client, url=config.google_url, timeout_s=config.timeout_s)


PROVIDERS: dict[str, ProviderFactory] = {
    "brave": _brave,
    "tavily": _tavily,
    "serper": _serper,
    "exa": _exa,
    "google": _google,
    "searxng": _searxng,
    "duckduckgo": _duckduckgo,
    "local": _local,
}
# The search APIs with keys, in the order the default chain tries them.
KEYED = ("brave", "tavily", "serper", "exa", "google")
# How readers see a provider's name ("DuckDuckGo is rate-limiting; searched with Brave").
LABELS = {
    "brave": "Brave",
    "tavily": "Tavily",
    "serper": "Serper",
    "exa": "Exa",
    "google": "Google",
    "searxng": "SearXNG",
    "duckduckgo": "DuckDuckGo",
    "local": "the local index",
}
# Providers whose results are not worth caching: no network to spare, and a rebuilt index must show.
UNCACHED = frozenset({"local"})
# … nor worth a circuit: nothing to rate limit, and its failures are settings to fix, shown at once.
UNGUARDED = frozenset({"local"})


def default_chain(config: ProviderConfig) -> list[str]:
    """`auto`: every search API whose key is set, then SearXNG if its URL is set, DuckDuckGo last."""
    names = [name for name in KEYED if key_of(config, name)]
    if config.searxng_url:
        names.append("searxng")
    return [*names, "duckduckgo"]


def chain_names(config: ProviderConfig) -> list[str]:
    """The providers `WEBSEARCH_SEARCH_PROVIDER` names, `auto` (alone, or empty) read as the default chain."""
    names = provider_names(config.provider)
    if names == ["auto"]:
        return default_chain(config)
    return names


def circuit_policy(config: ProviderConfig) -> CircuitPolicy:
    return CircuitPolicy(
        failures_to_open=config.circuit_failures,
        backoff_s=config.circuit_backoff_s,
        backoff_max_s=config.circuit_backoff_max_s,
    )


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
    """The configured provider, or a FallbackProvider over the comma list, each web provider behind its
    circuit; cached when `cache` is given; DuckDuckGo's searches in `workers` when given (the service
    always gives them)."""
    names = chain_names(config)
    if not names:
        raise ValueError("WEBSEARCH_SEARCH_PROVIDER names no search provider")
    unknown = [n for n in names if n not in PROVIDERS]
    if unknown:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"unknown search provider {unknown[0]!r} in {config.provider!r}; known: {known} (or auto)")
    policy = circuit_policy(config)
    providers = [
        built if name in UNGUARDED else GuardedProvider(built, Circuit(policy))
        for name in names
        for built in [PROVIDERS[name](config, client, workers)]
    ]
    provider: SearchProvider = providers[0] if len(providers) == 1 else FallbackProvider(providers)
    if cache is not None and config.cache_ttl_s > 0 and not set(names) <= UNCACHED:
        provider = CachedProvider(provider, cache, config.cache_ttl_s)
    return provider


__all__ = [
    "KEYED",
    "LABELS",
    "PROVIDERS",
    "BraveProvider",
    "CachedProvider",
    "Circuit",
    "CircuitPolicy",
    "ExaProvider",
    "GoogleProvider",
    "GuardedProvider",
    "SerperProvider",
    "TavilyProvider",
    "chain_names",
    "default_chain",
    "guarded",
    "key_of",
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
