"""OpenAI's Responses API: `POST /v1/responses`, with the `web_search` tool, as the official `openai`
SDK (`client.responses.create`, `client.responses.stream`) and the OpenAI Agents SDK call it.

Conversations: each response is filed in the conversation store under its id, scoped to the
caller's API key like every conversation (`api/conversations.py`), with the turns that led
to it; `previous_response_id` continues from there (another key's id, or an expired one, is a 404).
Earlier messages in `input` join the history when there is no previous response. `store: false`
files nothing (a later `previous_response_id` to it is a 404). Errors are OpenAI's shape; a backend
that is down is a 503 before the stream begins (the status line waits for the first words).
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

import anyio
from fastapi import APIRouter, FastAPI, Request

from agent.budget import for_context_size
from agent.engine import BackgroundRun
from agent.events import Delta, Queries, Sources
from agent.state import AgentInput
from api import errors, limits, sse
from api.conversations import request_scope
from api.openai_compat.conversation import turns_from_messages
from api.openai_compat.schemas import OpenAIRoute
from api.responses.output import Event, ResponseBuilder, new_id
from api.responses.schemas import ResponsesRequest
from core.tokens import count_tokens

router = APIRouter(prefix="/v1", tags=["openai-responses"], route_class=OpenAIRoute)


class ResponseThread:
    """Where one response's turns live: `scope + response id`, seeded from the previous response."""

    def __init__(self, app: FastAPI, body: ResponsesRequest, scope: str):
        self.store = app.state.engine.deps.store
        self.keep = max(app.state.settings.history_turns, 1)
        self.body = body
        self.scope = scope
        self.id = new_id("resp")
        self.key = scope + self.id

    async def prepare(self) -> None:
        history = []
        if self.body.previous_response_id:
            history = await self.store.get(self.scope + self.body.previous_response_id)
            if not history:
                raise errors.APIError(
                    404,
                    "previous_response_not_found",
                    f"Previous response with id '{self.body.previous_response_id}' not found.",
                )
        history += turns_from_messages(self.body.transcript)
        for turn in history[-self.keep :]:
            await self.store.append(self.key, turn)

    async def settle(self, finished: bool) -> None:
        """Kept when finished and stored; otherwise the entry goes (it expires with its TTL anyway)."""
        if finished and self.body.store:
            return
        with anyio.CancelScope(shield=True):  # also while the request is being cancelled
            try:
                await self.store.delete(self.key)
            except Exception:  # noqa: BLE001 — the entry expires with its TTL anyway
                pass


def agent_input(body: ResponsesRequest, key: str, request: Request) -> AgentInput:
    settings = request.app.state.settings
    tool = body.web_search
    size = tool.search_context_size if tool else None
    return AgentInput(
        question=body.question,
        conversation_id=key,
        search=body.search_mode,
        domains=tool.filters.allowed_domains if tool and tool.filters else [],
        context_tokens=for_context_size(settings, size),
    )


def prompt_tokens(body: ResponsesRequest) -> int:
    return sum(count_tokens(text) for _, text in body.messages)


def on_event(builder: ResponseBuilder, item: Any) -> list[Event]:
    if isinstance(item, Queries):
        return builder.searching(item.round, item.queries)
    if isinstance(item, Sources):
        return builder.searched(item.round, item.sources)
    if isinstance(item, Delta) and item.text:
        return builder.delta(item.text)
    return []


def outgoing(event: Event, item: Any = None) -> sse.Outgoing:
    return sse.Outgoing(name=event["type"], data=event, event=item if isinstance(item, Delta) else None)


async def _stream(
    run: BackgroundRun, thread: ResponseThread, builder: ResponseBuilder, pending: list[tuple[str, Any]]
) -> AsyncIterator[sse.Outgoing]:
    finished = False
    try:
        for event in builder.started():
            yield outgoing(event)
        while True:
            kind, item = pending.pop(0) if pending else await run.next()
            if kind == "done":
                for event in builder.finished(item):
                    yield outgoing(event)
                finished = True
                return
            for event in on_event(builder, item):
                yield outgoing(event, item)
    except Exception as exc:  # noqa: BLE001 — after the status line, a failure is an `error` event
        status, code, message = errors.describe(exc)
        yield outgoing(builder.failed(status, code, message))
    finally:  # also reached when the client goes away: the run stops
        await run.aclose()
        await thread.settle(finished)


@router.post("/responses")
async def create_response(body: ResponsesRequest, request: Request):
    app = request.app
    settings = app.state.settings
    limits.check_history((text for _, text in body.messages[:-1]), settings)  # the same caps as every surface
    limits.check_question(body.question, settings, "input")
    thread = ResponseThread(app, body, request_scope(request))
    await thread.prepare()
    agent_in = agent_input(body, thread.key, request)
    builder = ResponseBuilder(body, thread.id, await asyncio.to_thread(prompt_tokens, body))

    if not body.stream:
        finished = False
        try:
            output = await app.state.engine.answer(agent_in, on_event=lambda item: on_event(builder, item))
            builder.finished(output)
            finished = True
            return builder.final(output)
        finally:
            await thread.settle(finished)

    # As the chat stream does: the status line waits for the first words (or a failure), so a
    # backend that is down is a 503; the search calls meanwhile are replayed once the stream begins.
    run = app.state.engine.start(agent_in)
    try:
        pending = await run.until_first_words()
    except BaseException:
        await thread.settle(False)
        raise
    return sse.EventStream(_stream(run, thread, builder, pending), sse.Format.NAMED)
