"""Which backend serves the model: the config's backend name mapped to a constructor, nothing else."""

from __future__ import annotations

from collections.abc import Callable

from inference.base import LLM
from inference.config import LLMConfig
from inference.llamacpp import LlamaCppLLM
from inference.pool import build_openai

# A new backend is one line here; llama_cpp itself is imported only when that backend is built.
BACKENDS: dict[str, Callable[[LLMConfig], LLM]] = {
    "openai": build_openai,  # one vLLM server, or a pool of them for a comma list of base URLs
    "llamacpp": LlamaCppLLM.from_config,
}


def build_llm(config: LLMConfig) -> LLM:
    """The configured backend: vLLM server(s) when a base URL is set, else llama.cpp."""
    return BACKENDS[config.backend](config)
