"""What the search side is built from, and the defaults its constructors share.

The config models here are the source of truth for their settings: each field, its type and its
default are written once. The app's `Settings` (agent/settings.py, `SECTIONS`) offers every field
flat under its environment name (`ProviderConfig.timeout_s` is `WEBSEARCH_SEARCH_TIMEOUT_S`) and
builds these models from them; this package never reads the environment or the app's `Settings`.
The constants are the defaults the constructors here share.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from core.redis_client import MAX_CONNECTIONS as REDIS_MAX_CONNECTIONS

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


def _country_code(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value.strip()) != 2 or not value.strip().isalpha():
        raise ValueError("a two-letter country code (ISO 3166-1), e.g. US or CN")
    return value.strip().upper()


CountryCode = Annotated[str | None, BeforeValidator(_country_code)]


class ProviderConfig(BaseModel):
    """Everything `search.providers.build_provider` needs."""

    model_config = ConfigDict(frozen=True)

    # One provider, a fallback chain ("brave,searxng,duckduckgo"), or auto: the search APIs whose keys
    # are set (brave, tavily, serper, exa, google), then SearXNG if its URL is set, DuckDuckGo last.
    provider: str = "auto"
    searxng_url: str | None = None
    searxng_categories: list[str] = Field(default_factory=lambda: list(SEARXNG_CATEGORIES))
    timeout_s: float = SEARCH_TIMEOUT_S
    retries: int = SEARCH_RETRIES  # more attempts after a rate limit, per provider
    backoff_s: float = SEARCH_BACKOFF_S  # first wait before a retry; doubles, with jitter
    backoff_max_s: float = SEARCH_BACKOFF_MAX_S  # at most this much waiting, per query
    region: str | None = None  # DuckDuckGo's region (e.g. "us-en"); None: from the question
    local_index: str = ".websearch-index"  # the `local` provider's index (`websearch index DIR`)
    api_keys: list[str] = Field(default_factory=list)  # the local provider signs its document links with a secret derived from these
    cache_ttl_s: int = 3600  # search results are cached this long (0: not cached)
    # The search APIs with keys (secrets: never logged, never in /metrics or `websearch doctor`): a
    # key set puts the provider in the default chain ("auto"); each URL is the full URL of the call
    # (a proxy or gateway may stand in for the API).
    brave_api_key: SecretStr | None = None
    brave_url: str = BRAVE_URL
    tavily_api_key: SecretStr | None = None
    tavily_url: str = TAVILY_URL
    serper_api_key: SecretStr | None = None
    serper_url: str = SERPER_URL
    exa_api_key: SecretStr | None = None
    exa_url: str = EXA_URL
    google_api_key: SecretStr | None = None
    google_cx: str | None = None  # the Programmable Search Engine's id ("cx")
    google_url: str = GOOGLE_URL
    country: CountryCode = None  # the market the API providers search (two letters, e.g. US, CN); None: theirs
    # A provider's circuit (search/providers/circuit.py): a 429 opens it for its Retry-After; this many
    # errors or timeouts in a row open it for a backoff that doubles while it keeps failing.
    circuit_failures: int = CIRCUIT_FAILURES
    circuit_backoff_s: float = CIRCUIT_BACKOFF_S
    circuit_backoff_max_s: float = CIRCUIT_BACKOFF_MAX_S

    def secrets(self) -> list[str]:
        """The search APIs' keys, to be masked in every log line."""
        keys = (self.brave_api_key, self.tavily_api_key, self.serper_api_key, self.exa_api_key, self.google_api_key)
        return [key.get_secret_value() for key in keys if key is not None]


class CacheConfig(BaseModel):
    """Where the search and page cache lives: Redis at `redis_url`, else this process's memory."""

    model_config = ConfigDict(frozen=True)

    redis_url: str | None = None  # unset = in-process store and caches
    redis_max_connections: int = REDIS_MAX_CONNECTIONS  # per Redis pool (store, caches)


class FetchConfig(BaseModel):
    """How `search.fetch.Fetcher` reads pages (the names are its keyword arguments)."""

    model_config = ConfigDict(frozen=True)

    allow_hosts: list[str] = Field(default_factory=list)  # host:port exempt from the private-address block
    timeout_s: float = FETCH_TIMEOUT_S
    max_bytes: int = FETCH_MAX_BYTES
    # A current browser's User-Agent: many news sites refuse or degrade bot-looking clients.
    user_agent: str = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    )


class SemanticConfig(BaseModel):
    """A semantic signal beside BM25 (search/semantic.py), for deployments that serve a model on a GPU:
    an OpenAI-compatible /v1/embeddings (e.g. vLLM + BAAI/bge-m3) or /v1/rerank (bge-reranker-v2-m3)."""

    model_config = ConfigDict(frozen=True)

    backend: Literal["off", "embeddings", "rerank"] = "off"
    base_url: str | None = None  # e.g. http://embed:8000/v1
    model: str = "BAAI/bge-m3"
    api_key: str | None = None
    timeout_s: float = SEMANTIC_TIMEOUT_S  # past this the BM25 order stands
    candidates: int = SEMANTIC_CANDIDATES  # the best BM25 passages re-scored by meaning
    weight: float = SEMANTIC_WEIGHT  # score = BM25 / best BM25 + weight * similarity
