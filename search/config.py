"""What the search side is built from, and the defaults its constructors share.

`ProviderConfig` and `CacheConfig` are filled in by the app's one composition root (agent/deps.py)
from its settings; this package never reads the environment or the app's `Settings`. The constants
are the defaults, stated once: the constructors here use them and the app's `Settings` takes its
defaults from them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

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
# The search APIs' calls (each overridable as a whole URL: a proxy or gateway may stand in).
BRAVE_URL = "https://api.search.brave.com/res/v1/web/search"
TAVILY_URL = "https://api.tavily.com/search"
SERPER_URL = "https://google.serper.dev/search"
EXA_URL = "https://api.exa.ai/search"
GOOGLE_URL = "https://www.googleapis.com/customsearch/v1"
# A provider's circuit (search/providers/circuit.py).
CIRCUIT_FAILURES = 3  # errors/timeouts in a row that open it
CIRCUIT_BACKOFF_S = 30.0  # its first opening without a Retry-After; doubles with each opening in a row
CIRCUIT_BACKOFF_MAX_S = 600.0  # the longest backoff (a provider's own Retry-After is obeyed, up to a day)


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
    # The search APIs with keys: a key set puts the provider in the default chain ("auto"); each
    # URL is the full URL of the call (a proxy or gateway may stand in for the API).
    brave_api_key: SecretStr | None
    brave_url: str
    tavily_api_key: SecretStr | None
    tavily_url: str
    serper_api_key: SecretStr | None
    serper_url: str
    exa_api_key: SecretStr | None
    exa_url: str
    google_api_key: SecretStr | None
    google_cx: str | None  # the Programmable Search Engine's id
    google_url: str
    country: str | None  # the market the API providers search (two letters); None: theirs
    circuit_failures: int  # errors in a row that open a provider's circuit (search/providers/circuit.py)
    circuit_backoff_s: float  # its first opening without a Retry-After; doubles while it keeps failing
    circuit_backoff_max_s: float


class CacheConfig(BaseModel):
    """Where the search and page cache lives: Redis at `redis_url`, else this process's memory."""

    model_config = ConfigDict(frozen=True)

    redis_url: str | None
    redis_max_connections: int
