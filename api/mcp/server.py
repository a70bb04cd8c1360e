"""The MCP surface: `search`, `read` and `ask` as tools for other agents, with the official `mcp` SDK.

Two transports serve the same tools: Streamable HTTP at `/mcp` on the API's own app (stateless:
every POST carries its whole exchange, so any replica answers; replies stream as SSE, which carries
`ask`'s progress notifications), and stdio (`websearch mcp`) for desktop clients that start the
server themselves. Over HTTP the API keys apply as on `/v1` (a 401 before the SDK sees the request)
and a conversation is scoped to its key; every failure comes back as a tool error (`isError`) whose
text says what failed, naming the backend that is down; `/metrics` counts calls by tool and outcome.
"""

# No `from __future__ import annotations`: the SDK reads the tools' signatures for their schemas.

import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import FastAPI
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import ToolAnnotations
from pydantic import Field
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from agent import telemetry
from agent.engine import Engine
from agent.settings import Settings
from agent.state import Depth
from api.auth import key_in_headers, require_api_key
from api.conversations import CONVERSATION_ID, key_scope
from api.errors import APIError, describe, error_response
from api.hosts import allowed_names, sdk_lists
from api.mcp.tools import AskOutput, ReadOutput, SearchOutput, ask_question, read_url, search_web
from search.models import Recency

log = logging.getLogger("websearch.mcp")

MCP_PATH = "/mcp"
INSTRUCTIONS = (
    "Web search with cited answers, in English and Chinese. `ask` answers a question with numbered "
    "sources ([n] cites sources[n-1]) and keeps a conversation for follow-ups; `search` returns each "
    "result's best passages for your own answer; `read` returns one page's clean text."
)
T = TypeVar("T")

Query = Annotated[str, Field(min_length=1, max_length=2000, description="what to search the web for")]
MaxResults = Annotated[int, Field(ge=1, le=20, description="how many results (1-20)")]
DepthArg = Annotated[
    Depth | None,
    Field(
        description="quick: one search; auto: the model searches again when the first results lack part "
        "of the answer; deep: more searches and more pages, for research questions; unset: the "
        "service's default (WEBSEARCH_DEFAULT_DEPTH)"
    ),
]
RecencyArg = Annotated[Recency | None, Field(description="only pages from the last day, week, month or year")]
Domains = Annotated[
    list[str] | None, Field(max_length=20, description="only these sites, e.g. ['example.com']")
]
TokensPerPage = Annotated[int, Field(ge=32, le=4096, description="passage budget per page, in tokens")]
Url = Annotated[str, Field(min_length=1, max_length=4000, description="an http(s) URL")]
MaxTokens = Annotated[
    int | None, Field(ge=1, le=100_000, description="cut the text at about this many tokens (default: whole page)")
]
ConversationArg = Annotated[
    str | None,
    Field(pattern=CONVERSATION_ID, description="a previous answer's conversation_id, for a follow-up"),
]


@dataclass
class ToolHost:
    """Where the tools find the engine: the app's (opened by its lifespan) over HTTP, the process's
    own over stdio."""

    engine: Callable[[], Engine]
    metrics: Callable[[], Any] = lambda: None
    scoped: bool = True  # False over stdio: the one local user owns every conversation


@contextmanager
def _root_logging_kept():
    """MCPServer() calls logging.basicConfig; the service's logging (api/ops/logging.py) is its own."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def build_server(host: ToolHost, *, max_question_chars: int) -> MCPServer:
    """The tools; `max_question_chars` (Settings) caps `ask`'s question, as on every other surface."""
    # Built here, not at import: the tools' JSON schemas carry the configured cap.
    Question = Annotated[
        str, Field(min_length=1, max_length=max_question_chars, description="the question, in any language")
    ]

    with _root_logging_kept():
        server = MCPServer("megrez-websearch", instructions=INSTRUCTIONS, version="0.1.0", log_level="WARNING")

    async def call(tool: str, work: Callable[[], Awaitable[T]]) -> T:
        """Run a tool: its stage timings into this app's metrics, every failure a tool error."""
        metrics = host.metrics()
        token = telemetry.use_sink(metrics)  # the SDK runs tools outside the HTTP request's context
        started = time.perf_counter()
        outcome = "ok"
        try:
            return await work()
        except Exception as exc:
            _, outcome, message = describe(exc)  # one message per failure, as the REST API words it
            raise ToolError(message) from exc
        finally:
            telemetry.reset_sink(token)
            if metrics is not None:
                metrics.observe_tool(tool, outcome, time.perf_counter() - started)

    def scope_of(ctx: Context) -> str:
        if not host.scoped:
            return ""
        return key_scope(host.engine().settings.api_keys, key_in_headers(ctx.headers or {}))

    annotations = ToolAnnotations(read_only_hint=True, open_world_hint=True)

    @server.tool(
        title="Search the web",
        description=(
            "Search the web and read the results: per result its title, url, snippet, date and the "
            "passages of the page that best match the query (within max_tokens_per_page). Evidence "
            "for writing your own answer; use `ask` for a written, cited answer."
        ),
        annotations=annotations,
    )
    async def search(
        query: Query,
        max_results: MaxResults = 8,
        recency: RecencyArg = None,
        domains: Domains = None,
        max_tokens_per_page: TokensPerPage = 512,
    ) -> SearchOutput:
        return await call(
            "search",
            lambda: search_web(
                host.engine().deps,
                query,
                max_results=max_results,
                recency=recency,
                domains=domains,
                max_tokens_per_page=max_tokens_per_page,
            ),
        )

    @server.tool(
        title="Read a web page",
        description=(
            "Fetch one public web page (HTML, text or PDF) and return its main text, title and date. "
            "Private and loopback addresses are refused; size and time are capped."
        ),
        annotations=annotations,
    )
    async def read(url: Url, max_tokens: MaxTokens = None) -> ReadOutput:
        return await call("read", lambda: read_url(host.engine().deps, url, max_tokens=max_tokens))

    @server.tool(
        title="Ask (cited answer)",
        description=(
            "Answer a question from the web with a citation [n] on each statement; `sources` lists "
            "them (source n is sources[n-1]). Pass the returned conversation_id to ask a follow-up "
            "(\"and how much did it cost?\"). Sends progress notifications while it searches and reads."
        ),
        annotations=ToolAnnotations(read_only_hint=True, open_world_hint=True, idempotent_hint=False),
    )
    async def ask(
        question: Question,
        ctx: Context,
        conversation_id: ConversationArg = None,
        recency: RecencyArg = None,
        domains: Domains = None,
        depth: DepthArg = None,
    ) -> AskOutput:
        async def progress(step: int, total: int, message: str) -> None:
            try:
                await ctx.report_progress(step, total, message)
            except Exception as exc:  # a client that went away must not fail the answer
                log.debug("progress notification not sent: %r", exc)

        return await call(
            "ask",
            lambda: ask_question(
                host.engine(),
                question,
                conversation_id=conversation_id,
                recency=recency,
                domains=domains,
                scope=scope_of(ctx),
                progress=progress,
                depth=depth,
            ),
        )

    return server


# --- Streamable HTTP on the API's app --------------------------------------------------------------


class _Endpoint:
    """`/mcp`: the API key first (as on /v1), then the SDK's stateless Streamable HTTP handler.

    POST only: stateless Streamable HTTP keeps no session, so the standing SSE stream a GET would
    open has nothing to carry — and it held a connection for ever (issue 29: nine of them took a
    server's whole concurrency limit). A GET is a 405, as the transport allows."""

    def __init__(self, manager: StreamableHTTPSessionManager) -> None:
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            response = error_response(405, "method_not_allowed", "the MCP endpoint takes POST (stateless Streamable HTTP)")
            response.headers["Allow"] = "POST"
            await response(scope, receive, send)
            return
        try:
            await require_api_key(Request(scope, receive))
        except APIError as exc:
            response = error_response(exc.status, exc.code, exc.message)
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)


def install(app: FastAPI) -> MCPServer:
    """Serve the tools at `/mcp`; the SDK's session manager (`app.state.mcp_manager`) runs in the
    app's lifespan (api/app.py)."""
    server = build_server(
        ToolHost(
            engine=lambda: app.state.engine,
            metrics=lambda: getattr(app.state, "metrics", None),
        ),
        max_question_chars=app.state.settings.max_question_chars,
    )
    settings = app.state.settings
    # The SDK's DNS-rebinding check on the same names as the app's own (api/hosts.py); off only
    # where the operator lets any Host in.
    lists = sdk_lists(allowed_names(settings.allowed_hosts, settings.public_url))
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=lists is not None,
        allowed_hosts=lists[0] if lists else [],
        allowed_origins=lists[1] if lists else [],
    )
    server.streamable_http_app(  # built for its session manager; the route is ours (API keys first)
        stateless_http=True, json_response=False, transport_security=security
    )
    manager = app.state.mcp_manager = server.session_manager
    endpoint = _Endpoint(manager)
    # `/mcp/` too: Starlette would otherwise redirect it to whatever Host the request named.
    for path in (MCP_PATH, MCP_PATH + "/"):
        app.router.routes.append(Route(path, endpoint=endpoint, methods=None, include_in_schema=False))
    return server


# --- stdio ------------------------------------------------------------------------------------------


async def run_stdio(settings: Settings) -> None:
    """`websearch mcp`: the tools over stdin/stdout until the client closes them."""
    async with await Engine.open(settings) as engine:
        server = build_server(ToolHost(engine=lambda: engine, scoped=False), max_question_chars=settings.max_question_chars)
        await server.run_stdio_async()
