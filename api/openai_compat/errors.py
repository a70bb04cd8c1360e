"""An error in OpenAI's shape, built here alone: `{"error": {"message", "type", "param", "code"}}`.

The OpenAI routes' JSON errors (api/openai_compat/schemas.py), a stream's `error` chunk (api/sse.py)
and the refusals made before any route runs (api/limits.py, api/hosts.py: a body every surface reads,
it carries the REST shape's `code` and `message` too) all take their body from `error_body`.
"""

from __future__ import annotations


def error_type(status: int) -> str:
    return "server_error" if status >= 500 else "invalid_request_error"


def error_body(status: int, message: str, code: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": error_type(status), "param": param, "code": code}}
