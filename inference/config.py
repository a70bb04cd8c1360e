"""What a model backend is built from, and the defaults the backends' constructors share.

`LLMConfig` is the source of truth for these settings: each field, its type and its default are
written here once. The app's `Settings` (agent/settings.py) offers every field as `llm_<name>`
(`WEBSEARCH_LLM_<NAME>`) and builds this model from them; this package never reads the environment
or the app's `Settings`. The constants are the defaults the backends' constructors share.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from inference.routing import DEFAULT_ROUTE_HEADERS

TIMEOUT_S = 120.0  # a whole model request (a long answer on a busy server takes a while)
CONNECT_TIMEOUT_S = 5.0  # connecting to a model server, and a pool's health check of one
CONTEXT_TOKENS = 8192  # the embedded model's context window
POOL_COOLDOWN_S = 10.0  # an endpoint that failed gets no traffic for this long
ROUTE_LOAD_FACTOR = 1.25  # pool: a conversation's endpoint takes at most this × the mean outstanding …
ROUTE_MIN_LOAD = 8  # … but one with fewer than this in flight is never passed over
POOL_AFFINITY = True  # pool: keep each conversation on one server (its prefix cache)
# The embedded model: KV states saved for conversations asked in turn (inference/llamacpp_cache.py).
# SmolLM2-135M keeps ~23 KB a token, Megrez-3B ~130 KB: 256 MB holds a few whole conversations.
STATE_CACHE_MB = 256


class LLMConfig(BaseModel):
    """Everything `inference.registry.build_llm` needs."""

    model_config = ConfigDict(frozen=True)

    base_url: str | None = None  # one OpenAI-compatible server, a comma list of them (a pool), or None: embedded
    model: str = "megrez"  # the served model's name (OpenAI-compatible servers)
    api_key: str | None = None
    timeout_s: float = TIMEOUT_S
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    context_tokens: int = CONTEXT_TOKENS  # the embedded model's n_ctx; the context the prompt budget is fitted to
    gguf: str | None = None  # a local GGUF file for the embedded backend; None: download hf_repo/hf_file
    hf_repo: str = "bartowski/Megrez-3B-Instruct-GGUF"
    hf_file: str = "Megrez-3B-Instruct-Q4_K_M.gguf"
    threads: int | None = None  # llama.cpp threads; None: its own choice
    seed: int | None = None  # llama.cpp's sampling seed (repeatable replies); None: a random one per process
    # The embedded model's saved KV states (MB), so conversations asked in turn each keep their prefix; 0: off.
    state_cache_mb: int = STATE_CACHE_MB
    # Every model request of a conversation carries a keyed hash of its id in these headers and in
    # OpenAI's `user` field, for a router in front of vLLM (production-stack, SGLang, Dynamo, llm-d).
    route_headers: list[str] = Field(default_factory=lambda: list(DEFAULT_ROUTE_HEADERS))
    pool_cooldown_s: float = POOL_COOLDOWN_S  # a failed endpoint gets no traffic this long
    # Pool: a conversation's server takes at most load_factor × the mean outstanding, but one with fewer
    # than min_load in flight is never passed over; affinity False: least outstanding for every request.
    pool_affinity: bool = POOL_AFFINITY
    route_load_factor: float = Field(default=ROUTE_LOAD_FACTOR, ge=1.0)
    route_min_load: int = Field(default=ROUTE_MIN_LOAD, ge=1)

    @property
    def backend(self) -> Literal["openai", "llamacpp"]:
        return "openai" if self.base_url else "llamacpp"
