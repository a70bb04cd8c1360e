"""The one composition root: what the graph's nodes need from the outside world, built once per
process from `Settings` and passed in. Every surface (REST/web chat/OpenAI/MCP over HTTP via
api/app.py, `websearch ask`, Slack Socket Mode, MCP stdio, `websearch evaluate`) holds an
`agent.engine.Engine`, which builds through `build_deps`; the lower packages get their own config models (`Settings.section`, agent/settings.py)
or plain arguments, never `Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import httpx

from agent.profile import for_backend
from agent.protocols import ProtocolChoice
from agent.protocols.base import Generation, ProtocolContext
from agent.settings import Settings
from agent.store import ConversationStore, StoreConfig, build_store
from agent.telemetry import instrument_cache
from inference.base import LLM, RouteKey
from inference.config import LLMConfig
from inference.registry import build_llm
from inference.routing import route_key
from search.cache import Cache, build_cache
from search.config import CacheConfig, FetchConfig, ProviderConfig, SemanticConfig
from search.fetch import Fetcher
from search.providers import build_provider
from search.providers.base import SearchProvider
from core.redact import register_secret
from core.cgroup import default_size
from core.workers import WorkerPool
from search.semantic import Semantic, semantic_from
from agent.verify.served import Checker, CheckerConfig, checker_from


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

    def protocol_context(self, conversation_id: str) -> ProtocolContext:
        """What the model protocol is given for one request (never these Deps)."""
        settings = self.settings
        generation = Generation(
            decide_temperature=settings.decide_temperature,
            decide_max_tokens=settings.decide_max_tokens,
            chat_temperature=settings.chat_temperature,
            answer_max_tokens=settings.answer_max_tokens,
        )
        return ProtocolContext(llm=self.llm, route=self.route(conversation_id), today=self.today(), generation=generation)

    async def aclose(self) -> None:
        await self.llm.aclose()
        await self.store.aclose()
        await self.cache.aclose()
        await self.http.aclose()
        await self.workers.aclose()


def llm_config(settings: Settings) -> LLMConfig:
    return settings.section(LLMConfig)


def provider_config(settings: Settings) -> ProviderConfig:
    config = settings.section(ProviderConfig)
    for key in config.secrets():
        register_secret(key)  # masked in every log line
    return config


def cache_config(settings: Settings) -> CacheConfig:
    return settings.section(CacheConfig)


def store_config(settings: Settings) -> StoreConfig:
    return settings.section(StoreConfig)


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
        fetcher=Fetcher(http, **settings.section(FetchConfig).model_dump()),
        store=build_store(store_config(settings)),
        cache=cache,
        http=http,
        workers=workers,
        semantic=semantic_from(settings.section(SemanticConfig), http),
        checker=checker_from(settings.section(CheckerConfig), http),
    )
