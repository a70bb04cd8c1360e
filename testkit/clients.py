"""Clients pointed at a served app (testkit/app_server.py), as the tests of several surfaces call it:
plain HTTP for REST, the official `perplexityai` and `mcp` SDKs."""

from __future__ import annotations

import httpx
import httpx2
import perplexity
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

MCP_KEY = "mcp-key-one"
MCP_TIMEOUT_S = 60


def answer(app, **body) -> httpx.Response:
    """POST /v1/answer (not streamed)."""
    return httpx.post(f"{app.base_url}/v1/answer", json=body, timeout=60)


def sonar_client(app, path: str = "", **kwargs) -> perplexity.Perplexity:
    """The Perplexity SDK at the server's root (as Perplexity's own base URL is) or at `path` below it."""
    return perplexity.Perplexity(base_url=app.base_url + path, api_key="unused", max_retries=0, timeout=60, **kwargs)


def mcp_client(app, key: str | None = MCP_KEY) -> Client:
    """The MCP SDK over Streamable HTTP at /mcp, with `key` as its bearer token (None: no header)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=MCP_TIMEOUT_S))
    return Client(streamable_http_client(f"{app.base_url}/mcp", http_client=http), read_timeout_seconds=MCP_TIMEOUT_S)


def text_of(result) -> str:
    """An MCP tool result's text."""
    return "".join(getattr(block, "text", "") for block in result.content)
