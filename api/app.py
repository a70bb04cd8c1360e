"""The FastAPI application: routes of the HTTP contract over the agent graph."""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse

from agent.deps import Deps, build_deps
from agent.graph import build_graph
from agent.settings import Settings
from agent.state import AgentInput, AgentOutput
from api import errors
from api.stream import answer_events
from api.schemas import (
    AnswerRequest,
    AnswerResponse,
    ConversationId,
    ConversationOut,
    ErrorResponse,
    SourceOut,
    TurnOut,
)


def create_app(settings: Settings | None = None, *, deps: Deps | None = None) -> FastAPI:
    """Build the app. `deps` may be given (tests, embedding); otherwise built from settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        own = deps is None
        app.state.deps = deps or await asyncio.to_thread(build_deps, settings or Settings())
        app.state.graph = build_graph()
        try:
            yield
        finally:
            if own:
                await app.state.deps.aclose()

    app = FastAPI(
        title="megrez-websearch",
        version="0.1.0",
        summary="Cited answers from the web, written by Megrez-3B.",
        lifespan=lifespan,
        responses={
            422: {"model": ErrorResponse, "description": "Invalid request"},
            503: {"model": ErrorResponse, "description": "A backend (model, search, store) is down"},
            504: {"model": ErrorResponse, "description": "The model backend timed out"},
        },
    )
    errors.install(app)

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request):
        deps: Deps = request.app.state.deps
        checks = {"llm": deps.llm.health(), "store": deps.store.ping()}
        outcomes = await asyncio.gather(*checks.values(), return_exceptions=True)
        failed = {name: out for name, out in zip(checks, outcomes) if isinstance(out, BaseException)}
        if failed:
            name, exc = next(iter(failed.items()))
            status, code, message = errors.describe(exc)
            return errors.error_response(503, code, message)
        return {"status": "ready", "llm": deps.llm.name, "store": deps.store.name}

    @app.post("/v1/answer", response_model=AnswerResponse)
    async def answer(body: AnswerRequest, request: Request):
        if body.stream:
            return StreamingResponse(
                answer_events(request.app, agent_input(body)),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        output = await run_agent(request.app, body)
        return to_response(output)

    @app.get("/v1/conversations/{conversation_id}", response_model=ConversationOut)
    async def get_conversation(conversation_id: ConversationId, request: Request):
        turns = await request.app.state.deps.store.get(conversation_id)
        if not turns:
            raise errors.APIError(404, "conversation_not_found", f"no conversation {conversation_id!r} (it may have expired)")
        return ConversationOut(conversation_id=conversation_id, turns=[TurnOut.from_turn(t) for t in turns])

    @app.delete("/v1/conversations/{conversation_id}", status_code=204)
    async def delete_conversation(conversation_id: ConversationId, request: Request):
        if not await request.app.state.deps.store.delete(conversation_id):
            raise errors.APIError(404, "conversation_not_found", f"no conversation {conversation_id!r}")
        return Response(status_code=204)

    return app


def agent_input(body: AnswerRequest) -> AgentInput:
    return AgentInput(
        question=body.question,
        conversation_id=body.conversation_id or uuid.uuid4().hex,
        search=body.search,
        domains=body.domains,
        recency=body.recency,
    )


async def run_agent(app: FastAPI, body: AnswerRequest) -> AgentOutput:
    started = time.perf_counter()
    result = await app.state.graph.ainvoke(agent_input(body), context=app.state.deps)
    output = AgentOutput.model_validate(result)
    output.timings["total"] = round((time.perf_counter() - started) * 1000, 1)
    return output


def to_response(output: AgentOutput) -> AnswerResponse:
    return AnswerResponse(
        conversation_id=output.conversation_id,
        answer=output.answer,
        citations=output.citations,
        sources=[SourceOut.of(s) for s in output.sources],
        searched=output.searched,
        queries=output.queries,
        related=output.related,
        timings=output.timings,
    )
