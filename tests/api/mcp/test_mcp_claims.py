"""MCP `ask`: the answer's checked claims in its structured output (the official `mcp` client)."""

from __future__ import annotations

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


def mcp_client(app) -> Client:
    http = httpx2.AsyncClient(timeout=httpx2.Timeout(30, read=60))
    return Client(streamable_http_client(f"{app.base_url}/mcp", http_client=http), read_timeout_seconds=60)


async def test_ask_returns_claims_with_the_wrong_citation_re_pointed_and_the_unsupported_one_flagged(app, megrez, local_web):
    megrez.careless = ["wrong_page"]
    async with mcp_client(app) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert "claims" in tools["ask"].output_schema["properties"]
        repointed = (await client.call_tool("ask", {"question": "How much did the Aurora Bridge in Veldmark cost?"})).structured_content
        megrez.careless = ["unsupported"]
        flagged = (await client.call_tool("ask", {"question": "青川大桥的总投资是多少？"})).structured_content
    bridge = next(s["index"] for s in repointed["sources"] if s["url"] == local_web.url("aurora-bridge"))
    (claim,) = repointed["claims"]
    assert claim["citations"] == [bridge] and claim["support"] == "supported"
    assert repointed["answer"][claim["start"] : claim["end"]].endswith(f"[{bridge}]")
    assert claim["quotes"][0]["index"] == bridge and "420 million" in claim["quotes"][0]["text"]
    (claim,) = flagged["claims"]
    assert claim["support"] == "unsupported" and claim["citations"] == []
    assert "63 亿元" in flagged["answer"] and "[" not in flagged["answer"]
