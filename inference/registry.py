"""Which backend serves the model: a name from settings mapped to a constructor, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from inference.base import LLM
from inference.llamacpp import LlamaCppLLM
from inference.pool import build_openai

if TYPE_CHECKING:
    from agent.settings import Settings

# A new backend is one line here; llama_cpp itself is imported only when that backend is built.
BACKENDS: dict[str, Callable[[Settings], LLM]] = {
    "openai": build_openai,  # one vLLM server, or a pool of them for a comma list of base URLs
    "llamacpp": LlamaCppLLM.from_settings,
}


def build_llm(settings: Settings) -> LLM:
    """The configured backend: vLLM server(s) when WEBSEARCH_LLM_BASE_URL is set, else llama.cpp."""
    return BACKENDS[settings.llm_backend](settings)
