"""OpenAI-compatible Chat Completions (as Perplexity's API is): `POST /v1/chat/completions`, `GET /v1/models`.

An existing OpenAI or Perplexity client works unchanged: the answer is `choices[0].message.content`
(Markdown with `[n]` markers), and the top-level extras Perplexity clients read are there too:
`citations` (URLs, `citations[n-1]` is source n) and `search_results` (`title`, `url`, `date`,
`snippet`). `message.annotations` carries OpenAI's `url_citation` annotation for each marker.

Conversations. The last message must be the user's question; earlier user/assistant messages are
the conversation so far (system messages are ignored: the service's prompts are fixed, which keeps
vLLM's prefix cache warm). A client that resends the whole history, as OpenAI clients do, gets its
follow-up resolved without sending any id: after each answer the service files the conversation
under a hash of the transcript the client will send next time (`oai-<sha256>`), so the next request
finds the exact earlier turns, search calls included. The hash covers the caller too (its API key
when keys are configured, and OpenAI's `user` field), so two callers never share an entry. A
transcript the service has never seen (an edited history, another server's answers, an expired
entry) is taken from the messages as given. An explicit `conversation_id` (extra body field) works
like `POST /v1/answer`'s instead. Either way the response names the conversation in a top-level
`conversation_id`.

`model` may be anything (clients send their own defaults, e.g. "gpt-4o" or "sonar"); the response
echoes it. `/v1/models` lists the one model, `megrez-websearch`. Extra body fields understood:
`search` ("auto" | "always" | "never"), Perplexity's `search_domain_filter` (list of domains) and
`search_recency_filter` ("day" | "week" | "month" | "year"), `return_related_questions`, and
`stream_options.include_usage`. Sampling parameters (temperature, max_tokens, …) are accepted and
ignored. Token counts in `usage` are estimates (no tokenizer is loaded).

Errors are OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`: 400 for a bad request,
401 for a missing or wrong API key (when `WEBSEARCH_API_KEYS` is set), 404 for an unknown model id in
`GET /v1/models/{id}`, 503/504 when a backend is down or slow — in a stream too, while no content
has been sent yet; after that, an error arrives as a `data: {"error": …}` chunk (as OpenAI does).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import uuid
from typing import Any, AsyncIterator, Literal

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.events import Delta, Sources, client_gone
from agent.state import AgentInput, AgentOutput, SearchMode, Turn
from api import errors
from api.schemas import CONVERSATION_ID
from search.models import Recency, Source
from search.tokens import count_tokens

MODEL_ID = "megrez-websearch"
MODEL_CREATED = 1_735_689_600  # 2025-01-01, a fixed date: the listed model never changes

_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 404: "invalid_request_error"}
_ERROR_CODES = {401: "invalid_api_key", 404: "model_not_found"}
_MARKER_RE = re.compile(r"\[(\d{1,3})\]")


# --- errors in OpenAI's shape ---------------------------------------------------------------------


def openai_error(status: int, message: str, code: str | None = None, param: str | None = None) -> JSONResponse:
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


def _error_payload(exc: Exception) -> tuple[int, dict]:
    status, code, message = errors.describe(exc)
    code = _ERROR_CODES.get(status, code)
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return status, {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _validation_error(exc: RequestValidationError) -> JSONResponse:
    parts, param = [], None
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        param = param or where
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return openai_error(400, "; ".join(parts) or "invalid request", "invalid_request", param)


class OpenAIRoute(APIRoute):
    """Every failure on these routes (the API-key dependency's too) answers in OpenAI's error shape."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def route_handler(request: Request):
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return _validation_error(exc)
            except Exception as exc:  # noqa: BLE001 — mapped to a status, never a traceback
                status, body = _error_payload(exc)
                return JSONResponse(body, status_code=status)

        return route_handler


router = APIRouter(prefix="/v1", tags=["openai-compatible"], route_class=OpenAIRoute)


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


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, top_p, … are accepted and ignored

    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = 1
    conversation_id: str | None = Field(default=None, pattern=CONVERSATION_ID)
    search: SearchMode = "auto"
    search_domain_filter: list[str] = Field(default_factory=list, max_length=20)
    search_recency_filter: Recency | None = None
    return_related_questions: bool = False
    user: str | None = Field(default=None, max_length=256)  # OpenAI's end-user id: conversations are kept apart by it

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
        if len(text) > 4000:
            raise ValueError("the question is longer than 4000 characters")
        return value

    @field_validator("search_domain_filter")
    @classmethod
    def _hostnames(cls, value: list[str]) -> list[str]:
        cleaned = []
        for domain in value:
            domain = domain.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
            if domain.startswith("-"):  # Perplexity's deny-list syntax: not supported, dropped
                continue
            if not domain or " " in domain or "/" in domain:
                raise ValueError(f"{domain!r} is not a domain name (e.g. 'example.com')")
            cleaned.append(domain)
        return cleaned

    @property
    def question(self) -> str:
        return self.messages[-1].text

    @property
    def transcript(self) -> list[tuple[str, str]]:
        """The earlier user/assistant messages, as (role, text)."""
        return [(m.role, m.text) for m in self.messages[:-1] if m.role in ("user", "assistant")]


# --- conversations ------------------------------------------------------------------------------


def conversation_key(transcript: list[tuple[str, str]], namespace: str = "") -> str:
    """The id a conversation is filed under: a hash of its user/assistant messages, as the client
    sends them, within `namespace` (the caller's API key and `user`, when there are any)."""
    canonical = json.dumps(
        [namespace, *([role, text.strip()] for role, text in transcript)], ensure_ascii=False, separators=(",", ":")
    )
    return "oai-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def caller_namespace(request: Request, body: ChatCompletionRequest) -> str:
    """Two callers with the same transcript never share a stored conversation: key and `user` apart."""
    parts = []
    if request.app.state.settings.api_keys:  # an open server has no key to tell callers apart
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else request.headers.get("x-api-key", "")
        parts.append(hashlib.sha256(token.encode("utf-8")).hexdigest()[:16])
    if body.user:
        parts.append(body.user)
    return "\x1f".join(parts)


def turns_from_messages(transcript: list[tuple[str, str]]) -> list[Turn]:
    """Earlier turns as the client gave them: each user message with the assistant reply after it."""
    turns: list[Turn] = []
    for role, text in transcript:
        if role == "user":
            if turns and not turns[-1].answer:  # two questions in a row: keep them together
                turns[-1].question += "\n" + text
            else:
                turns.append(Turn(question=text, answer="", model_answer=""))
        elif turns and not turns[-1].answer and text:
            # markers would point at sources the model cannot see again: drop them
            turns[-1].answer = text
            turns[-1].model_answer = _MARKER_RE.sub("", text).replace("  ", " ").strip()
    return [t for t in turns if t.question]


class Conversation:
    """Where one request's turn is read from and filed to (see the module docstring)."""

    def __init__(self, app: FastAPI, body: ChatCompletionRequest, namespace: str = ""):
        self.store = app.state.deps.store
        self.namespace = namespace
        self.keep = max(app.state.settings.history_turns, 1)
        self.body = body
        self.explicit = body.conversation_id
        self.run_id = self.explicit or f"oai-run-{uuid.uuid4().hex}"
        self.history: list[Turn] = []

    async def prepare(self) -> str:
        """Put the earlier turns where the graph will load them; returns the id to run under."""
        transcript = self.body.transcript
        if self.explicit:
            if not await self.store.get(self.explicit) and transcript:
                for turn in turns_from_messages(transcript)[-self.keep :]:
                    await self.store.append(self.explicit, turn)
            return self.explicit
        if transcript:
            self.history = await self.store.get(conversation_key(transcript, self.namespace)) or turns_from_messages(
                transcript
            )
        for turn in self.history[-self.keep :]:
            await self.store.append(self.run_id, turn)
        return self.run_id

    async def file(self, answer: str) -> str:
        """File the finished conversation under the key the client's next request will hash to."""
        if self.explicit:
            return self.explicit
        turns = await self.store.get(self.run_id)
        key = conversation_key(
            [*self.body.transcript, ("user", self.body.question), ("assistant", answer)], self.namespace
        )
        await self.store.delete(key)  # the same exchange again (a retry): replace, never duplicate
        for turn in turns[-self.keep :]:
            await self.store.append(key, turn)
        await self.store.delete(self.run_id)
        return key

    async def discard(self) -> None:
        if not self.explicit:
            with anyio.CancelScope(shield=True):
                try:
                    await self.store.delete(self.run_id)
                except Exception:  # noqa: BLE001 — the entry expires with its TTL anyway
                    pass


def agent_input(body: ChatCompletionRequest, conversation_id: str) -> AgentInput:
    return AgentInput(
        question=body.question,
        conversation_id=conversation_id,
        search=body.search,
        domains=body.search_domain_filter,
        recency=body.search_recency_filter,
    )


# --- the agent's events, consumed from any task -------------------------------------------------


class AgentRun:
    """The graph's event stream, produced by a task of its own and read through a queue.

    The producer owns the `client_gone` event (set in its own context), so the consumer may be the
    request handler first and the streaming response's task later. `aclose()` stops the run: the
    node in flight is cancelled, and with it the model request.
    """

    def __init__(self, app: FastAPI, agent_in: AgentInput):
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._gone = asyncio.Event()
        self._started = time.perf_counter()
        self._task = asyncio.create_task(self._produce(app, agent_in))

    async def _produce(self, app: FastAPI, agent_in: AgentInput) -> None:
        client_gone.set(self._gone)
        run = app.state.graph.astream(agent_in, context=app.state.deps, stream_mode=["custom", "values"])
        final = None
        try:
            async for mode, chunk in run:
                if mode == "values":
                    final = chunk
                else:
                    self._queue.put_nowait(("event", chunk))
            output = AgentOutput.model_validate(final)
            output.timings["total"] = round((time.perf_counter() - self._started) * 1000, 1)
            self._queue.put_nowait(("done", output))
        except Exception as exc:  # noqa: BLE001 — handed to the consumer
            self._queue.put_nowait(("error", exc))
        finally:
            with anyio.CancelScope(shield=True):
                await run.aclose()

    async def next(self) -> tuple[str, Any]:
        """("event", Event) …, then ("done", AgentOutput); a failure is raised."""
        kind, item = await self._queue.get()
        if kind == "error":
            raise item
        return kind, item

    async def aclose(self) -> None:
        self._gone.set()
        if not self._task.done():
            self._task.cancel()
        with anyio.CancelScope(shield=True):
            await asyncio.gather(self._task, return_exceptions=True)


# --- responses ----------------------------------------------------------------------------------


def citations(sources: list[Source]) -> list[str]:
    """Source URLs by index: `citations[n-1]` is the URL of source n."""
    by_index = {s.index: s.url for s in sources}
    return [by_index.get(i, "") for i in range(1, max(by_index, default=0) + 1)]


def search_results(sources: list[Source]) -> list[dict]:
    return [
        {"title": s.title, "url": s.url, "date": s.date, "snippet": s.snippet}
        for s in sorted(sources, key=lambda s: s.index)
    ]


def annotations(content: str, sources: list[Source]) -> list[dict]:
    by_index = {s.index: s for s in sources}
    found = []
    for match in _MARKER_RE.finditer(content):
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
    prompt = count_tokens(body.question) + sum(count_tokens(text) for _, text in body.transcript)
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


def _sse(data: dict | str) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {text}\n\n".encode("utf-8")


class _Chunks:
    """`chat.completion.chunk`s of one stream: one id, Perplexity's extras on each once known."""

    def __init__(self, body: ChatCompletionRequest):
        self.body = body
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.sources: list[Source] = []

    def chunk(self, delta: dict, finish_reason: str | None = None, **extra: Any) -> bytes:
        return _sse(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.body.model,
                "system_fingerprint": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
                "citations": citations(self.sources),
                "search_results": search_results(self.sources),
                **extra,
            }
        )

    def usage_chunk(self, answer: str) -> bytes:
        return _sse(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.body.model,
                "system_fingerprint": None,
                "choices": [],
                "usage": usage(self.body, answer),
            }
        )


async def _stream(
    run: AgentRun, conversation: Conversation, chunks: _Chunks, pending: list[tuple[str, Any]]
) -> AsyncIterator[bytes]:
    body = chunks.body
    filed = False
    for _, item in pending:  # sources already known ride on the very first chunk
        if isinstance(item, Sources):
            chunks.sources = item.sources
    try:
        yield chunks.chunk({"role": "assistant", "content": ""})
        while True:
            kind, item = pending.pop(0) if pending else await run.next()
            if kind == "done":
                output: AgentOutput = item
                chunks.sources = output.sources or chunks.sources
                conversation_id = await conversation.file(output.answer)
                filed = True
                extra = {"conversation_id": conversation_id}
                if body.return_related_questions:
                    extra["related_questions"] = output.related
                yield chunks.chunk({}, "stop", **extra)
                if body.stream_options and body.stream_options.include_usage:
                    yield chunks.usage_chunk(output.answer)
                yield _sse("[DONE]")
                return
            if isinstance(item, Sources):
                chunks.sources = item.sources
            elif isinstance(item, Delta) and item.text:
                yield chunks.chunk({"content": item.text})
    except Exception as exc:  # noqa: BLE001 — after the status line, a failure is an error chunk
        _, payload = _error_payload(exc)
        yield _sse(payload)
    finally:  # also reached when the client goes away: the run stops, its scratch entry goes
        await run.aclose()
        if not filed:
            await conversation.discard()


@router.post("/chat/completions")
async def chat_completions(body: ChatCompletionRequest, request: Request):
    app = request.app
    conversation = Conversation(app, body, caller_namespace(request, body))
    run_id = await conversation.prepare()
    agent_in = agent_input(body, run_id)

    if not body.stream:
        from api.answer import run_agent

        try:
            output = await run_agent(app, agent_in)
        except BaseException:
            await conversation.discard()
            raise
        return completion_body(body, output, await conversation.file(output.answer))

    # Hold the status line until the first words (or a failure) are known: a backend that is down
    # is then a 503 a client can act on, not a broken stream. Nothing is lost meanwhile: the
    # stream carries no status events, and sources ride on the chunks that follow.
    run = AgentRun(app, agent_in)
    chunks = _Chunks(body)
    pending: list[tuple[str, Any]] = []
    try:
        while True:
            kind, item = await run.next()
            pending.append((kind, item))
            if kind == "done" or isinstance(item, Delta):
                break
    except BaseException:
        await run.aclose()
        await conversation.discard()
        raise
    return StreamingResponse(
        _stream(run, conversation, chunks, pending),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _model() -> dict:
    return {"id": MODEL_ID, "object": "model", "created": MODEL_CREATED, "owned_by": "megrez-websearch"}


@router.get("/models")
async def list_models():
    return {"object": "list", "data": [_model()]}


@router.get("/models/{model_id}")
async def get_model(model_id: str):
    if model_id != MODEL_ID:
        raise errors.APIError(404, "model_not_found", f"The model '{model_id}' does not exist")
    return _model()


__all__ = ["router", "MODEL_ID", "conversation_key", "turns_from_messages", "citations", "search_results"]
