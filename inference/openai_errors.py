"""How the vLLM (OpenAI-compatible) backend maps what goes wrong into the LLMError tree: transport
failures, HTTP status errors and errors sent inline in a stream, by what a caller can do about them."""

from __future__ import annotations

import json
from typing import Any

import httpx

from inference.base import LLMError, LLMTimeout, LLMUnavailable, ModelNotFound, PromptTooLong

# vLLM's wording when the prompt (plus max_tokens) does not fit; it answers 400 with one of these.
# Older: "This model's maximum context length is M tokens. However, you requested N tokens (...)";
# 0.10+: "'max_tokens' or 'max_completion_tokens' is too large: N. This model's maximum context
# length is M tokens and your request has K input tokens (N > M - K)." (V1 engine: "The decoder
# prompt (length K) is longer than the maximum model length of M.")
_TOO_LONG = (
    "maximum context length",
    "'max_completion_tokens' is too large",
    "longer than the maximum model length",
    "is too long and exceeds",
)


class Refused(LLMError):
    """A plain 400 from the server (not a length or model problem): for chat, possibly a chat template
    that will not render a role. Callers outside the backend see an ordinary LLMError."""


def transport_error(backend: str, exc: httpx.HTTPError, *, timeout_s: float, connect_timeout_s: float) -> LLMError:
    # A connect timeout means nothing is answering at that address: unavailable, not slow.
    if isinstance(exc, httpx.ConnectTimeout):
        return LLMUnavailable(backend, f"no connection within {connect_timeout_s:g}s; is the server running?")
    if isinstance(exc, httpx.TimeoutException):
        return LLMTimeout(backend, f"no answer within {timeout_s:g}s")
    if isinstance(exc, httpx.ConnectError):
        return LLMUnavailable(backend, f"cannot connect ({exc or type(exc).__name__}); is the server running?")
    if isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError)):
        return LLMUnavailable(backend, f"connection lost ({exc or type(exc).__name__})")
    return LLMError(backend, f"request failed: {exc or type(exc).__name__}")


def status_error(backend: str, status: int, text: str) -> LLMError:
    """The error for an HTTP error answer (`text`: its body). A ModelNotFound here does not yet name
    what the server serves; the backend asks it and fills that in."""
    try:
        message = error_message(json.loads(text))
    except ValueError:
        message = None
    error = classify(backend, status, message or text[:300] or "(empty body)")
    if status == 400 and type(error) is LLMError:
        error = Refused(error.backend, error.message)
    return error


def classify(backend: str, status: int | None, message: str) -> LLMError:
    """The error class a caller can act on; `status` is None for an error sent mid-stream."""
    message = " ".join(message.split())[:500]  # one line, whatever the server sent
    message = message.removesuffix(" None")  # vLLM's chat endpoint appends the exception's empty cause
    lower = message.lower()
    if any(marker in lower for marker in _TOO_LONG):
        return PromptTooLong(backend, message)
    if status == 404 or ("model" in lower and "does not exist" in lower):
        return ModelNotFound(backend, message)
    if status in (401, 403):
        return LLMError(backend, f"HTTP {status}: {message} (check WEBSEARCH_LLM_API_KEY)")
    return LLMError(backend, f"HTTP {status}: {message}" if status else f"failed mid-stream: {message}")


def not_served(model: str, served: list[str]) -> str:
    listed = ", ".join(served) or "nothing"
    return f"model {model!r} is not served (it serves: {listed}); set WEBSEARCH_LLM_MODEL"


def error_message(data: Any) -> str | None:
    """The message from vLLM's `{"error": {"message"}}`, older `{"object": "error", "message"}`, or FastAPI's `detail`."""
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(error, str) and error:
        return error
    for key in ("message", "detail"):
        if data.get(key):
            return str(data[key]) if not isinstance(data[key], str) else data[key]
    return None
