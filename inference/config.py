"""What a model backend is built from, and the defaults the backends' constructors share.

`LLMConfig` is filled in by the app's one composition root (agent/deps.py) from its settings; this
package never reads the environment or the app's `Settings`. The constants are the defaults, stated
once: the constructors here use them and the app's `Settings` takes its defaults from them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    """Everything `inference.registry.build_llm` needs; no defaults here (the app's settings have them)."""

    model_config = ConfigDict(frozen=True)

    base_url: str | None  # one OpenAI-compatible server, a comma list of them (a pool), or None: embedded
    model: str  # the served model's name (OpenAI-compatible servers)
    api_key: str | None
    timeout_s: float
    connect_timeout_s: float
    context_tokens: int  # the embedded model's n_ctx
    gguf: str | None  # a local GGUF file for the embedded backend; None: download hf_repo/hf_file
    hf_repo: str
    hf_file: str
    threads: int | None  # llama.cpp threads; None: its own choice
    seed: int | None = None  # llama.cpp's sampling seed; None: a random one per process
    state_cache_mb: int = STATE_CACHE_MB  # saved KV states for interleaved conversations; 0: none
    route_headers: list[str]  # headers that carry a conversation's routing key to a router
    pool_cooldown_s: float
    pool_affinity: bool
    route_load_factor: float = Field(ge=1.0)
    route_min_load: int = Field(ge=1)

    @property
    def backend(self) -> Literal["openai", "llamacpp"]:
        return "openai" if self.base_url else "llamacpp"
