"""The REST contract: `POST /v1/answer` (JSON or SSE) and the conversations it builds."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from agent.deps import Deps
from agent.run import run_once
from agent.state import AgentInput
from api import errors, limits
from api.auth import conversation_scope, reachable_id
from api.disconnect import unless_client_leaves
from api.rest.schemas import (
    AnswerRequest,
    AnswerResponse,
    ConversationId,
    ConversationOut,
    TurnOut,
    to_response,
)
from api.rest.stream import answer_stream

router = APIRouter(prefix="/v1", tags=["answers"])


def agent_input(body: AnswerRequest, scope: str = "", key: str | None = None) -> AgentInput:
    return AgentInput(
        question=body.question,
        # New conversations get an id from the server, unguessable; `key` is an existing one's store key.
        conversation_id=key or scope + uuid.uuid4().hex,
        search=body.search,
        domains=body.domains,
        exclude_domains=body.exclude_domains,
        recency=body.recency,
        depth=body.depth,
    )


@router.post("/answer", response_model=AnswerResponse)
async def answer(body: AnswerRequest, request: Request):
    limits.check_question(body.question, request.app.state.settings)
    scope = conversation_scope(request)
    key = await existing(request, body.conversation_id) if body.conversation_id else None
    if body.stream:
        return answer_stream(request.app, agent_input(body, scope, key), scope)
    run = run_once(request.app.state.graph, request.app.state.deps, agent_input(body, scope, key))
    return to_response(await unless_client_leaves(request, run), scope)


async def existing(request: Request, conversation_id: str) -> str:
    """The store key of a conversation the client continues (see `stored_key`)."""
    reachable_id(request, conversation_id)  # a Slack thread's id is refused here unless opted in
    return await stored_key(request.app.state.deps, conversation_scope(request), conversation_id)


async def stored_key(deps: Deps, scope: str, conversation_id: str) -> str:
    """The store key of a conversation a caller (REST, MCP) continues. Ids are the server's to make:
    one that names nothing stored is a 404, so nobody can plant a conversation under an id they
    choose; a Slack thread's only where the operator opted in."""
    if conversation_id.startswith("slack:") and not deps.settings.slack_threads_over_rest:
        raise errors.APIError(404, "conversation_not_found", f"no conversation {conversation_id!r}")
    key = scope + conversation_id
    if not await deps.store.exists(key):
        raise errors.APIError(
            404, "conversation_not_found", f"no conversation {conversation_id!r} (it may have expired; omit the id to start one)"
        )
    return key


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(conversation_id: ConversationId, request: Request):
    turns = await request.app.state.deps.store.get(reachable_id(request, conversation_id))
    if not turns:
        raise errors.APIError(404, "conversation_not_found", f"no conversation {conversation_id!r} (it may have expired)")
    return ConversationOut(conversation_id=conversation_id, turns=[TurnOut.from_turn(t) for t in turns])


@router.delete("/conversations/{conversation_id}", status_code=204)
async def delete_conversation(conversation_id: ConversationId, request: Request):
    if not await request.app.state.deps.store.delete(reachable_id(request, conversation_id)):
        raise errors.APIError(404, "conversation_not_found", f"no conversation {conversation_id!r}")
    return Response(status_code=204)
