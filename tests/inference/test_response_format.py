"""`response_format` on the vLLM backend: sent as OpenAI's field for guided decoding; a server that
refuses it for its format is the caller's 400 (StructuredOutputUnsupported), not an outage."""

from __future__ import annotations

import json

import pytest

from api.errors import describe
from inference.base import GenerationParams, LLMError, Message, StructuredOutputUnsupported
from inference.openai_server import OpenAIServerLLM
from testkit.megrez import vllm_error

SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
FORMAT = {"type": "json_schema", "json_schema": {"name": "answer", "schema": SCHEMA}}
QUESTION = [Message(role="user", content="巴黎是哪个国家的首都？")]


@pytest.fixture
async def llm(fake_vllm):
    client = OpenAIServerLLM(fake_vllm.base_url, "megrez", timeout_s=5, connect_timeout_s=2)
    yield client
    await client.aclose()


async def test_the_schema_goes_to_the_server_and_the_output_follows_it(llm, fake_vllm):
    params = GenerationParams(max_tokens=64, response_format=FORMAT)
    reply = await llm.chat(QUESTION, params)
    assert json.loads(reply.text) == {"answer": fake_vllm.reply}
    streamed = "".join([delta async for delta in llm.chat_stream(QUESTION, params)])
    assert json.loads(streamed) == {"answer": fake_vllm.reply}
    assert all(body["response_format"] == FORMAT for body in fake_vllm.bodies("/v1/chat/completions"))


async def test_free_text_sends_no_response_format(llm, fake_vllm):
    await llm.chat(QUESTION, GenerationParams(max_tokens=64))
    assert "response_format" not in fake_vllm.last_body


@pytest.mark.parametrize("stream", [False, True])
async def test_a_schema_the_server_cannot_compile_is_a_bad_request(llm, stream):
    bad = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "nope"}}}
    params = GenerationParams(max_tokens=64, response_format=bad)
    with pytest.raises(StructuredOutputUnsupported) as caught:
        if stream:
            [delta async for delta in llm.chat_stream(QUESTION, params)]
        else:
            await llm.chat(QUESTION, params)
    status, code, message = describe(caught.value)
    assert status == 400 and code == "response_format_unsupported" and "Invalid JSON schema" in message


async def test_another_refusal_keeps_its_own_error(llm, fake_vllm):
    fake_vllm.fail_with = 400
    fake_vllm.fail_body = vllm_error(400, "Conversation roles must alternate user/assistant")
    with pytest.raises(LLMError) as caught:
        await llm.chat(QUESTION, GenerationParams(max_tokens=64, response_format=FORMAT))
    assert not isinstance(caught.value, StructuredOutputUnsupported)
