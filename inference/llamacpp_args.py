"""What the llama.cpp backend passes to llama-cpp-python for one generation: sampling settings,
messages its templates accept, tool schemas a grammar can bound, and the per-token cancel check."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from inference.base import GenerationParams, Message

STANDARD_ROLES = {"system", "user", "assistant"}


def sampling_args(params: GenerationParams) -> dict[str, Any]:
    return {
        "max_tokens": params.max_tokens,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "stop": list(params.stop),
        "repeat_penalty": 1.02,  # same as the vLLM backend; llama.cpp's own default (1.1) is tuned for other models
    }


def guided_args(params: GenerationParams) -> dict[str, Any]:
    """OpenAI's json_schema `response_format` as llama-cpp-python takes it (a grammar built from the
    schema): {"type": "json_object", "schema": ...}; nothing when the output is free text."""
    fmt = params.response_format or {}
    if fmt.get("type") != "json_schema":
        return {"response_format": {"type": "json_object"}} if fmt.get("type") == "json_object" else {}
    schema = (fmt.get("json_schema") or {}).get("schema")
    return {"response_format": {"type": "json_object", "schema": schema}}


def bounded(tool: dict[str, Any], max_chars: int = 160) -> dict[str, Any]:
    """The tool with a maxLength on its string parameters: the handler generates the arguments with
    no token limit, under a grammar made from this schema, and a small model can run on to n_ctx."""
    tool = copy.deepcopy(tool)
    properties = tool.get("function", {}).get("parameters", {}).get("properties", {})
    for spec in properties.values():
        if isinstance(spec, dict) and spec.get("type") == "string":
            spec.setdefault("maxLength", max_chars)
    return tool


def tool_message(message: Message) -> dict[str, Any]:
    """A message for the chatml function-calling template, which reads `content` always (strictly)."""
    wire = message.wire()
    wire["content"] = wire.get("content") or ""
    if message.role not in STANDARD_ROLES:  # the template renders system, user and assistant only
        wire = {"role": "user", "content": message.content}
    return wire


def chat_role(role: str, mapped: bool) -> str:
    return role if not mapped or role in STANDARD_ROLES else "user"


def too_long(exc: BaseException) -> bool:
    return "exceed context window" in str(exc)


def stop_when(cancel: threading.Event, eos: int) -> list[Callable[[Any, Any], Any]]:
    """A logits processor that forces end-of-sequence once `cancel` is set.

    `create_chat_completion` takes no stopping criteria, but every backend call takes logits
    processors, which llama.cpp runs before sampling each token: the cheapest per-token check.
    """

    def process(input_ids: Any, scores: Any) -> Any:
        if cancel.is_set():
            scores[:] = -float("inf")
            scores[eos] = 0.0
        return scores

    return [process]
