"""Reading what an OpenAI-compatible server sends back: the choices of an answer, the chunks of its
SSE stream (errors included, which vLLM sends inline), and tool calls streamed in pieces."""

from __future__ import annotations

import json
from typing import Any

from inference.base import LLMError, ToolCall
from inference.openai_errors import classify, error_message

# A tool call as it streams in: its id, name and the arguments' JSON text so far.
PartialCalls = dict[int, dict[str, str]]


def choices(backend: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    found = data.get("choices")
    if not isinstance(found, list) or not found:
        raise LLMError(backend, f"answered without choices: {json.dumps(data)[:200]}")
    return found


def parse_chunk(backend: str, payload: str) -> dict[str, Any]:
    """One `data:` payload of the stream, as JSON; raises the error the server sent in its place."""
    try:
        chunk = json.loads(payload)
    except ValueError as exc:
        raise LLMError(backend, f"sent a stream chunk that is not JSON: {payload[:200]!r}") from exc
    if not isinstance(chunk, dict):
        raise LLMError(backend, f"sent an unexpected stream chunk: {payload[:200]!r}")
    if "error" in chunk or chunk.get("object") == "error":  # vLLM reports mid-stream failures inline
        raise classify(backend, None, error_message(chunk) or payload[:200])
    return chunk


def add_tool_call_delta(calls: PartialCalls, part: Any) -> None:
    """vLLM streams a call as its id and name first, then the arguments' JSON text in pieces."""
    if not isinstance(part, dict):
        return
    index = part.get("index", len(calls))
    call = calls.setdefault(index if isinstance(index, int) else len(calls), {"id": "", "name": "", "arguments": ""})
    function = part.get("function") or {}
    if part.get("id"):
        call["id"] = str(part["id"])
    if function.get("name"):
        call["name"] = str(function["name"])
    arguments = function.get("arguments")
    if isinstance(arguments, dict):  # some servers send the object whole
        arguments = json.dumps(arguments, ensure_ascii=False)
    if arguments:
        call["arguments"] += str(arguments)


def tool_calls(calls: PartialCalls) -> list[ToolCall]:
    """The calls once the stream has ended, in index order; a call that never got a name is dropped."""
    return [
        ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"] or "{}")
        for i, c in sorted(calls.items())
        if c["name"]
    ]
