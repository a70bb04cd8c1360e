"""What the search side is built from, and the defaults its constructors share.

`ProviderConfig` and `CacheConfig` are filled in by the app's one composition root (agent/deps.py)
from its settings; this package never reads the environment or the app's `Settings`. The constants
are the defaults, stated once: the constructors here use them and the app's `Settings` takes its
defaults from them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

SEARCH_TIMEOUT_S = 10.0  # one search request to a provider
SEARCH_MAX_RESULTS = 8  # results asked of a provider per query
SAFESEARCH: Literal["on", "moderate", "off"] = "moderate"
SEARCH_RETRIES = 2  # more attempts after a rate limit, per provider
SEARCH_BACKOFF_S = 0.5  # first wait before a retry; doubles each time, with jitter
SEARCH_BACKOFF_MAX_S = 4.0  # at most this much waiting in all, per provider and query
SEARXNG_CATEGORIES = ("general",)
FETCH_TIMEOUT_S = 6.0  # one page: every redirect hop, headers and body
FETCH_MAX_BYTES = 2_000_000  # a page's body (decompressed) is cut here
PAGE_TTL_S = 24 * 3600  # an extracted page stays cached this long
SEMANTIC_TIMEOUT_S = 2.0  # past this the BM25 order stands
SEMANTIC_CANDIDATES = 64  # the best BM25 passages re-scored by meaning
SEMANTIC_WEIGHT = 1.0  # score = BM25 / best BM25 + weight * similarity
MAX_TITLE_CHARS = 200  # a source's title is cut to this


class ProviderConfig(BaseModel):
    """Everything `search.providers.build_provider` needs; no defaults here (the app's settings have them)."""

    model_config = ConfigDict(frozen=True)

    provider: str  # one name or a fallback chain: "duckduckgo,searxng"
    searxng_url: str | None
    searxng_categories: list[str]
    timeout_s: float
    retries: int
    backoff_s: float
    backoff_max_s: float
    region: str | None  # DuckDuckGo's region; None: from the question
    local_index: str  # the `local` provider's index directory
    api_keys: list[str]  # the local provider signs its document links with a secret derived from these
    cache_ttl_s: int  # search results are cached this long (0: not cached)


class CacheConfig(BaseModel):
    """Where the search and page cache lives: Redis at `redis_url`, else this process's memory."""

    model_config = ConfigDict(frozen=True)

    redis_url: str | None
    redis_max_connections: int
