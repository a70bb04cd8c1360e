"""Native tool calls on the vLLM client: `tools` sent only when asked, `tool_calls` read from the stream."""

from __future__ import annotations

import json

import pytest

import prompts

from inference.base import GenerationParams, Message, ToolCall, ToolsUnsupported
from inference.openai_server import OpenAIServerLLM
from inference.pool import PooledLLM
from testkit.megrez import ScriptedMegrez

PARAMS = GenerationParams(max_tokens=64, temperature=0.0)
ASK = [Message(role="user", content="How much did the Aurora Bridge in Veldmark cost?")]
TOOL = {
    "type": "function",
    "function": {"name": "search", "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}},
}


RESULTS = prompts.answer_prompt(
    "en",
    query="Aurora Bridge cost",
    question=ASK[0].content,
    contexts=prompts.contexts_block(
        "en", [(1, "Aurora Bridge opens", "http://x/a", "The Aurora Bridge in Veldmark cost 420 million euros.")]
    ),
)


@pytest.fixture
def tools_model():
    with ScriptedMegrez(mode="tools", model="qwen", chunk_chars=2) as server:
        yield server


async def test_a_streamed_call_arrives_whole_in_tool_calls(tools_model):
    llm = OpenAIServerLLM(tools_model.base_url, "qwen")
    try:
        stream = llm.chat_stream(ASK, PARAMS, tools=[TOOL])
        text = "".join([piece async for piece in stream])
    finally:
        await llm.aclose()
    assert text == ""
    assert stream.finish_reason == "tool_calls"
    (call,) = stream.tool_calls
    assert call.name == "search" and call.id.startswith("chatcmpl-tool-")
    assert "Aurora Bridge" in json.loads(call.arguments)["query"]
    body = tools_model.last_body
    assert body["tools"] == [TOOL] and body["tool_choice"] == "auto" and body["stream"] is True


async def test_without_tools_the_request_is_exactly_as_before(tools_model):
    llm = OpenAIServerLLM(tools_model.base_url, "qwen")
    try:
        stream = llm.chat_stream(ASK, PARAMS)
        assert "have not searched" in "".join([piece async for piece in stream])
    finally:
        await llm.aclose()
    assert stream.tool_calls == []
    body = tools_model.last_body
    assert "tools" not in body and "tool_choice" not in body
    assert body["messages"] == [{"role": "user", "content": ASK[0].content}]


async def test_tool_turns_go_out_in_the_openai_shape(tools_model):
    call = ToolCall(id="call_search", name="search", arguments='{"query": "Aurora Bridge cost"}')
    messages = [
        *ASK,
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", content=RESULTS, tool_call_id="call_search"),
    ]
    llm = OpenAIServerLLM(tools_model.base_url, "qwen")
    try:
        answer = await llm.chat(messages, PARAMS)
    finally:
        await llm.aclose()
    assert "420 million" in answer.text
    sent = tools_model.last_body["messages"]
    assert sent[1]["tool_calls"] == [
        {"id": "call_search", "type": "function", "function": {"name": "search", "arguments": call.arguments}}
    ]
    assert sent[2] == {"role": "tool", "content": messages[2].content, "tool_call_id": "call_search"}


async def test_a_server_without_a_tool_parser_raises_tools_unsupported():
    with ScriptedMegrez(mode="plain", model="gemma", refuse_tools=True) as server:
        llm = OpenAIServerLLM(server.base_url, "gemma")
        try:
            with pytest.raises(ToolsUnsupported, match="enable-auto-tool-choice"):
                async for _ in llm.chat_stream(ASK, PARAMS, tools=[TOOL]):
                    pass
            assert [piece async for piece in llm.chat_stream(ASK, PARAMS)]  # plain requests still answer
        finally:
            await llm.aclose()


async def test_a_pool_passes_tools_through_and_reports_the_calls():
    with ScriptedMegrez(mode="tools", model="qwen") as a, ScriptedMegrez(mode="tools", model="qwen") as b:
        pool = PooledLLM([OpenAIServerLLM(a.base_url, "qwen"), OpenAIServerLLM(b.base_url, "qwen")])
        try:
            stream = pool.chat_stream(ASK, PARAMS, tools=[TOOL])
            async for _ in stream:
                pass
        finally:
            await pool.aclose()
    assert [c.name for c in stream.tool_calls] == ["search"]
