"""`websearch mcp` as a desktop agent starts it: a real subprocess configured by the contract's
variables (the scripted Megrez, the local web), spoken to over stdio by the official `mcp` client."""

from __future__ import annotations

import sys
from pathlib import Path

from mcp import Client, StdioServerParameters

from testkit.settings import make_settings
from testkit.app_server import free_port, subprocess_env

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT_S = 60


def stdio_client(settings, **extra_env: str) -> Client:
    env = subprocess_env(settings)
    env.update(extra_env)
    server = StdioServerParameters(command=sys.executable, args=["-m", "api.cli.main", "mcp"], env=env, cwd=str(ROOT))
    return Client(server, read_timeout_seconds=TIMEOUT_S)


def text_of(result) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


async def test_stdio_server_searches_reads_and_answers_follow_ups(local_web, megrez):
    """One session, as a desktop client holds it: tools, search, read, ask, a follow-up, Chinese."""
    progress: list[str | None] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(message)

    async with stdio_client(make_settings(local_web, megrez)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == {"search", "read", "ask"}
        assert tools["search"].input_schema["properties"]["max_results"]["maximum"] == 20
        assert all(t.annotations.read_only_hint and t.annotations.open_world_hint for t in tools.values())

        found = await client.call_tool("search", {"query": "Aurora Bridge Veldmark cost", "max_results": 3})
        assert not found.is_error, text_of(found)
        bridge = next(r for r in found.structured_content["results"] if r["url"] == local_web.url("aurora-bridge"))
        assert any("420 million" in passage for passage in bridge["passages"])

        zh = await client.call_tool("search", {"query": "青川大桥 总投资", "max_results": 3})
        assert not zh.is_error, text_of(zh)
        passages = [p for hit in zh.structured_content["results"] for p in hit["passages"]]
        assert any("56" in p and "亿元" in p for p in passages)

        page = await client.call_tool("read", {"url": local_web.url("aurora-bridge")})
        assert not page.is_error and "Ingrid Solberg" in page.structured_content["text"]
        internal = await client.call_tool("read", {"url": f"{local_web.internal_url}/secret"})
        assert internal.is_error and "refused" in text_of(internal) and "127.0.0.1" in text_of(internal)

        first = await client.call_tool(
            "ask", {"question": "Who was the lead engineer of the Aurora Bridge in Veldmark?"}, progress_callback=on_progress
        )
        assert not first.is_error, text_of(first)
        assert "Ingrid Solberg" in first.structured_content["answer"]
        assert [m.split()[0] for m in progress] == ["deciding", "searching", "reading", "answering"]
        conversation_id = first.structured_content["conversation_id"]
        follow_up = await client.call_tool(
            "ask", {"question": "And how much did it cost?", "conversation_id": conversation_id}
        )
        assert not follow_up.is_error, text_of(follow_up)
        answer = follow_up.structured_content
        assert "Aurora Bridge" in answer["queries"][0] and "420 million" in answer["answer"]
        cited = [s for s in answer["sources"] if f"[{s['index']}]" in answer["answer"]]
        assert any(s["url"] == local_web.url("aurora-bridge") for s in cited)

        chinese = await client.call_tool("ask", {"question": "青川大桥的总投资是多少？"})
        assert not chinese.is_error, text_of(chinese)
        body = chinese.structured_content
        assert "56 亿元" in body["answer"] or "56亿元" in body["answer"]
        assert any(f"[{s['index']}]" in body["answer"] for s in body["sources"])

        bad = await client.call_tool("search", {"query": "Aurora Bridge", "max_results": 0})
        assert bad.is_error and "max_results" in text_of(bad)
        assert not (await client.call_tool("search", {"query": "Zephyr-9 battery"})).is_error  # still serving


async def test_stdio_model_backend_down_is_a_tool_error_naming_it(local_web, megrez):
    port = free_port()  # nothing listens there
    settings = make_settings(local_web, megrez, llm_base_url=f"http://127.0.0.1:{port}/v1")
    async with stdio_client(settings) as client:
        result = await client.call_tool("ask", {"question": "How much did the Aurora Bridge cost?"})
        assert result.is_error
        assert "model backend" in text_of(result) and f"127.0.0.1:{port}" in text_of(result)
        assert not (await client.call_tool("read", {"url": local_web.url("aurora-bridge")})).is_error
