"""The FastAPI application: one process-wide engine, the surfaces mounted on it, and its lifespan
(start-up and shutdown, in order) on one screen."""

from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Depends, FastAPI

from agent.engine import Engine
from agent.settings import Settings
from api import errors
from api.rest import answer
from api.ops import docs
from api.rest import documents
from api.ops import drain
from api.ops import health
from api.ops import heap
from api.ops import metrics
from api.openai_compat import routes as openai_compat
from api.perplexity import routes as perplexity
from api.responses import routes as responses
from api.webchat import routes as webchat
from api.ops import logging as request_logs
from api.auth import require_api_key
from api.fairness import KeyLimits
from api.hosts import HostGuard, allowed_names
from api.limits import BodyLimit
from api.rest.schemas import ErrorResponse
from core.workers import WorkerPool


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    workers: WorkerPool | None = None,
    settle_heap: bool = False,
) -> FastAPI:
    """Build the app. `engine` may be given (`websearch serve` opens it first, to check it);
    otherwise the app opens its own from settings, with `workers` as its parse workers when given
    (they are then closed with the app). `settle_heap`: the process serves this app alone, so its
    garbage collector is set for a long-lived service once started (api/ops/heap.py)."""
    settings = settings or (engine.settings if engine else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        """The process's start-up, step by step in order; shutdown undoes them in reverse."""
        state = app.state
        async with AsyncExitStack() as steps:
            # 1. /metrics scrapes vLLM with a client of its own: closed last, after everything else.
            steps.push_async_callback(state.metrics.aclose)
            # 2. SIGTERM drains: readiness turns 503, the requests in flight finish (api/ops/drain.py).
            steps.enter_context(drain.on_sigterm(state.draining))
            # 3. The engine (graph + deps): opened here unless given; then closed after step 4.
            state.engine = engine or await Engine.open(settings, workers=workers)
            if engine is None:
                steps.push_async_callback(state.engine.aclose)
            # 4. Slack answers run after Slack's event was acknowledged: they finish before the engine closes.
            steps.push_async_callback(_slack_answers_finish, app, settings.shutdown_grace_s)
            # 5. MCP's session manager, once the engine its tools use is open.
            await steps.enter_async_context(state.mcp_manager.run())
            # 6. Everything alive now lives as long as the process: out of the collector's walks.
            if settle_heap:
                heap.settle()
            yield

    app = FastAPI(
        title="megrez-websearch",
        version="0.1.0",
        summary="Cited answers from the web, written by Megrez-3B.",
        lifespan=lifespan,
        docs_url=None,  # /docs without a CDN: api/ops/docs.py
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
        responses={
            401: {"model": ErrorResponse, "description": "API key missing or wrong"},
            422: {"model": ErrorResponse, "description": "Invalid request"},
            503: {"model": ErrorResponse, "description": "A backend (model, search, store) is down"},
            504: {"model": ErrorResponse, "description": "The model backend timed out"},
        },
    )
    app.state.settings = settings
    errors.install(app)
    docs.install(app)

    protected = [Depends(require_api_key)]
    app.include_router(health.router)
    app.include_router(answer.router, dependencies=protected)
    # The surfaces people use.
    app.include_router(openai_compat.router, dependencies=protected)
    app.include_router(perplexity.root, dependencies=protected)  # Perplexity's SDK at the root (and /v1/search)
    app.include_router(responses.router, dependencies=protected)  # OpenAI's Responses API with web_search
    app.include_router(webchat.router)  # `/` and /static: public, the page asks for a key when needed
    app.include_router(documents.router)  # the local index's files, by their citation links (own key check)
    if settings.slack_bot_token and settings.slack_signing_secret:
        from api.slack import bot as slack  # slack-bolt loads only when Slack is configured

        app.include_router(slack.router)  # Slack signs its requests (Bolt checks them): no API key
    from api.mcp import server as mcp_server  # MCP tools at /mcp (Streamable HTTP); the API keys apply there too

    mcp_server.install(app)

    # Bodies over the cap are refused before anything reads them (issue 17: bounded inputs).
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Fair shares between keys: a cap in flight, a rate, the parse workers' jobs scheduled per key.
    app.add_middleware(
        KeyLimits,
        keys=settings.api_keys,
        max_concurrency=settings.key_max_concurrency,
        rate_per_minute=settings.key_rate_per_minute,
        burst=settings.key_burst,
    )
    # Only its own Host and Origin (DNS rebinding, issue 29): before anything else reads the request.
    app.add_middleware(HostGuard, names=allowed_names(settings.allowed_hosts, settings.public_url))
    # Operations, innermost first: drain on SIGTERM, then /metrics and counting, then request ids and JSON logs.
    drain.install(app)
    metrics.install(app)
    request_logs.install(app)
    return app


async def _slack_answers_finish(app: FastAPI, grace_s: float) -> None:
    if (bot := getattr(app.state, "slack_bot", None)) is not None:  # made on Slack's first event
        await bot.drain(grace_s)
