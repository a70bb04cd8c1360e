"""The one place configuration is read: environment variables prefixed WEBSEARCH_ (or a .env file)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBSEARCH_", env_file=".env", extra="ignore")

    # --- model -------------------------------------------------------------------------------
    llm_base_url: str | None = None  # unset = embedded llama.cpp
    llm_model: str = "megrez"
    llm_api_key: str | None = None
    llm_timeout_s: float = 120.0
    llm_connect_timeout_s: float = 5.0
    llm_context_tokens: int = 8192  # the context the prompt budget is fitted to
    llm_gguf: str | None = None  # a local GGUF file for the embedded backend
    llm_hf_repo: str = "bartowski/Megrez-3B-Instruct-GGUF"
    llm_hf_file: str = "Megrez-3B-Instruct-Q4_K_M.gguf"
    llm_threads: int | None = None
    answer_max_tokens: int = 768
    decide_max_tokens: int = 384

    # --- search ------------------------------------------------------------------------------
    search_provider: str = "duckduckgo"
    searxng_url: str | None = None
    search_max_results: int = 8
    search_timeout_s: float = 10.0
    # `search_provider` may be a fallback chain: "duckduckgo,searxng" asks SearXNG when DuckDuckGo fails.
    search_retries: int = 2  # more attempts after a rate limit, per provider
    search_backoff_s: float = 0.5  # first wait before a retry; doubles each time, with jitter
    search_backoff_max_s: float = 4.0  # at most this much waiting in all, per provider and query
    search_safesearch: Literal["on", "moderate", "off"] = "moderate"
    search_region: str | None = None  # DuckDuckGo region (e.g. "us-en"); unset = from the question
    searxng_categories: CommaList = Field(default_factory=lambda: ["general"])
    local_index: str = ".websearch-index"  # the `local` provider's index (`websearch index DIR`)

    # --- reading pages -----------------------------------------------------------------------
    fetch_allow_hosts: CommaList = Field(default_factory=list)
    fetch_pages: int = 5  # how many top results are fetched and read
    fetch_timeout_s: float = 6.0
    fetch_max_bytes: int = 2_000_000
    # A current browser's User-Agent: many news sites refuse or degrade bot-looking clients.
    user_agent: str = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    )

    # --- selecting evidence ------------------------------------------------------------------
    context_tokens: int = 1000  # total evidence the model reads
    source_tokens: int = 350  # at most this much from one source
    condense: bool = False  # let the model condense long pages (one batched request) first
    condense_input_tokens: int = 1200  # how much of each page the condensing step reads
    # A semantic signal beside BM25 (search/semantic.py), for deployments that serve a model on a GPU:
    # an OpenAI-compatible /v1/embeddings (e.g. vLLM + BAAI/bge-m3) or /v1/rerank (bge-reranker-v2-m3).
    semantic_backend: Literal["off", "embeddings", "rerank"] = "off"
    semantic_base_url: str | None = None  # e.g. http://embed:8000/v1
    semantic_model: str = "BAAI/bge-m3"
    semantic_api_key: str | None = None
    semantic_timeout_s: float = 2.0  # past this the BM25 order stands
    semantic_candidates: int = 64  # the best BM25 passages re-scored by meaning
    semantic_weight: float = 1.0  # score = BM25 / best BM25 + weight * similarity

    # --- state -------------------------------------------------------------------------------
    redis_url: str | None = None  # unset = in-process store
    conversation_ttl_s: int = 7 * 24 * 3600
    search_cache_ttl_s: int = 3600
    page_cache_ttl_s: int = 24 * 3600
    history_turns: int = 50  # a cap; the token budget usually decides first

    # --- surfaces ----------------------------------------------------------------------------
    api_keys: CommaList = Field(default_factory=list)
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"

    # --- operations (metrics, logs, replicas, shutdown) ---------------------------------------
    llm_pool_cooldown_s: float = 10.0  # an LLM endpoint that failed gets no traffic for this long
    llm_metrics_timeout_s: float = 1.0  # reading vLLM's own /metrics (prefix cache) at scrape time
    llm_metrics_cache_s: float = 5.0  # … at most this often
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"  # one JSON object per line, with the request id
    shutdown_grace_s: float = 30.0  # on SIGTERM, in-flight requests get this long to finish

    @field_validator("fetch_allow_hosts", "api_keys", "searxng_categories", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def llm_backend(self) -> Literal["openai", "llamacpp"]:
        return "openai" if self.llm_base_url else "llamacpp"
