"""The one place configuration is read: environment variables prefixed WEBSEARCH_ (or a .env file).

Read once, at the top; agent/deps.py turns it into the lower packages' own config models
(`inference.config.LLMConfig`, `search.config.ProviderConfig`, `CacheConfig`) and plain arguments:
search/ and inference/ never import this module.

Every default is stated once. The rule: a default that a lower package's constructor also has is a
named constant in that package's config module (`inference/config.py`, `search/config.py`), and the
field here takes it from there; a number only the app uses (prompt budgets, temperatures, caps on
what surfaces take) is stated here, with a comment.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from inference import config as llm_defaults
from inference.routing import DEFAULT_ROUTE_HEADERS
from agent import store
from core import redis_client as redis_defaults
from search import config as search_defaults

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBSEARCH_", env_file=".env", extra="ignore")

    # --- model -------------------------------------------------------------------------------
    llm_base_url: str | None = None  # unset = embedded llama.cpp
    llm_model: str = "megrez"
    llm_api_key: str | None = None
    llm_timeout_s: float = llm_defaults.TIMEOUT_S
    llm_connect_timeout_s: float = llm_defaults.CONNECT_TIMEOUT_S
    llm_context_tokens: int = llm_defaults.CONTEXT_TOKENS  # the context the prompt budget is fitted to
    llm_gguf: str | None = None  # a local GGUF file for the embedded backend
    llm_hf_repo: str = "bartowski/Megrez-3B-Instruct-GGUF"
    llm_hf_file: str = "Megrez-3B-Instruct-Q4_K_M.gguf"
    llm_threads: int | None = None
    llm_seed: int | None = None  # the embedded model's sampling seed (repeatable replies); unset = random
    # The embedded model's saved KV states (MB), so conversations asked in turn each keep their prefix; 0: off.
    llm_state_cache_mb: int = llm_defaults.STATE_CACHE_MB
    answer_max_tokens: int = 768
    decide_max_tokens: int = 384
    related_max_tokens: int = 120  # the three follow-up questions written beside the answer
    # Whether the three follow-up questions are written at all. With a model on the service's own CPU
    # (the embedded backend) they are written after the answer, on its prompt; off there by default.
    related_questions: bool = True
    # Sampling temperature per step: near-greedy where a function call or the evidence must be followed.
    decide_temperature: float = 0.2  # choosing to search (Megrez's function call, OpenAI tools)
    answer_temperature: float = 0.2  # the cited answer from the evidence
    chat_temperature: float = 0.7  # an answer without searching (the model's own words)
    condense_temperature: float = 0.0  # condensing a long page: extraction, no invention
    related_temperature: float = 0.7  # follow-up questions: some variety
    # How the model is asked to decide (issue #19): auto = megrez by the model's name, else OpenAI
    # tools where the backend takes them (a server refusing them falls back to plain, remembered).
    llm_protocol: Literal["auto", "megrez", "tools", "plain"] = "auto"

    # --- search ------------------------------------------------------------------------------
    # One provider, a fallback chain ("brave,searxng,duckduckgo"), or auto: the search APIs whose keys
    # are set (brave, tavily, serper, exa, google), then SearXNG if its URL is set, DuckDuckGo last.
    search_provider: str = "auto"
    searxng_url: str | None = None
    # The search APIs with keys (secrets: never logged, never in /metrics or `websearch doctor`). Each
    # URL is the full URL of the call, for a proxy or gateway in front of the API.
    brave_api_key: SecretStr | None = None
    brave_url: str = search_defaults.BRAVE_URL
    tavily_api_key: SecretStr | None = None
    tavily_url: str = search_defaults.TAVILY_URL
    serper_api_key: SecretStr | None = None
    serper_url: str = search_defaults.SERPER_URL
    exa_api_key: SecretStr | None = None
    exa_url: str = search_defaults.EXA_URL
    google_api_key: SecretStr | None = None
    google_cx: str | None = None  # the Programmable Search Engine's id ("cx")
    google_url: str = search_defaults.GOOGLE_URL
    search_country: str | None = None  # the market the search APIs search (two letters, e.g. US, CN)
    # A provider's circuit (search/providers/circuit.py): a 429 opens it for its Retry-After; this many
    # errors or timeouts in a row open it for a backoff that doubles while it keeps failing.
    search_circuit_failures: int = search_defaults.CIRCUIT_FAILURES
    search_circuit_backoff_s: float = search_defaults.CIRCUIT_BACKOFF_S
    search_circuit_backoff_max_s: float = search_defaults.CIRCUIT_BACKOFF_MAX_S
    search_max_results: int = search_defaults.SEARCH_MAX_RESULTS
    search_timeout_s: float = search_defaults.SEARCH_TIMEOUT_S
    # `search_provider` may be a fallback chain: "duckduckgo,searxng" asks SearXNG when DuckDuckGo fails.
    search_retries: int = search_defaults.SEARCH_RETRIES  # more attempts after a rate limit, per provider
    search_backoff_s: float = search_defaults.SEARCH_BACKOFF_S  # first wait before a retry; doubles, with jitter
    search_backoff_max_s: float = search_defaults.SEARCH_BACKOFF_MAX_S  # at most this much waiting, per query
    search_safesearch: Literal["on", "moderate", "off"] = search_defaults.SAFESEARCH
    search_region: str | None = None  # DuckDuckGo region (e.g. "us-en"); unset = from the question
    searxng_categories: CommaList = Field(default_factory=lambda: list(search_defaults.SEARXNG_CATEGORIES))
    local_index: str = ".websearch-index"  # the `local` provider's index (`websearch index DIR`)

    # --- reading pages -----------------------------------------------------------------------
    fetch_allow_hosts: CommaList = Field(default_factory=list)
    fetch_pages: int = 5  # how many top results are fetched and read
    fetch_timeout_s: float = search_defaults.FETCH_TIMEOUT_S
    fetch_max_bytes: int = search_defaults.FETCH_MAX_BYTES
    # A current browser's User-Agent: many news sites refuse or degrade bot-looking clients.
    user_agent: str = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    )

    # Parsing (trafilatura, lxml, pypdf, charset detection) runs in worker processes: a crash, a
    # hang or a memory blow-up costs one worker and its page (the snippet stands in), never the server.
    parse_workers: int | None = None  # processes per server process; unset = one per core (the cgroup's CPU quota)
    parse_deadline_s: float = 3.0  # a page still parsing after this is abandoned, its worker replaced
    parse_memory_mb: int = 1024  # what one worker may allocate beyond its start; 0 = no cap
    # How a page's main text is found (search/extract.py EXTRACTORS): "fast" (one lexbor parse,
    # trafilatura once; a third of the CPU, same F1: bench/cpu.py) or "trafilatura" (as before).
    extractor: Literal["fast", "trafilatura"] = "fast"
    index_document_deadline_s: float = 60.0  # `websearch index`: one file (a long PDF) may take this long

    # --- selecting evidence ------------------------------------------------------------------
    context_tokens: int = 1000  # total evidence the model reads
    source_tokens: int = 350  # at most this much from one source
    # When the ranking is unsure (one page leads but more of its passages score close to its best
    # than its share holds: search/select.py), the evidence grows to this, each source's share in
    # proportion; no more than context_tokens turns it off. Measured in bench/realdata.py.
    unsure_context_tokens: int = 1500
    unsure_crowd: float = 0.55  # "close": the leading page's first passage past its share scores this share of the best
    unsure_lead: float = 0.5  # "leads": no other page's best passage scores this share of the best
    # Searching again (issue #13): after reading results the model may call search once more, up to
    # this many rounds in all (depth "auto"), while the question is younger than the time budget; at
    # either limit it is asked to answer from what it has.
    max_search_rounds: int = 3
    search_time_budget_s: float = 20.0
    # Each later round reads this share of `context_tokens` as new evidence (round 1 reads it all):
    # a 3-round prompt then holds at most 1000 + 2 * 500 tokens of evidence, and the history budget
    # keeps room for all of it.
    later_round_context_share: float = 0.5
    # Search without asking the model first when the request says `search: always` or the bilingual
    # rule (agent/classify.py) says the question needs the web; the query is written from the
    # conversation. On with the embedded model (agent/profile.py): the decide step is a generation.
    search_by_rule: bool = False
    # Each source's URL in the numbered results the model reads (its title always): off with the
    # embedded model, where a URL is ~15 prompt tokens a source that it does not need to cite.
    source_urls_in_prompt: bool = True
    # The answer's instruction in its brief form (prompts/answer.brief.*.txt: half the tokens in
    # Chinese, two-thirds in English): on with the embedded model.
    brief_answer_prompt: bool = False
    # The depth of a request that names none: "auto" with a model server, "quick" with the embedded
    # model (agent/profile.py: every search round costs seconds of the same CPU).
    default_depth: Literal["quick", "auto", "deep"] = "auto"
    deep_search_rounds: int = 5  # depth "deep": research questions get more rounds…
    deep_fetch_pages: int = 8  # … and read more pages per round
    condense: bool = False  # let the model condense long pages (one batched request) first
    condense_input_tokens: int = 1200  # how much of each page the condensing step reads
    # A semantic signal beside BM25 (search/semantic.py), for deployments that serve a model on a GPU:
    # an OpenAI-compatible /v1/embeddings (e.g. vLLM + BAAI/bge-m3) or /v1/rerank (bge-reranker-v2-m3).
    semantic_backend: Literal["off", "embeddings", "rerank"] = "off"
    semantic_base_url: str | None = None  # e.g. http://embed:8000/v1
    semantic_model: str = "BAAI/bge-m3"
    semantic_api_key: str | None = None
    semantic_timeout_s: float = search_defaults.SEMANTIC_TIMEOUT_S  # past this the BM25 order stands
    semantic_candidates: int = search_defaults.SEMANTIC_CANDIDATES  # the best BM25 passages re-scored by meaning
    semantic_weight: float = search_defaults.SEMANTIC_WEIGHT  # score = BM25 / best BM25 + weight * similarity

    # --- checking citations (issue #23, agent/verify) -------------------------------------------
    # Each cited claim is checked against the passages read from its source as the answer streams:
    # a wrong marker is re-pointed to the read source that holds the claim, or removed (the claim
    # flagged unsupported, its words kept). The lexical checker is always on (false: markers are
    # shown as the model wrote them); a served cross-encoder may back it where a GPU serves one.
    verify: bool = True
    verify_backend: Literal["lexical", "score", "rerank"] = "lexical"  # score: vLLM /v1/score; rerank: /v1/rerank
    verify_url: str | None = None  # e.g. http://reranker:8000/v1
    verify_model: str = "BAAI/bge-reranker-v2-m3"
    verify_api_key: str | None = None
    verify_threshold: float = 0.5  # a served score at or above this: the passage supports the claim
    verify_timeout_s: float = 2.0  # past this the lexical verdict stands
    # Best of n for answers that are not streamed (agent/samples.py): n answers in one batched
    # request (Megrez's protocol), the best-supported kept; sampled at their own temperature.
    answer_samples: int = Field(default=1, ge=1, le=8)
    answer_samples_temperature: float = 0.7

    # --- state -------------------------------------------------------------------------------
    redis_url: str | None = None  # unset = in-process store
    # `websearch serve` waits this long for Redis at start (backoff 0.5 s doubling to 5 s), so a first
    # deploy whose Redis comes up later does not crash-loop; 0 = exit at once when it does not answer.
    redis_startup_wait_s: float = 60.0
    conversation_ttl_s: int = store.TTL_S
    search_cache_ttl_s: int = 3600
    page_cache_ttl_s: int = search_defaults.PAGE_TTL_S
    history_turns: int = 50  # a cap; the token budget usually decides first
    # The answer prompt's own words (system prompt, instructions, markers), kept out of the history budget.
    prompt_reserve_tokens: int = 800

    # --- surfaces ----------------------------------------------------------------------------
    api_keys: CommaList = Field(default_factory=list)
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"

    # --- operations (metrics, logs, replicas, shutdown) ---------------------------------------
    llm_pool_cooldown_s: float = llm_defaults.POOL_COOLDOWN_S  # a failed LLM endpoint gets no traffic this long
    llm_metrics_timeout_s: float = 1.0  # reading vLLM's own /metrics (prefix cache) at scrape time
    llm_metrics_cache_s: float = 5.0  # … at most this often
    # Where vLLM's own /metrics are: behind a router or gateway, the /metrics beside the base URL is the
    # router's. List the engines' (http://vllm-0.vllm-pods:8000/metrics,…); unset = beside each base URL.
    llm_metrics_urls: CommaList = Field(default_factory=list)
    log_level: str = "INFO"
    # "auto": plain text lines on a terminal, JSON (one object per line, with the request id) otherwise
    log_format: Literal["auto", "json", "text"] = "auto"
    shutdown_grace_s: float = 30.0  # on SIGTERM, in-flight requests get this long to finish

    # --- conversation affinity across model servers (issue 15) --------------------------------
    # Every model request of a conversation carries a keyed hash of its id in these headers and in
    # OpenAI's `user` field, for a router in front of vLLM (production-stack, SGLang, Dynamo, llm-d).
    llm_route_headers: CommaList = Field(default_factory=lambda: list(DEFAULT_ROUTE_HEADERS))
    llm_route_secret: str = "megrez-websearch"  # keys that hash; the same on every api replica
    # Pool: a conversation's server takes at most load_factor × the mean outstanding, but one with fewer
    # than min_load in flight is never passed over; affinity False: least outstanding for every request.
    llm_route_load_factor: float = Field(default=llm_defaults.ROUTE_LOAD_FACTOR, ge=1.0)
    llm_route_min_load: int = Field(default=llm_defaults.ROUTE_MIN_LOAD, ge=1)
    llm_pool_affinity: bool = llm_defaults.POOL_AFFINITY

    @field_validator("llm_route_headers", mode="before")
    @classmethod
    def _split_route_headers(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    # --- hardening (issue 17): bounds on what any surface takes, open-server safety ------------
    # The same caps on every surface (REST, OpenAI-compatible, Slack, web chat); checked before
    # anything costly runs. A request over a size cap is a 413, a question over its cap a 422.
    max_body_bytes: int = 1_048_576  # a request body, counted as it arrives (Content-Length or not)
    max_messages: int = 100  # messages in one /v1/chat/completions request
    max_message_chars: int = 16_000  # one message's text (OpenAI surface) or a Slack message
    max_history_chars: int = 200_000  # all earlier messages of one request together
    max_question_chars: int = 4_000  # one question, on every surface (REST, OpenAI, Slack, MCP's schema)
    max_question_tokens: int = 1_500  # the question stands twice in the answer prompt
    conversation_max_turns: int = store.MAX_TURNS  # a stored conversation holds at most this many turns …
    conversation_max_turn_bytes: int = store.MAX_TURN_BYTES  # … of at most this size each (JSON): a size cap
    redis_max_connections: int = redis_defaults.MAX_CONNECTIONS  # per Redis pool (store, caches)
    # Slack threads (`slack:TEAM:CHANNEL:ts`, ids every workspace member sees) over REST: off unless
    # the operator opts in (with API keys set they are out of reach anyway: each key has its own scope).
    slack_threads_over_rest: bool = False
    max_result_url_chars: int = 2_048  # a search result with a longer URL is dropped (not a real link)
    max_result_title_chars: int = search_defaults.MAX_TITLE_CHARS  # … its title is cut to this
    # `websearch serve` (uvicorn): a slow client cannot hold a connection (api/ops/server.py). On the
    # internet, put a reverse proxy in front all the same.
    http_header_timeout_s: float = 10.0  # a request's line and headers must arrive within this …
    http_body_timeout_s: float = 60.0  # … and its body within this
    # An idle kept-alive connection is closed after this: longer than the proxies' own idle timeout
    # in front (nginx, AWS ALB: 60 s), else a proxy reuses a connection the server just closed (502).
    http_keep_alive_s: float = 75.0
    sse_heartbeat_s: float = 15.0  # an event stream idle this long gets a `: heartbeat` comment (proxies cut idle streams)
    http_max_concurrency: int = 512  # connections or requests in flight; more are answered 503
    # Fair shares between keys (api/fairness.py; the client address on an open server): requests in
    # flight and a token bucket, past either a 429 with Retry-After. 0 turns one off.
    key_max_concurrency: int = 8  # one key's requests in flight (/v1, /mcp)
    key_rate_per_minute: float = 120.0  # one key's requests per minute, on average …
    key_burst: int = 30  # … and at once, from a full bucket
    key_storage_bytes: int = store.STORAGE_BYTES  # one key's stored conversations together (413 past it)
    api_docs: bool = True  # /docs (Swagger UI, served from this process: no CDN) and /openapi.json

    # --- front door (issue 16): local documents as links ----------------------------------------
    # Where people reach this service (e.g. https://search.example.com): makes the local index's
    # document links absolute where a relative link cannot work (Slack). Unset: relative links.
    public_url: str | None = None
    # Host names this service answers (api/hosts.py: DNS rebinding). Unset: the loopback names and
    # public_url's host; `websearch serve --host 0.0.0.0` with neither set answers any; "*": any.
    allowed_hosts: CommaList = Field(default_factory=list)

    @field_validator("search_country")
    @classmethod
    def _country_code(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if len(value.strip()) != 2 or not value.strip().isalpha():
            raise ValueError("a two-letter country code (ISO 3166-1), e.g. US or CN")
        return value.strip().upper()

    @field_validator("fetch_allow_hosts", "api_keys", "searxng_categories", "llm_metrics_urls", "allowed_hosts", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def llm_backend(self) -> Literal["openai", "llamacpp"]:
        return "openai" if self.llm_base_url else "llamacpp"
