"""OpenAI-compatible Chat Completions (as Perplexity's API is): `POST /v1/chat/completions`, `GET /v1/models`.

An existing OpenAI or Perplexity client works unchanged: the answer is `choices[0].message.content`
(Markdown with `[n]` markers), and the top-level extras Perplexity clients read are there too:
`citations` (URLs, `citations[n-1]` is source n) and `search_results` (`title`, `url`, `date`,
`snippet`). `message.annotations` carries OpenAI's `url_citation` annotation for each marker.

Conversations: the last message is the question, earlier user/assistant messages the conversation
so far (system messages are ignored). A client that resends the whole history, as OpenAI clients
do, has its follow-up resolved without sending any id (see `api/openai_compat/conversation.py`); an
explicit `conversation_id` (extra body field) works like `POST /v1/answer`'s instead. Either way the
response names the conversation in a top-level `conversation_id`.

`model` may be anything (clients send their own defaults, e.g. "gpt-4o" or "sonar"); the response
echoes it. `/v1/models` lists the one model, `megrez-websearch`. Extra body fields understood:
`search` ("auto" | "always" | "never"), `depth` ("quick" | "auto" | "deep": how many search rounds
the model may take), Perplexity's `search_domain_filter` (list of domains; `-example.com` excludes one) and
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
import time
import uuid
from typing import Any, AsyncIterator

from fastapi import APIRouter, Request

from agent.engine import BackgroundRun
from agent.events import Delta, Sources
from agent.state import AgentOutput
from api import errors, limits, sse
from api.disconnect import unless_client_leaves
from api.conversations import continued, request_scope
from api.openai_compat.conversation import Conversation, caller_namespace, conversation_key, turns_from_messages
from api.perplexity.schemas import SONAR_MODELS
from api.perplexity.sonar import SonarRequest, sonar_agent_input, usage_extras
from api.openai_compat.schemas import (
    MODEL_CREATED,
    MODEL_ID,
    ChatCompletionRequest,
    OpenAIRoute,
    citations,
    completion_body,
    search_results,
    usage,
)
from search.models import Source

router = APIRouter(prefix="/v1", tags=["openai-compatible"], route_class=OpenAIRoute)


# --- streaming ----------------------------------------------------------------------------------


class _Chunks:
    """`chat.completion.chunk`s of one stream: one id, Perplexity's extras on each once known."""

    def __init__(self, body: ChatCompletionRequest):
        self.body = body
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.sources: list[Source] = []

    def chunk(
        self, delta: dict, finish_reason: str | None = None, *, event: Delta | None = None, **extra: Any
    ) -> sse.Outgoing:
        return sse.Outgoing(
            event=event,
            data={
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.body.model,
                "system_fingerprint": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
                "citations": citations(self.sources),
                "search_results": search_results(self.sources),
                **extra,
            },
        )

    def add_sources(self, sources: list[Source]) -> None:
        """A search round's new sources join the earlier rounds' (`search_results` covers them all)."""
        by_index = {source.index: source for source in [*self.sources, *sources]}
        self.sources = [by_index[index] for index in sorted(by_index)]

    def usage_chunk(self, output: AgentOutput) -> sse.Outgoing:
        return sse.Outgoing(
            data={
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.body.model,
                "system_fingerprint": None,
                "choices": [],
                "usage": {**usage(self.body, output.answer), **usage_extras(self.body, output)},
            },
        )


async def _stream(
    run: BackgroundRun, conversation: Conversation, chunks: _Chunks, pending: list[tuple[str, Any]]
) -> AsyncIterator[sse.Outgoing]:
    body = chunks.body
    filed = False
    for _, item in pending:  # sources already known ride on the very first chunk
        if isinstance(item, Sources):
            chunks.add_sources(item.sources)
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
                    yield chunks.usage_chunk(output)
                yield sse.Outgoing.openai_done()
                return
            if isinstance(item, Sources):
                chunks.add_sources(item.sources)
            elif isinstance(item, Delta) and item.text:
                yield chunks.chunk({"content": item.text}, event=item)
    except Exception as exc:  # noqa: BLE001 — after the status line, a failure is an error chunk
        yield sse.error_item(sse.Format.OPENAI, sse.error_event(exc))
    finally:  # also reached when the client goes away: the run stops, its scratch entry goes
        await run.aclose()
        if not filed:
            await conversation.discard()


@router.post("/chat/completions")
async def chat_completions(body: SonarRequest, request: Request):
    """Chat completions with Perplexity's fields (api/perplexity/sonar.py); also Perplexity's root
    `/chat/completions` (api/perplexity/routes.py)."""
    app = request.app
    settings = app.state.settings
    if len(body.messages) > settings.max_messages:  # the question counts: 101 messages are over 100
        raise errors.APIError(413, "too_many_messages", f"messages: more than {settings.max_messages} messages")
    limits.check_history((m.text for m in body.messages[:-1]), settings)  # the same caps as every surface
    limits.check_question(body.question, settings, "messages[-1]")
    body._prompt_tokens = await asyncio.to_thread(body.prompt_tokens)
    explicit = await continued(app.state.engine, request_scope(request), body.conversation_id) if body.conversation_id else None
    conversation = Conversation(app, body, caller_namespace(request, body), explicit)
    run_id = await conversation.prepare()
    agent_in = sonar_agent_input(body, run_id, settings)

    if not body.stream:
        try:
            output = await unless_client_leaves(request, app.state.engine.answer(agent_in))
        except BaseException:
            await conversation.discard()
            raise
        response = completion_body(body, output, await conversation.file(output.answer))
        response["usage"].update(usage_extras(body, output))
        return response

    # Hold the status line until the first words (or a failure) are known: a backend that is down
    # is then a 503 a client can act on, not a broken stream. Nothing is lost meanwhile: the
    # stream carries no status events, and sources ride on the chunks that follow.
    run = app.state.engine.start(agent_in)
    chunks = _Chunks(body)
    try:
        pending = await run.until_first_words()
    except BaseException:
        await conversation.discard()
        raise
    return sse.EventStream(_stream(run, conversation, chunks, pending), sse.Format.OPENAI)


def _model(model_id: str = MODEL_ID) -> dict:
    return {"id": model_id, "object": "model", "created": MODEL_CREATED, "owned_by": "megrez-websearch"}


@router.get("/models")
async def list_models():
    # Perplexity's Sonar names too: each a depth and an evidence size on the same model (api/perplexity).
    return {"object": "list", "data": [_model(), *(_model(name) for name in SONAR_MODELS)]}


@router.get("/models/{model_id}")
async def get_model(model_id: str):
    if model_id != MODEL_ID and model_id not in SONAR_MODELS:
        raise errors.APIError(404, "model_not_found", f"The model '{model_id}' does not exist")
    return _model(model_id)


__all__ = ["router", "MODEL_ID", "conversation_key", "turns_from_messages", "citations", "search_results"]
