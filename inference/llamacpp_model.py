"""Loading a GGUF into llama-cpp-python, and the fixes it needs for Megrez: special tokens kept in
the text, and Megrez's chat template for a GGUF that carries none."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from inference.base import LLMError, LLMUnavailable, ModelNotFound
from inference.gguf import HOW_TO_POINT
from inference.megrez import TURN_END

if TYPE_CHECKING:
    from llama_cpp import Llama

# Megrez's format (inference/megrez.py), for a Megrez GGUF that carries no chat template of its own.
MEGREZ_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|role_start|>' + message['role'] + '<|role_end|>' + message['content'] + '<|turn_end|>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|role_start|>assistant<|role_end|>' }}{% endif %}"
)


def load_llama(path: str | os.PathLike[str], *, n_ctx: int, n_threads: int | None, seed: int | None = None) -> Llama:
    file = Path(path).expanduser()
    if not file.is_file():
        raise ModelNotFound("llama.cpp", f"no GGUF file at {file}; {HOW_TO_POINT}")
    try:
        from llama_cpp import Llama  # lazy: the server backend must work without llama.cpp installed
    except ImportError as exc:
        raise LLMUnavailable(
            "llama.cpp",
            f"llama-cpp-python is not installed ({exc}); pip install llama-cpp-python, or {HOW_TO_POINT}",
        ) from exc
    try:
        # A fixed seed makes every generation's sampling repeatable (each call's seed is drawn from it).
        extra = {} if seed is None else {"seed": seed}
        llama = Llama(model_path=str(file), n_ctx=n_ctx, n_threads=n_threads, verbose=False, **extra)
    except (ValueError, RuntimeError, OSError) as exc:
        raise LLMError("llama.cpp", f"cannot load {file}: {exc}") from exc
    _keep_special_tokens(llama)
    _use_megrez_template_if_missing(llama)
    return llama


def _keep_special_tokens(llama: Llama) -> None:
    """Make generated special tokens appear in the text.

    llama-cpp-python detokenizes with special=False, which renders control tokens as nothing:
    Megrez's `<|function_start|>`/`<|function_end|>` would vanish and function calls with them.
    """
    detokenize = llama.detokenize

    def detokenize_special(tokens: list[int], prev_tokens: list[int] | None = None, special: bool = True) -> bytes:
        return detokenize(tokens, prev_tokens=prev_tokens, special=True)

    llama.detokenize = detokenize_special  # type: ignore[method-assign]


def _use_megrez_template_if_missing(llama: Llama) -> None:
    """A Megrez GGUF without an embedded chat template would fall back to llama-2's format."""
    meta = llama.metadata
    is_megrez = "megrez" in (meta.get("general.name", "") + meta.get("general.basename", "")).lower()
    if "tokenizer.chat_template" in meta or not is_megrez:
        return
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter, chat_formatter_to_chat_completion_handler

    formatter = Jinja2ChatFormatter(template=MEGREZ_TEMPLATE, eos_token=TURN_END, bos_token="")
    llama.chat_handler = chat_formatter_to_chat_completion_handler(formatter)
