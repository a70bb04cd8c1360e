"""The MCP tools over Streamable HTTP at /mcp, driven by the official `mcp` client against the served app
(the local web, the scripted Megrez), with API keys set as an operator would."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from api.conversations import key_scope
from core.tokens import count_tokens
from testkit.settings import make_settings
from testkit.app_server import ServedApp, free_port
from testkit.clients import MCP_KEY, mcp_client, text_of
from testkit.clients import MCP_TIMEOUT_S as TIMEOUT_S

KEY, OTHER_KEY = MCP_KEY, "mcp-key-two"


@pytest.fixture
def served(local_web, megrez):
    with ServedApp(make_settings(local_web, megrez, api_keys=[KEY, OTHER_KEY])) as app:
        yield app


async def test_tools_are_listed_with_schemas_and_annotations(served):
    async with mcp_client(served) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == {"search", "read", "ask"}
    search = tools["search"].input_schema["properties"]
    assert tools["search"].input_schema["required"] == ["query"]
    assert (search["max_results"]["minimum"], search["max_results"]["maximum"], search["max_results"]["default"]) == (1, 20, 8)
    assert search["max_tokens_per_page"]["default"] == 512
    assert {"recency", "domains"} <= set(search)
    assert set(tools["read"].input_schema["properties"]) == {"url", "max_tokens"}
    assert set(tools["ask"].input_schema["properties"]) == {"question", "conversation_id", "recency", "domains", "depth"}
    assert "passages" in json.dumps(tools["search"].output_schema)
    assert {"answer", "sources", "conversation_id"} <= set(tools["ask"].output_schema["properties"])
    assert {"text", "title", "date"} <= set(tools["read"].output_schema["properties"])
    for tool in tools.values():
        assert tool.annotations.read_only_hint is True and tool.annotations.open_world_hint is True
        assert tool.description


async def test_search_returns_the_page_with_the_answer_among_its_passages(served, local_web):
    async with mcp_client(served) as client:
        result = await client.call_tool(
            "search", {"query": "Aurora Bridge Veldmark cost", "max_results": 3, "max_tokens_per_page": 120}
        )
    assert not result.is_error, text_of(result)
    body = result.structured_content
    assert body["query"] == "Aurora Bridge Veldmark cost"
    assert 1 <= len(body["results"]) <= 3
    bridge = next(r for r in body["results"] if r["url"] == local_web.url("aurora-bridge"))
    assert bridge["read"] is True and bridge["title"] and bridge["date"]
    assert any("420 million" in passage for passage in bridge["passages"])
    for hit in body["results"]:
        assert sum(count_tokens(p) for p in hit["passages"]) <= 120
    assert json.loads(text_of(result)) == body  # the same result as text, for clients without structured output


async def test_read_returns_the_page_text_and_refuses_private_addresses(served, local_web):
    async with mcp_client(served) as client:
        page = await client.call_tool("read", {"url": local_web.url("aurora-bridge")})
        short = await client.call_tool("read", {"url": local_web.url("aurora-bridge"), "max_tokens": 40})
        internal = await client.call_tool("read", {"url": f"{local_web.internal_url}/secret"})
        metadata = await client.call_tool("read", {"url": "http://169.254.169.254/latest/meta-data/"})
        not_web = await client.call_tool("read", {"url": "file:///etc/passwd"})
    assert not page.is_error, text_of(page)
    body = page.structured_content
    assert "Ingrid Solberg" in body["text"] and "420 million" in body["text"]
    assert "Aurora Bridge" in body["title"] and body["date"] and body["truncated"] is False
    assert short.structured_content["truncated"] is True and short.structured_content["tokens"] <= 40
    for refused in (internal, metadata):
        assert refused.is_error
        assert "refused" in text_of(refused) and "could not read" in text_of(refused)
    assert "127.0.0.1" in text_of(internal)
    assert not_web.is_error and "not an http(s) URL" in text_of(not_web)


async def test_ask_answers_with_citations_and_a_follow_up_resolves_it(served, megrez, local_web):
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with mcp_client(served) as client:
        first = await client.call_tool(
            "ask", {"question": "When did the Aurora Bridge in Veldmark open?"}, progress_callback=on_progress
        )
        assert not first.is_error, text_of(first)
        conversation_id = first.structured_content["conversation_id"]
        second = await client.call_tool(
            "ask", {"question": "And how much did it cost?", "conversation_id": conversation_id}
        )
    assert not second.is_error, text_of(second)
    answer = second.structured_content
    assert answer["conversation_id"] == conversation_id
    assert "Aurora Bridge" in answer["queries"][0]  # "it" was resolved from the conversation
    assert "420 million" in answer["answer"]
    bridge = next(s for s in answer["sources"] if s["url"] == local_web.url("aurora-bridge"))
    assert f"[{bridge['index']}]" in answer["answer"] and "[citation:" not in answer["answer"]
    # progress while it searched and read, then answered
    messages = [message for _, _, message in progress]
    assert [m.split()[0] for m in messages] == ["deciding", "searching", "reading", "answering"], progress
    assert "Aurora Bridge" in messages[1] and all(total == 5 for _, total, _ in progress)
    # the conversation is filed under the caller's key, as over REST
    stored = served.app.state.engine.deps.store.conversation_ids()
    assert key_scope([KEY], KEY) + conversation_id in stored and conversation_id not in stored


async def test_any_replica_answers_a_follow_up(local_web, megrez, redis_url):
    """Stateless: no MCP session ties a client to one process; the conversation lives in Redis."""
    settings = make_settings(local_web, megrez, api_keys=[KEY], redis_url=redis_url)
    with ServedApp(settings) as first_replica, ServedApp(settings) as second_replica:
        async with mcp_client(first_replica) as client:
            first = await client.call_tool("ask", {"question": "When did the Aurora Bridge in Veldmark open?"})
        conversation_id = first.structured_content["conversation_id"]
        async with mcp_client(second_replica) as client:
            second = await client.call_tool(
                "ask", {"question": "And how much did it cost?", "conversation_id": conversation_id}
            )
    assert not second.is_error, text_of(second)
    assert "Aurora Bridge" in second.structured_content["queries"][0]
    assert "420 million" in second.structured_content["answer"]


async def test_a_handshake_era_client_gets_the_same_tools_and_progress(served, local_web):
    """Clients of the 2025 protocol (initialize handshake, as most desktop agents speak it today)."""
    progress: list[str | None] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(message)

    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=httpx2.Timeout(30, read=TIMEOUT_S))
    async with Client(streamable_http_client(f"{served.base_url}/mcp", http_client=http), mode="legacy") as client:
        assert client.protocol_version != "2026-07-28"
        assert {tool.name for tool in (await client.list_tools()).tools} == {"search", "read", "ask"}
        result = await client.call_tool(
            "ask", {"question": "How much did the Aurora Bridge in Veldmark cost?"}, progress_callback=on_progress
        )
    assert not result.is_error, text_of(result)
    assert "420 million" in result.structured_content["answer"]
    assert [m.split()[0] for m in progress] == ["deciding", "searching", "reading", "answering"]


async def test_a_chinese_question_is_answered_in_chinese_with_a_citation(served):
    async with mcp_client(served) as client:
        result = await client.call_tool("ask", {"question": "青川大桥的总投资是多少？"})
    assert not result.is_error, text_of(result)
    body = result.structured_content
    assert "56 亿元" in body["answer"] or "56亿元" in body["answer"]
    assert any(f"[{s['index']}]" in body["answer"] for s in body["sources"])


async def test_another_keys_conversation_is_not_reached(served):
    async with mcp_client(served) as client:
        first = await client.call_tool("ask", {"question": "When did the Aurora Bridge in Veldmark open?"})
    conversation_id = first.structured_content["conversation_id"]
    async with mcp_client(served, OTHER_KEY) as other:
        follow_up = await other.call_tool("ask", {"question": "And how much did it cost?", "conversation_id": conversation_id})
    # As on REST: under another key that id names nothing (the server makes ids; none is planted).
    assert follow_up.is_error and "no conversation" in text_of(follow_up), text_of(follow_up)


def leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


async def test_a_wrong_or_missing_key_is_refused(served, megrez):
    for key in ("not-a-key", None):
        with pytest.raises(BaseException) as caught:
            async with mcp_client(served, key) as client:
                await client.call_tool("ask", {"question": "How much did the Aurora Bridge cost?"})
        assert any(isinstance(leaf, MCPError) for leaf in leaves(caught.value)), caught.value
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        raw = httpx.post(
            f"{served.base_url}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
            headers={**headers, "Accept": "application/json, text/event-stream"},
        )
        assert raw.status_code == 401
        assert raw.json()["error"]["code"] == "unauthorized" and "API key" in raw.json()["error"]["message"]
        assert raw.headers["www-authenticate"] == "Bearer"
    assert megrez.requests == []  # nothing ran


async def test_bad_arguments_are_tool_errors_naming_the_argument(served):
    async with mcp_client(served) as client:
        too_many = await client.call_tool("search", {"query": "Aurora Bridge", "max_results": 50})
        blank = await client.call_tool("ask", {"question": "   "})
        bad_site = await client.call_tool("search", {"query": "Aurora Bridge", "domains": ["not a site"]})
        still_fine = await client.call_tool("read", {"url": "http://169.254.169.254/"})
    assert too_many.is_error and "max_results" in text_of(too_many)
    assert blank.is_error and "question" in text_of(blank)
    assert bad_site.is_error and "domains" in text_of(bad_site)
    assert still_fine.is_error  # the session survived every refusal


async def test_ask_applies_the_question_cap_as_rest_and_openai_do(served, megrez):
    """The same caps as every surface (tests/system/test_limits.py): characters, then tokens."""
    async with mcp_client(served) as client:
        over_tokens = await client.call_tool("ask", {"question": "桥" * 1_600})  # 1,600 characters, 1,600+ tokens
        over_chars = await client.call_tool("ask", {"question": "a " * 2_100})  # 4,200 characters
        fine = await client.call_tool("ask", {"question": "桥" * 10 + "的总投资是多少？"})
    assert over_tokens.is_error and "at most 1500" in text_of(over_tokens), text_of(over_tokens)
    assert "question" in text_of(over_tokens)
    assert over_chars.is_error and "question" in text_of(over_chars)
    assert not fine.is_error, text_of(fine)  # a Chinese question under the caps is answered
    asked = [b for b in megrez.bodies("/v1/chat/completions") if "桥" * 1_600 in json.dumps(b, ensure_ascii=False)]
    assert asked == []  # the model never saw the question over the cap


async def test_model_backend_down_is_a_tool_error_naming_it(local_web, megrez):
    port = free_port()  # nothing listens there
    settings = make_settings(local_web, megrez, llm_base_url=f"http://127.0.0.1:{port}/v1")
    with ServedApp(settings) as app:
        async with mcp_client(app) as client:
            result = await client.call_tool("ask", {"question": "How much did the Aurora Bridge cost?"})
            search = await client.call_tool("search", {"query": "Aurora Bridge cost"})  # needs no model
    assert result.is_error
    assert "model backend" in text_of(result) and f"127.0.0.1:{port}" in text_of(result)
    assert not search.is_error and search.structured_content["results"]


async def test_search_provider_down_is_a_tool_error_naming_it(local_web, megrez):
    settings = make_settings(local_web, megrez, searxng_url=f"http://127.0.0.1:{free_port()}")
    with ServedApp(settings) as app:
        async with mcp_client(app) as client:
            result = await client.call_tool("search", {"query": "Aurora Bridge cost"})
        metrics = httpx.get(f"{app.base_url}/metrics").text
    assert result.is_error and "search provider searxng failed" in text_of(result)
    assert 'websearch_mcp_tool_calls_total{outcome="search_unavailable",tool="search"} 1.0' in metrics


async def test_two_concurrent_calls_on_one_endpoint_and_metrics_count_them(served, megrez, local_web):
    megrez.delay_s = 0.3  # the two answers overlap in the model
    async with mcp_client(served) as client:
        english, chinese, found = await asyncio.wait_for(
            asyncio.gather(
                client.call_tool("ask", {"question": "How much did the Aurora Bridge in Veldmark cost?"}),
                client.call_tool("ask", {"question": "青川大桥有多长？"}),
                client.call_tool("search", {"query": "Zephyr-9 battery energy density"}),
            ),
            TIMEOUT_S,
        )
    assert "420 million" in english.structured_content["answer"]
    assert "青川大桥" in chinese.structured_content["answer"] or "米" in chinese.structured_content["answer"]
    assert any("zephyr" in hit["url"] for hit in found.structured_content["results"])
    metrics = httpx.get(f"{served.base_url}/metrics").text
    assert 'websearch_mcp_tool_calls_total{outcome="ok",tool="ask"} 2.0' in metrics
    assert 'websearch_mcp_tool_calls_total{outcome="ok",tool="search"} 1.0' in metrics
    assert 'websearch_stage_duration_seconds_count{stage="answer"} 2.0' in metrics


def test_the_readme_python_example_runs_as_written(served):
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("Python, with the official SDK", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert "http://localhost:8080/mcp" in code and "your-key" in code
    code = code.replace("http://localhost:8080/mcp", f"{served.base_url}/mcp").replace("your-key", KEY)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT_S)
    assert run.returncode == 0, run.stderr
    assert "420 million" in run.stdout and "aurora-bridge" in run.stdout


async def test_ask_searches_again_for_a_missing_part_and_depth_quick_does_not(served):
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    question = "Where was the author of The Lantern Orchard born?"
    async with mcp_client(served) as client:
        deep = await client.call_tool("ask", {"question": question}, progress_callback=on_progress)
        quick = await client.call_tool("ask", {"question": question, "depth": "quick"})
    assert not deep.is_error and not quick.is_error, text_of(deep)
    assert deep.structured_content["search_rounds"] == 2 and "Kessel Point" in deep.structured_content["answer"]
    assert quick.structured_content["search_rounds"] == 1 and "Kessel Point" not in quick.structured_content["answer"]
    messages = [message for _, _, message in progress]
    assert "searching again for Ilse Varga birthplace (round 2)" in messages
    steps = [done for done, _, _ in progress]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)  # progress only grows


# --- issue 29: no standing stream, no redirect to a foreign host ------------------------------------


def test_idle_get_streams_do_not_starve_healthz_or_another_key(local_web, megrez):
    """Nine `GET /mcp` from one key at a concurrency limit of 10 took every slot while they stood
    (an SSE stream, a ping every 15 s). Each is now a 405 at once, and the server stays open to all."""
    from testkit.served import Served

    settings = make_settings(local_web, megrez, api_keys=[KEY, OTHER_KEY], http_max_concurrency=10)
    with Served(settings) as app:
        for _ in range(9):
            with httpx.Client(timeout=httpx.Timeout(5, read=5)) as client:  # a standing stream: a read timeout
                with client.stream(
                    "GET", app.base_url + "/mcp", headers={"Authorization": f"Bearer {KEY}", "Accept": "text/event-stream"}
                ) as response:
                    body = response.read()
            assert response.status_code == 405 and response.headers["allow"] == "POST"
            assert json.loads(body)["error"]["code"] == "method_not_allowed"
        assert httpx.get(app.base_url + "/healthz", timeout=5).status_code == 200
        other = httpx.post(
            app.base_url + "/v1/answer",
            json={"question": "How much did the Aurora Bridge in Veldmark cost?"},
            headers={"Authorization": f"Bearer {OTHER_KEY}"},
            timeout=60,
        )
        assert other.status_code == 200 and "420 million" in other.json()["answer"]


async def test_mcp_with_a_slash_is_served_not_redirected_to_the_host_sent(served):
    sent = {"Authorization": f"Bearer {KEY}", "Accept": "application/json, text/event-stream"}
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    response = httpx.post(served.base_url + "/mcp/", json=initialize, headers=sent, timeout=30)
    assert response.status_code == 200 and "location" not in response.headers
    assert "megrez-websearch" in response.text
    foreign = httpx.post(served.base_url + "/mcp/", json=initialize, headers=sent | {"Host": "evil.example"}, timeout=30)
    assert foreign.status_code == 421 and "location" not in foreign.headers


def test_the_sdk_s_dns_rebinding_protection_is_on(served):
    security = served.app.state.mcp_manager.security_settings
    assert security.enable_dns_rebinding_protection is True
    assert "127.0.0.1:*" in security.allowed_hosts and "evil.example" not in str(security.allowed_hosts)
