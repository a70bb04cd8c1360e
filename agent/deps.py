"""The one composition root: what the graph's nodes need from the outside world, built once per
process from `Settings` and passed in. Every surface (REST/web chat/OpenAI/MCP over HTTP via
api/app.py, `websearch ask`, Slack Socket Mode, MCP stdio, `websearch evaluate`) builds through
`build_deps`; the lower packages get their own config models (`*_config` below) or plain arguments,
never `Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import httpx

from agent.profile import for_backend
from agent.protocols import ProtocolChoice
from agent.settings import Settings
from agent.store import ConversationStore, StoreConfig, build_store
from agent.telemetry import instrument_cache
from inference.base import LLM, RouteKey
from inference.config import LLMConfig
from inference.registry import build_llm
from inference.routing import route_key
from search.cache import Cache, build_cache
from search.config import CacheConfig, ProviderConfig
from search.fetch import Fetcher
from search.providers import build_provider
from search.providers.base import SearchProvider
from core.redact import register_secret
from core.workers import WorkerPool, default_size
from search.semantic import Semantic, build_semantic
from agent.verify.served import Checker, build_checker


@dataclass
class Deps:
    settings: Settings
    llm: LLM
    provider: SearchProvider
    fetcher: Fetcher
    store: ConversationStore
    cache: Cache  # search results and extracted pages
    http: httpx.AsyncClient
    workers: WorkerPool  # parse worker processes: every page's bytes are parsed there
    today: Callable[[], date] = field(default=date.today)
    semantic: Semantic | None = None  # off unless Settings.semantic_backend names one
    checker: Checker | None = None  # a served claim checker, off unless Settings.verify_backend names one
    protocol: ProtocolChoice = field(default_factory=lambda: ProtocolChoice("megrez", model_name="megrez"))

    def route(self, conversation_id: str) -> RouteKey:
        """The routing key every model request of this conversation carries (a keyed hash)."""
        return route_key(conversation_id, self.settings.llm_route_secret)

    async def aclose(self) -> None:
        await self.llm.aclose()
        await self.store.aclose()
        await self.cache.aclose()
        await self.http.aclose()
        await self.workers.aclose()


def llm_config(settings: Settings) -> LLMConfig:
    return LLMConfig(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        connect_timeout_s=settings.llm_connect_timeout_s,
        context_tokens=settings.llm_context_tokens,
        gguf=settings.llm_gguf,
        hf_repo=settings.llm_hf_repo,
        hf_file=settings.llm_hf_file,
        threads=settings.llm_threads,
        seed=settings.llm_seed,
        state_cache_mb=settings.llm_state_cache_mb,
        route_headers=settings.llm_route_headers,
        pool_cooldown_s=settings.llm_pool_cooldown_s,
        pool_affinity=settings.llm_pool_affinity,
        route_load_factor=settings.llm_route_load_factor,
        route_min_load=settings.llm_route_min_load,
    )


def provider_config(settings: Settings) -> ProviderConfig:
    for key in (settings.brave_api_key, settings.tavily_api_key, settings.serper_api_key, settings.exa_api_key,
                settings.google_api_key):
        register_secret(key.get_secret_value() if key is not None else None)  # masked in every log line
    return ProviderConfig(
        provider=settings.search_provider,
        searxng_url=settings.searxng_url,
        searxng_categories=settings.searxng_categories,
        timeout_s=settings.search_timeout_s,
        retries=settings.search_retries,
        backoff_s=settings.search_backoff_s,
        backoff_max_s=settings.search_backoff_max_s,
        region=settings.search_region,
        local_index=settings.local_index,
        api_keys=settings.api_keys,
        cache_ttl_s=settings.search_cache_ttl_s,
        brave_api_key=settings.brave_api_key,
        brave_url=settings.brave_url,
        tavily_api_key=settings.tavily_api_key,
        tavily_url=settings.tavily_url,
        serper_api_key=settings.serper_api_key,
        serper_url=settings.serper_url,
        exa_api_key=settings.exa_api_key,
        exa_url=settings.exa_url,
        google_api_key=settings.google_api_key,
        google_cx=settings.google_cx,
        google_url=settings.google_url,
        country=settings.search_country,
        circuit_failures=settings.search_circuit_failures,
        circuit_backoff_s=settings.search_circuit_backoff_s,
        circuit_backoff_max_s=settings.search_circuit_backoff_max_s,
    )


def cache_config(settings: Settings) -> CacheConfig:
    return CacheConfig(redis_url=settings.redis_url, redis_max_connections=settings.redis_max_connections)


def store_config(settings: Settings) -> StoreConfig:
    return StoreConfig(
        redis_url=settings.redis_url,
        ttl_s=settings.conversation_ttl_s,
        max_turns=settings.conversation_max_turns,
        max_turn_bytes=settings.conversation_max_turn_bytes,
        max_connections=settings.redis_max_connections,
        quota=settings.key_storage_bytes,
    )


def build_workers(settings: Settings) -> WorkerPool:
    """The parse workers, started (blocking, about a second the first time: call off the loop)."""
    return WorkerPool(
        settings.parse_workers or default_size(),
        deadline_s=settings.parse_deadline_s,
        memory_mb=settings.parse_memory_mb,
    ).start()


def build_deps(settings: Settings, *, llm: LLM | None = None, workers: WorkerPool | None = None) -> Deps:
    """One shared HTTP client for search and page fetching; one model client; one store; the parse
    workers started warm, so the first question pays no start-up."""
    http = httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent},
        timeout=httpx.Timeout(settings.fetch_timeout_s, connect=min(3.0, settings.fetch_timeout_s)),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        follow_redirects=False,  # the fetcher follows redirects itself, re-checking every hop
    )
    cache = instrument_cache(build_cache(cache_config(settings)))  # counted: search and page cache hit ratios
    llm = llm or build_llm(llm_config(settings))
    settings = for_backend(settings, llm)  # the CPU profile's defaults for a model on this CPU
    workers = workers or build_workers(settings)
    return Deps(
        settings=settings,
        llm=llm,
        # The embedded backend names its GGUF's model and says whether its template takes tools.
        protocol=ProtocolChoice(settings.llm_protocol, model_name=llm.model_name, supports_tools=llm.supports_tools),
        provider=build_provider(provider_config(settings), http, cache=cache, workers=workers),
        fetcher=Fetcher(
            http,
            allow_hosts=set(settings.fetch_allow_hosts),
            timeout_s=settings.fetch_timeout_s,
            max_bytes=settings.fetch_max_bytes,
            user_agent=settings.user_agent,
        ),
        store=build_store(store_config(settings)),
        cache=cache,
        http=http,
        workers=workers,
        semantic=build_semantic(
            settings.semantic_backend,
            http,
            base_url=settings.semantic_base_url,
            model=settings.semantic_model,
            api_key=settings.semantic_api_key,
            timeout_s=settings.semantic_timeout_s,
        ),
        checker=build_checker(
            settings.verify_backend,
            http,
            base_url=settings.verify_url,
            model=settings.verify_model,
            api_key=settings.verify_api_key,
            timeout_s=settings.verify_timeout_s,
            threshold=settings.verify_threshold,
        ),
    )
