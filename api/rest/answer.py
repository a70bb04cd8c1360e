"""The REST contract: `POST /v1/answer` (JSON or SSE) and the conversations it builds."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api import errors, limits
from api.contract import AnswerRequest, AnswerResponse, agent_input, to_response
from api.conversations import continued, reachable, request_scope
from api.disconnect import unless_client_leaves
from api.rest.schemas import ConversationId, ConversationOut, TurnOut
from api.rest.stream import answer_stream

router = APIRouter(prefix="/v1", tags=["answers"])


@router.post("/answer", response_model=AnswerResponse)
async def answer(body: AnswerRequest, request: Request):
    limits.check_question(body.question, request.app.state.settings)
    scope = request_scope(request)
    engine = request.app.state.engine
    key = await continued(engine, scope, body.conversation_id) if body.conversation_id else None
    if body.stream:
        return answer_stream(request.app, agent_input(body, scope, key), scope)
    run = engine.answer(agent_input(body, scope, key))
    return to_response(await unless_client_leaves(request, run), scope)


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(conversation_id: ConversationId, request: Request):
    key = reachable(request.app.state.settings, request_scope(request), conversation_id)
    turns = await request.app.state.engine.deps.store.get(key)
    if not turns:
        raise errors.APIError(404, "conversation_not_found", f"no conversation {conversation_id!r} (it may have expired)")
    return ConversationOut(conversation_id=conversation_id, turns=[TurnOut.from_turn(t) for t in turns])


@router.delete("/conversations/{conversation_id}", status_code=204)
async def delete_conversation(conversation_id: ConversationId, request: Request):
    key = reachable(request.app.state.settings, request_scope(request), conversation_id)
    if not await request.app.state.engine.deps.store.delete(key):
        raise errors.APIError(404, "conversation_not_found", f"no conversation {conversation_id!r}")
    return Response(status_code=204)
