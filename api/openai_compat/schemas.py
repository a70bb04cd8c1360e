"""The OpenAI / Perplexity wire format of `/v1/chat/completions`: what a request may hold, what a
response body looks like, and errors in OpenAI's shape (`{"error": {"message", "type", "param", "code"}}`).

See `api/openai_compat/routes.py` for the endpoints themselves.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from agent.citations import shown_markers
from agent.state import AgentOutput, Depth, SearchMode
from api import errors
from api.openai_compat.errors import error_body
from api.conversations import CONVERSATION_ID
from api.contract import domain_names
from search.models import Recency, Source
from core.tokens import count_tokens

MODEL_ID = "megrez-websearch"
MODEL_CREATED = 1_735_689_600  # 2025-01-01, a fixed date: the listed model never changes

# OpenAI's code for a 401; a 404 keeps its own (`model_not_found` for a model, `conversation_not_found`, `previous_response_not_found`…).
_ERROR_CODES = {401: "invalid_api_key"}


# --- errors in OpenAI's shape ---------------------------------------------------------------------


def openai_error(status: int, message: str, code: str | None = None, param: str | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, code, param), status_code=status)


def error_payload(exc: Exception) -> tuple[int, dict]:
    status, code, message = errors.describe(exc)
    return status, error_body(status, message, _ERROR_CODES.get(status, code))


def _validation_error(exc: RequestValidationError) -> JSONResponse:
    parts, param = [], None
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        param = param or where
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return openai_error(400, "; ".join(parts) or "invalid request", "invalid_request", param)


class OpenAIRoute(APIRoute):
    """Every failure on these routes (the API-key dependency's too) answers in OpenAI's error shape.
    Another API's shape is a subclass with its own `invalid` and `failed` (api/perplexity/schemas.py)."""

    def invalid(self, exc: RequestValidationError) -> JSONResponse:
        return _validation_error(exc)

    def failed(self, exc: Exception) -> JSONResponse:
        status, body = error_payload(exc)
        return JSONResponse(body, status_code=status)

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def route_handler(request: Request):
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return self.invalid(exc)
            except Exception as exc:  # noqa: BLE001 — mapped to a status, never a traceback
                return self.failed(exc)

        return route_handler


# --- request ------------------------------------------------------------------------------------


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content.strip()
        # content parts: the text ones are read, images and audio are not
        return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text").strip()


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class DomainFilter(BaseModel):
    """Perplexity's `search_domain_filter` (chat completions here, its Search API in api/perplexity)."""

    search_domain_filter: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("search_domain_filter")
    @classmethod
    def _hostnames(cls, value: list[str]) -> list[str]:
        # Perplexity's syntax: "example.com" searches only there, "-example.com" never there.
        allowed = domain_names([d for d in value if not d.strip().startswith("-")])
        denied = domain_names([d.strip()[1:] for d in value if d.strip().startswith("-")])
        return allowed + ["-" + d for d in denied]

    @property
    def allowed_domains(self) -> list[str]:
        return [d for d in self.search_domain_filter if not d.startswith("-")]

    @property
    def excluded_domains(self) -> list[str]:
        return [d[1:] for d in self.search_domain_filter if d.startswith("-")]


class ChatCompletionRequest(DomainFilter):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, top_p, … are accepted and ignored

    model: str = MODEL_ID
    # How many, how long each and together, and the question's size: `api/limits.py`, from Settings.
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = 1
    conversation_id: str | None = Field(default=None, pattern=CONVERSATION_ID)
    search: SearchMode = "auto"
    depth: Depth | None = None  # quick: one search round; auto: as the model decides; deep: more rounds and pages; unset: the default
    search_recency_filter: Recency | None = None
    return_related_questions: bool = False
    user: str | None = Field(default=None, max_length=256)  # OpenAI's end-user id: conversations are kept apart by it
    # Counted off the event loop by the handler (the history may be long): `usage` reads it.
    _prompt_tokens: int | None = PrivateAttr(default=None)

    @field_validator("n")
    @classmethod
    def _one_choice(cls, value: int) -> int:
        if value != 1:
            raise ValueError("only n=1 is supported")
        return value

    @field_validator("messages")
    @classmethod
    def _ends_with_a_question(cls, value: list[ChatMessage]) -> list[ChatMessage]:
        if value[-1].role != "user":
            raise ValueError("the last message must be the user's question (role 'user')")
        text = value[-1].text
        if not text:
            raise ValueError("the last user message has no text")
        return value

    @property
    def question(self) -> str:
        return self.messages[-1].text

    def prompt_tokens(self) -> int:
        return count_tokens(self.question) + sum(count_tokens(text) for _, text in self.transcript)

    @property
    def transcript(self) -> list[tuple[str, str]]:
        """The earlier user/assistant messages, as (role, text)."""
        return [(m.role, m.text) for m in self.messages[:-1] if m.role in ("user", "assistant")]


# --- responses ----------------------------------------------------------------------------------


def citations(sources: list[Source]) -> list[str]:
    """Source URLs by index: `citations[n-1]` is the URL of source n."""
    by_index = {s.index: s.url for s in sources}
    return [by_index.get(i, "") for i in range(1, max(by_index, default=0) + 1)]


def search_results(sources: list[Source]) -> list[dict]:
    return [
        # One date per source (the page's own, else the provider's): Perplexity's `last_updated` too.
        {"title": s.title, "url": s.url, "date": s.date, "last_updated": s.date, "snippet": s.snippet}
        for s in sorted(sources, key=lambda s: s.index)
    ]


def annotations(content: str, sources: list[Source]) -> list[dict]:
    by_index = {s.index: s for s in sources}
    found = []
    for match in shown_markers(content):
        source = by_index.get(int(match.group(1)))
        if source is not None:
            found.append(
                {
                    "type": "url_citation",
                    "url_citation": {
                        "start_index": match.start(),
                        "end_index": match.end(),
                        "url": source.url,
                        "title": source.title,
                    },
                }
            )
    return found


def usage(body: ChatCompletionRequest, answer: str) -> dict:
    prompt = body._prompt_tokens if body._prompt_tokens is not None else body.prompt_tokens()
    completion = count_tokens(answer)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion_body(body: ChatCompletionRequest, output: AgentOutput, conversation_id: str) -> dict:
    response = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": output.answer,
                    "refusal": None,
                    "annotations": annotations(output.answer, output.sources),
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": usage(body, output.answer),
        "citations": citations(output.sources),
        "search_results": search_results(output.sources),
        "conversation_id": conversation_id,
    }
    if body.return_related_questions:
        response["related_questions"] = output.related
    return response
