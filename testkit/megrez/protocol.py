"""vLLM's OpenAI-compatible protocol, the request side: what it refuses and in which words.

Error bodies, request validation (the pydantic messages vLLM answers with, shortened) and the
context-length checks in both wordings vLLM has used. The response side is `responses.py`.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

_ERROR_TYPES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    404: "NotFoundError",
    408: "RequestTimeoutError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
    500: "InternalServerError",
    501: "NotImplementedError",
    502: "BadGatewayError",
    503: "ServiceUnavailableError",
    504: "GatewayTimeoutError",
}


def vllm_error(status: int, message: str, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": _ERROR_TYPES.get(status, "APIError"), "param": param, "code": status}}


class ErrorResponse(Exception):
    """Answer the request with this status and (vLLM-shaped) body instead of generating."""

    def __init__(self, status: int, body: dict | str):
        self.status, self.body = status, body


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def validate(path: str, body: bytes, parsed: Any, *, model: str, template_roles: set[str] | None) -> dict:
    """The request as vLLM would accept it, else ErrorResponse with vLLM's status and message.

    template_roles: None when the chat template renders any role; else the roles it accepts (any
    other gets the 400 vLLM answers when a template raises)."""
    if not body:
        raise ErrorResponse(400, vllm_error(400, "Field required: the request body is missing"))
    if parsed is None and body.strip() != b"null":
        raise ErrorResponse(400, vllm_error(400, "JSON decode error: the request body is not valid JSON"))
    if not isinstance(parsed, dict):
        raise ErrorResponse(
            400, vllm_error(400, "Input should be a valid dictionary or object to extract fields from")
        )

    def bad(message: str) -> ErrorResponse:
        return ErrorResponse(400, vllm_error(400, message))

    if path == "/v1/chat/completions":
        messages = parsed.get("messages")
        if not isinstance(messages, list) or not messages:
            raise bad("messages: Field required (a non-empty list of messages)")
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or not isinstance(m.get("role"), str):
                raise bad(f"messages.{i}.role: Field required")
            content = m.get("content")
            if content is not None and not isinstance(content, (str, list)):
                raise bad(f"messages.{i}.content: Input should be a valid string or list of content parts")
        for m in messages:
            if template_roles is not None and m["role"] not in template_roles:
                # vLLM answers a template's raise_exception with f"{e} {e.__cause__}"
                allowed = ", ".join(sorted(template_roles))
                raise bad(f"Conversation roles must be one of: {allowed} (got {m['role']!r}) None")
    else:
        prompt = parsed.get("prompt")
        ok = isinstance(prompt, str) or (
            isinstance(prompt, list)
            and prompt
            and (
                all(isinstance(p, str) for p in prompt)
                or all(isinstance(p, int) for p in prompt)
                or all(isinstance(p, list) and all(isinstance(t, int) for t in p) for p in prompt)
            )
        )
        if not ok:
            raise bad("prompt: Input should be a string, a list of strings or a list of token ids")
    for key in ("max_tokens", "max_completion_tokens", "n"):
        value = parsed.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise bad(f"{key}: Input should be an integer greater than or equal to 1")
    for key in ("temperature", "top_p", "repetition_penalty", "presence_penalty", "frequency_penalty"):
        value = parsed.get(key)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise bad(f"{key}: Input should be a valid number")
    if parsed.get("user") is not None and not isinstance(parsed.get("user"), str):
        raise bad("user: Input should be a valid string")
    if parsed.get("stream") is not None and not isinstance(parsed.get("stream"), bool):
        raise bad("stream: Input should be a valid boolean")
    if parsed.get("stream_options") is not None and not parsed.get("stream"):
        raise bad("Stream options can only be defined when `stream=True`.")
    stop = parsed.get("stop")
    if stop is not None and not (
        isinstance(stop, str) or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
    ):
        raise bad("stop: Input should be a valid string or list of strings")
    check_response_format(parsed)
    asked = parsed.get("model")
    if asked is not None and asked != model:
        raise ErrorResponse(404, vllm_error(404, f"The model `{asked}` does not exist.", "model"))
    return parsed


FORMATS = ("text", "json_object", "json_schema")


def check_response_format(req: dict) -> None:
    """Refuse a `response_format` the way vLLM does (400): a malformed one, a schema that is not one."""
    fmt = req.get("response_format")
    if fmt is None:
        return
    if not isinstance(fmt, dict) or fmt.get("type") not in FORMATS:
        raise ErrorResponse(400, vllm_error(400, "response_format.type: Input should be 'text', 'json_object' or 'json_schema'"))
    if fmt["type"] != "json_schema":
        return
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise ErrorResponse(400, vllm_error(400, "response_format.json_schema.name: Field required"))
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        raise ErrorResponse(400, vllm_error(400, "response_format.json_schema.schema: Input should be a valid dictionary"))
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ErrorResponse(400, vllm_error(400, f"Invalid JSON schema: {exc.message}")) from exc


def check_context(n: int, max_tokens: int | None, limit: int, *, wording: str, chat: bool) -> None:
    """Refuse a prompt of `n` tokens (+ max_tokens) over `limit` the way vLLM does.

    wording "current" (vLLM 0.10+, OpenAIServing._validate_input): the chat endpoint appends the
    exception's cause (" None"), the completions endpoint does not. "legacy": older vLLM's wording.
    """
    if wording == "current":
        tail = " None" if chat else ""
        if n >= limit:
            message = (
                f"This model's maximum context length is {limit} tokens. However, your request has {n} input "
                f"tokens. Please reduce the length of the input messages.{tail}"
            )
            raise ErrorResponse(400, vllm_error(400, message))
        if max_tokens is not None and n + max_tokens > limit:
            message = (
                f"'max_tokens' or 'max_completion_tokens' is too large: {max_tokens}. This model's maximum "
                f"context length is {limit} tokens and your request has {n} input tokens "
                f"({max_tokens} > {limit} - {n}).{tail}"
            )
            raise ErrorResponse(400, vllm_error(400, message))
        return
    limit_msg = f"This model's maximum context length is {limit} tokens. However, you requested "
    reduce_msg = "Please reduce the length of the messages"
    if max_tokens is None and n >= limit:
        raise ErrorResponse(400, vllm_error(400, f"{limit_msg}{n} tokens in the messages, {reduce_msg}."))
    if max_tokens is not None and n + max_tokens > limit:
        message = f"{n + max_tokens} tokens ({n} in the messages, {max_tokens} in the completion). "
        raise ErrorResponse(400, vllm_error(400, f"{limit_msg}{message}{reduce_msg} or completion."))
