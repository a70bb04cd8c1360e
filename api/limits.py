"""Bounds on what a request may hold, the same on every surface (REST `/v1/answer`, the OpenAI-compatible
`/v1/chat/completions`, Slack, MCP's `ask`, the web chat), all from `Settings`:

- the body: `BodyLimit`, an ASGI middleware, refuses a declared `Content-Length` over
  `max_body_bytes` before the app reads a byte, and counts the bytes of a body sent without one
  (chunked), stopping at the cap: nothing past it is buffered or parsed;
- the question: at most `max_question_chars` characters and `max_question_tokens` tokens;
- a request's earlier messages: at most `max_messages`, each at most `max_message_chars`, all
  together at most `max_history_chars`.

Each check is cheap (lengths first; tokens are counted only on text already under a character cap),
so nothing costly runs on the event loop whatever the input. A size cap is a 413, the question's
token cap a 422 (as `/v1/answer` always answered), both as the JSON error at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.settings import Settings
from api.errors import APIError
from api.openai_compat.errors import error_body as openai_error_body
from core.tokens import count_tokens


class BodyTooLarge(HTTPException):
    """Raised while the body is read (FastAPI re-raises an HTTPException from body parsing as is)."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than {limit} bytes")


def error_body(status: int, code: str, message: str) -> bytes:
    # Both error shapes at once: the REST `{code, message}` and OpenAI's `{message, type, param, code}`.
    return json.dumps(openai_error_body(status, message, code)).encode()


class BodyLimit:
    """Refuse bodies over `max_bytes` (413) before they are read, or as soon as they pass it."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send, status: int, code: str, message: str) -> None:
        body = error_body(status, code, message)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        # The rest of an oversized body is never read: the connection cannot be reused.
        headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = [value for name, value in scope.get("headers", ()) if name == b"content-length"]
        if declared:
            try:
                length = int(declared[0])
            except ValueError:
                await self._refuse(send, 400, "bad_request", "Content-Length is not a number")
                return
            if length > self.max_bytes:
                await self._refuse(send, 413, "request_too_large", f"the request body is larger than {self.max_bytes} bytes")
                return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:  # read by code that does not turn it into a response itself
            if started:
                raise
            await self._refuse(send, 413, "request_too_large", str(exc.detail))


def check_question(text: str, settings: Settings, field: str = "question") -> None:
    if len(text) > settings.max_question_chars:
        raise APIError(
            422, "invalid_request", f"{field}: is too long ({len(text)} characters; at most {settings.max_question_chars})"
        )
    if (tokens := count_tokens(text)) > settings.max_question_tokens:
        # It stands twice in the answer prompt, beside history, evidence and the answer itself.
        raise APIError(
            422, "invalid_request", f"{field}: is too long ({tokens} tokens; at most {settings.max_question_tokens})"
        )


def check_history(texts: Iterable[str], settings: Settings) -> None:
    """A request's earlier messages (their text): how many, how long each, how long together."""
    count = total = 0
    for text in texts:
        count += 1
        if count > settings.max_messages:
            raise APIError(413, "too_many_messages", f"messages: more than {settings.max_messages} messages")
        if len(text) > settings.max_message_chars:
            raise APIError(
                413, "message_too_large", f"messages: a message is longer than {settings.max_message_chars} characters"
            )
        total += len(text)
        if total > settings.max_history_chars:
            raise APIError(
                413, "history_too_large", f"messages: the history is longer than {settings.max_history_chars} characters"
            )
