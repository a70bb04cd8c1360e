"""The one place configuration is read: environment variables prefixed WEBSEARCH_ (or a .env file).

Read once, at the top. Each setting is written once:

- the settings of a lower package (or of one policy) live in its own config model, which states
  each field's type, default and meaning (`inference.config.LLMConfig`, `search.config.ProviderConfig`,
  `CacheConfig`, `FetchConfig`, `SemanticConfig`, `agent.store.StoreConfig`,
  `agent.verify.served.CheckerConfig`, the evidence policy's `agent.evidence_policy.EvidencePolicy`).
  `SECTIONS` below offers every one of their fields here, flat, under its environment name (`LLMConfig.timeout_s` is `llm_timeout_s`, `WEBSEARCH_LLM_TIMEOUT_S`),
  and `Settings.section(LLMConfig)` builds the model back from them for agent/deps.py. The lower
  packages never import this module.
- what only the app uses (prompt budgets, temperatures, caps on what surfaces take) is a field of
  `Settings` itself, below.

Every list setting is a comma list in the environment (`a,b,c`).
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Mapping, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, create_model
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from agent.evidence_policy import EvidencePolicy
from agent.store import StoreConfig
from agent.verify.served import CheckerConfig
from inference.config import LLMConfig
from search import config as search_defaults
from search.config import CacheConfig, FetchConfig, ProviderConfig, SemanticConfig


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_commas)]
Config = TypeVar("Config", bound=BaseModel)


@dataclass(frozen=True)
class Section:
    """A lower package's config model offered flat: its field `name` is the setting `prefix + name`,
    or `names[name]` where the environment name is older than the model."""

    model: type[BaseModel]
    prefix: str
    names: Mapping[str, str] = field(default_factory=dict)

    def setting(self, name: str) -> str:
        return self.names.get(name, self.prefix + name)


def _bare(*names: str) -> dict[str, str]:
    return {name: name for name in names}


SECTIONS = (
    Section(LLMConfig, "llm_"),
    Section(
        ProviderConfig,
        "search_",
        _bare(
            "searxng_url", "searxng_categories", "local_index", "api_keys",
            "brave_api_key", "brave_url", "tavily_api_key", "tavily_url", "serper_api_key", "serper_url",
            "exa_api_key", "exa_url", "google_api_key", "google_cx", "google_url",
        ),
    ),
    Section(CacheConfig, ""),
    Section(
        StoreConfig,
        "conversation_",
        {"redis_url": "redis_url", "max_connections": "redis_max_connections", "quota": "key_storage_bytes"},
    ),
    Section(FetchConfig, "fetch_", _bare("user_agent")),
    Section(SemanticConfig, "semantic_"),
    Section(CheckerConfig, "verify_"),
    Section(EvidencePolicy, ""),
)


def _flat_fields(sections: tuple[Section, ...]) -> dict[str, Any]:
    """Each section's fields under their setting names; a setting two sections share (redis_url) is
    made from the first (tests/agent/test_settings.py pins that they agree)."""
    fields: dict[str, Any] = {}
    for section in sections:
        for name, info in section.model.model_fields.items():
            setting = section.setting(name)
            if setting in fields:
                continue
            annotation = CommaList if info.annotation == list[str] else info.annotation
            fields[setting] = (annotation, copy.copy(info))
    return fields


# The sections' settings, for `Settings` to inherit (with its own prefix and .env).
_SectionSettings = create_model("_SectionSettings", __base__=BaseSettings, **_flat_fields(SECTIONS))


class Settings(_SectionSettings):
    """The app's own settings below, and every field of the `SECTIONS` models, declared and explained
    in their modules: LLMConfig's as `llm_<name>`, ProviderConfig's as `search_<name>` (the search
    APIs' and SearXNG's under their own names), CacheConfig's `redis_*`, StoreConfig's
    `conversation_*`, FetchConfig's `fetch_*`, SemanticConfig's `semantic_*`, CheckerConfig's
    `verify_*`, and the evidence policy's `context_tokens`, `source_tokens`, rounds and pages
    (agent/budget.py)."""

    model_config = SettingsConfigDict(env_prefix="WEBSEARCH_", env_file=".env", extra="ignore")

    def export(self, name: str) -> None:
        """Hand one setting to child processes that read their own `Settings` (uvicorn's `--workers`
        call the app factory by name, with no arguments): the environment is their one channel."""
        value = getattr(self, name)
        os.environ[f"WEBSEARCH_{name.upper()}"] = ",".join(value) if isinstance(value, list) else str(value)

    # --- model (and inference.config.LLMConfig: llm_*) -----------------------------------------
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

    # --- search (and search.config.ProviderConfig: search_*, searxng_*, brave_* …) ------------
    search_max_results: int = search_defaults.SEARCH_MAX_RESULTS
    search_safesearch: Literal["on", "moderate", "off"] = search_defaults.SAFESEARCH

    # --- reading pages (search.config.FetchConfig: fetch_*, user_agent) ----------------------
    # Parsing (trafilatura, lxml, pypdf, charset detection) runs in worker processes: a crash, a
    # hang or a memory blow-up costs one worker and its page (the snippet stands in), never the server.
    parse_workers: int | None = None  # processes per server process; unset = one per core (the cgroup's CPU quota)
    parse_deadline_s: float = 3.0  # a page still parsing after this is abandoned, its worker replaced
    parse_memory_mb: int = 1024  # what one worker may allocate beyond its start; 0 = no cap
    # How a page's main text is found (search/extract.py EXTRACTORS): "fast" (one lexbor parse,
    # trafilatura once; a third of the CPU, same F1: bench/cpu.py), "lean" (fast, but a page that reads
    # like one plain article keeps the lexbor text without trafilatura) or "trafilatura" (as before).
    extractor: Literal["fast", "lean", "trafilatura"] = "fast"
    index_document_deadline_s: float = 60.0  # `websearch index`: one file (a long PDF) may take this long

    # --- selecting evidence (agent.evidence_policy.EvidencePolicy: context_tokens, source_tokens, …) ---
    search_time_budget_s: float = 20.0  # a new search round starts only while the question is younger than this
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
    condense: bool = False  # let the model condense long pages (one batched request) first
    condense_input_tokens: int = 1200  # how much of each page the condensing step reads
    # (A semantic signal beside BM25: search.config.SemanticConfig, semantic_*.)

    # --- checking citations (issue #23, agent/verify; served checker: CheckerConfig, verify_*) --
    # Each cited claim is checked against the passages read from its source as the answer streams:
    # a wrong marker is re-pointed to the read source that holds the claim, or removed (the claim
    # flagged unsupported, its words kept). The lexical checker is always on (false: markers are
    # shown as the model wrote them); a served cross-encoder may back it where a GPU serves one.
    verify: bool = True
    # Best of n for answers that are not streamed (agent/samples.py): n answers in one batched
    # request (Megrez's protocol), the best-supported kept; sampled at their own temperature.
    answer_samples: int = Field(default=1, ge=1, le=8)
    answer_samples_temperature: float = 0.7

    # --- state (and search.config.CacheConfig: redis_*; agent.store.StoreConfig: conversation_*) -
    # `websearch serve` waits this long for Redis at start (backoff 0.5 s doubling to 5 s), so a first
    # deploy whose Redis comes up later does not crash-loop; 0 = exit at once when it does not answer.
    redis_startup_wait_s: float = 60.0
    page_cache_ttl_s: int = search_defaults.PAGE_TTL_S  # 0: pages are not cached
    history_turns: int = 50  # a cap; the token budget usually decides first
    # The answer prompt's own words (system prompt, instructions, markers), kept out of the history budget.
    prompt_reserve_tokens: int = 800

    # --- surfaces ----------------------------------------------------------------------------
    api_keys: CommaList = Field(default_factory=list)  # bearer keys; unset = open (ProviderConfig takes them too)
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"

    # --- operations (metrics, logs, replicas, shutdown) ---------------------------------------
    llm_metrics_timeout_s: float = 1.0  # reading vLLM's own /metrics (prefix cache) at scrape time
    llm_metrics_cache_s: float = 5.0  # … at most this often
    # Where vLLM's own /metrics are: behind a router or gateway, the /metrics beside the base URL is the
    # router's. List the engines' (http://vllm-0.vllm-pods:8000/metrics,…); unset = beside each base URL.
    llm_metrics_urls: CommaList = Field(default_factory=list)
    log_level: str = "INFO"
    # "auto": plain text lines on a terminal, JSON (one object per line, with the request id) otherwise
    log_format: Literal["auto", "json", "text"] = "auto"
    shutdown_grace_s: float = 30.0  # on SIGTERM, in-flight requests get this long to finish

    # --- conversation affinity across model servers (issue 15; LLMConfig's llm_route_*) --------
    llm_route_secret: str = "megrez-websearch"  # keys the routing hash; the same on every api replica

    # --- hardening (issue 17): bounds on what any surface takes, open-server safety ------------
    # The same caps on every surface (REST, OpenAI-compatible, Slack, web chat); checked before
    # anything costly runs. A request over a size cap is a 413, a question over its cap a 422.
    max_body_bytes: int = 1_048_576  # a request body, counted as it arrives (Content-Length or not)
    max_messages: int = 100  # messages in one /v1/chat/completions request
    max_message_chars: int = 16_000  # one message's text (OpenAI surface) or a Slack message
    max_history_chars: int = 200_000  # all earlier messages of one request together
    max_question_chars: int = 4_000  # one question, on every surface (REST, OpenAI, Slack, MCP's schema)
    max_question_tokens: int = 1_500  # the question stands twice in the answer prompt
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
    # The event loop `websearch serve` runs on (api/ops/event_loop.py): uvloop where installed (less
    # CPU per answer), `uvloop` to require it, `asyncio` for the standard one.
    event_loop: Literal["auto", "uvloop", "asyncio"] = "auto"
    sse_heartbeat_s: float = 15.0  # an event stream idle this long gets a `: heartbeat` comment (proxies cut idle streams)
    http_max_concurrency: int = 512  # connections or requests in flight; more are answered 503
    # Fair shares between keys (api/fairness.py; the client address on an open server): requests in
    # flight and a token bucket, past either a 429 with Retry-After. 0 turns one off.
    key_max_concurrency: int = 8  # one key's requests in flight (/v1, /mcp)
    key_rate_per_minute: float = 120.0  # one key's requests per minute, on average …
    key_burst: int = 30  # … and at once, from a full bucket
    api_docs: bool = True  # /docs (Swagger UI, served from this process: no CDN) and /openapi.json

    # --- front door (issue 16): local documents as links ----------------------------------------
    # Where people reach this service (e.g. https://search.example.com): makes the local index's
    # document links absolute where a relative link cannot work (Slack). Unset: relative links.
    public_url: str | None = None
    # Host names this service answers (api/hosts.py: DNS rebinding). Unset: the loopback names and
    # public_url's host; `websearch serve --host 0.0.0.0` with neither set answers any; "*": any.
    allowed_hosts: CommaList = Field(default_factory=list)

    def section(self, model: type[Config]) -> Config:
        """The lower config `model` (one of `SECTIONS`), built from the settings that offer its fields."""
        section = next(s for s in SECTIONS if s.model is model)
        return model(**{name: getattr(self, section.setting(name)) for name in model.model_fields})

    @property
    def llm_backend(self) -> Literal["openai", "llamacpp"]:
        return "openai" if self.llm_base_url else "llamacpp"
