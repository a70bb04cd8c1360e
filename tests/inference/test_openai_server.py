"""OpenAIServerLLM against a real local HTTP server that answers like vLLM (testkit.megrez, see conftest.py)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from api.errors import describe
from inference.base import (
    GenerationParams,
    LLMError,
    LLMTimeout,
    LLMUnavailable,
    Message,
    ModelNotFound,
    PromptTooLong,
    TextStream,
)
from inference.megrez import FUNCTION_END, FUNCTION_START, STOP
from inference.openai_server import OpenAIServerLLM

PARAMS = GenerationParams(max_tokens=64, temperature=0.0, stop=STOP)
MESSAGES = [
    Message(role="system", content="You answer with citations."),
    Message(role="user", content="What is the capital of France?"),
    Message(role="observation", content="[[citation:1]] Paris is the capital of France."),
]


@pytest.fixture
async def llm(fake_vllm):
    client = OpenAIServerLLM(fake_vllm.base_url, "megrez", api_key="sk-test", timeout_s=5, connect_timeout_s=2)
    yield client
    await client.aclose()


def posted(fake_vllm) -> list[dict]:
    return [r for r in fake_vllm.requests if r["method"] == "POST"]


async def test_chat_returns_the_reply_with_usage_and_sends_megrez_settings(llm, fake_vllm):
    reply = await llm.chat(MESSAGES, PARAMS)
    assert reply.text == fake_vllm.reply
    assert reply.finish_reason == "stop"
    served = fake_vllm.metrics()  # the usage is the server's count, not one made up here
    assert reply.usage.prompt_tokens == served["prompt_tokens"]
    assert reply.usage.completion_tokens == served["generation_tokens"]
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    [request] = posted(fake_vllm)
    body = request["body"]
    assert request["path"] == "/v1/chat/completions"
    assert body["skip_special_tokens"] is False and body["spaces_between_special_tokens"] is False
    assert body["stop"] == ["<|turn_end|>"]
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["repetition_penalty"]) == (64, 0.0, 0.9, 1.02)
    assert body["messages"][2] == {"role": "observation", "content": "[[citation:1]] Paris is the capital of France."}
    assert request["headers"]["authorization"] == "Bearer sk-test"


async def test_stream_yields_several_deltas_that_make_the_reply_and_keeps_function_markers(llm, fake_vllm):
    fake_vllm.reply = f'{FUNCTION_START}{{"name": "search", "arguments": {{"query": "paris"}}}}{FUNCTION_END}'
    stream = llm.chat_stream(MESSAGES, PARAMS)
    deltas = [delta async for delta in stream]
    assert len(deltas) > 3
    assert "".join(deltas) == fake_vllm.reply
    assert stream.finish_reason == "stop"
    served = fake_vllm.metrics()
    assert stream.usage.prompt_tokens == served["prompt_tokens"] > 0
    assert stream.usage.completion_tokens == served["generation_tokens"] > 0
    body = posted(fake_vllm)[0]["body"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["skip_special_tokens"] is False


async def test_complete_sends_one_batched_request_and_keeps_prompt_order(llm, fake_vllm):
    prompts = ["first prompt", "second prompt", "third prompt"]
    answers = [f"{fake_vllm.reply} #{i}: {p}" for i, p in enumerate(prompts)]
    fake_vllm.script = list(answers)  # one per prompt, in prompt order
    fake_vllm.reverse_choices = True  # a batch's choices need not come back in prompt order
    results = await llm.complete(prompts, PARAMS)
    assert [r.text for r in results] == answers
    [request] = posted(fake_vllm)
    assert request["path"] == "/v1/completions" and request["body"]["prompt"] == prompts
    assert request["body"]["skip_special_tokens"] is False and request["body"]["stop"] == STOP
    assert llm.usage_total.prompt_tokens == fake_vllm.metrics()["prompt_tokens"] > 0


async def test_complete_stream_yields_the_text(llm, fake_vllm):
    deltas = [d async for d in llm.complete_stream("Once upon a time", PARAMS)]
    assert "".join(deltas) == fake_vllm.reply and len(deltas) > 1
    assert posted(fake_vllm)[0]["body"]["prompt"] == "Once upon a time"


async def test_health_passes_when_the_model_is_served(llm):
    await llm.health()


async def test_health_names_the_missing_model_and_what_is_served(fake_vllm):
    llm = OpenAIServerLLM(fake_vllm.base_url, "megrez-7b")
    with pytest.raises(ModelNotFound) as caught:
        await llm.health()
    assert "'megrez-7b'" in str(caught.value) and "megrez" in caught.value.message
    assert fake_vllm.base_url in str(caught.value)  # the backend is named
    await llm.aclose()


async def test_chat_with_a_wrong_model_is_model_not_found(fake_vllm):
    llm = OpenAIServerLLM(fake_vllm.base_url, "qwen")
    with pytest.raises(ModelNotFound, match="'qwen' is not served .it serves: megrez"):
        await llm.chat(MESSAGES, PARAMS)
    with pytest.raises(ModelNotFound, match="qwen"):
        async for _ in llm.chat_stream(MESSAGES, PARAMS):
            pass
    await llm.aclose()


async def test_context_overflow_is_prompt_too_long(llm, fake_vllm):
    message = (
        "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens "
        "(8500 in the messages, 500 in the completion). Please reduce the length of the messages or completion."
    )
    fake_vllm.fail_with = 400
    fake_vllm.fail_body = {"error": {"message": message, "type": "BadRequestError", "param": None, "code": 400}}
    with pytest.raises(PromptTooLong, match="maximum context length is 8192"):
        await llm.chat(MESSAGES, PARAMS)
    fake_vllm.fail_body = {
        "object": "error",
        "message": "The decoder prompt (length 9000) is longer than the maximum model length of 8192.",
        "type": "BadRequestError",
        "code": 400,
    }
    with pytest.raises(PromptTooLong):
        async for _ in llm.chat_stream(MESSAGES, PARAMS):
            pass


async def test_other_server_errors_carry_the_servers_message(llm, fake_vllm):
    fake_vllm.fail_with = 500
    fake_vllm.fail_body = {
        "object": "error", "message": "CUDA out of memory", "type": "InternalServerError", "code": 500
    }
    with pytest.raises(LLMError, match="HTTP 500: CUDA out of memory") as caught:
        await llm.chat(MESSAGES, PARAMS)
    assert type(caught.value) is LLMError
    fake_vllm.fail_with, fake_vllm.fail_body = 502, "<html>\n<h1>Bad Gateway</h1>\n</html>"
    with pytest.raises(LLMError, match="HTTP 502: <html> <h1>Bad Gateway"):
        await llm.complete(["x"], PARAMS)


async def test_a_reply_that_is_not_json_is_an_llm_error(llm, fake_vllm):
    fake_vllm.fail_with, fake_vllm.fail_body = 200, "surely not json"
    with pytest.raises(LLMError, match="not JSON"):
        await llm.chat(MESSAGES, PARAMS)


async def test_an_error_mid_stream_raises_after_the_text_so_far(llm, fake_vllm):
    fake_vllm.mid_stream_error = {"error": {"message": "engine died", "type": "InternalServerError", "code": 500}}
    received = []
    with pytest.raises(LLMError, match="engine died"):
        async for delta in llm.chat_stream(MESSAGES, PARAMS):
            received.append(delta)
    assert "".join(received) == fake_vllm.reply[: 2 * fake_vllm.chunk_chars]  # the two pieces before it


async def test_nothing_listening_is_unavailable(closed_port_url):
    llm = OpenAIServerLLM(closed_port_url, "megrez", connect_timeout_s=1)
    with pytest.raises(LLMUnavailable, match=r"vLLM at http://127\.0\.0\.1:\d+/v1: cannot connect"):
        await llm.chat(MESSAGES, PARAMS)
    with pytest.raises(LLMUnavailable):
        await llm.health()
    with pytest.raises(LLMUnavailable):
        async for _ in llm.chat_stream(MESSAGES, PARAMS):
            pass
    await llm.aclose()


async def test_a_slow_server_is_a_timeout(fake_vllm):
    fake_vllm.delay_s = 1.5
    llm = OpenAIServerLLM(fake_vllm.base_url, "megrez", timeout_s=0.3)
    with pytest.raises(LLMTimeout, match="no answer within 0.3s"):
        await llm.chat(MESSAGES, PARAMS)
    await llm.aclose()


async def test_a_stream_that_stalls_is_a_timeout(fake_vllm):
    fake_vllm.chunk_delay_s = 1.0
    llm = OpenAIServerLLM(fake_vllm.base_url, "megrez", timeout_s=0.3)
    with pytest.raises(LLMTimeout):
        async for _ in llm.chat_stream(MESSAGES, PARAMS):
            pass
    await llm.aclose()


async def _wait_for_disconnect(server, seconds: float = 3.0) -> bool:
    return await asyncio.to_thread(server.wait_for_disconnects, 1, seconds)


async def test_closing_a_stream_early_drops_the_connection(llm, fake_vllm):
    fake_vllm.reply = "word " * 400  # 500 chunks at 10 ms: five seconds if nobody stops it
    fake_vllm.chunk_delay_s = 0.01
    stream = llm.chat_stream(MESSAGES, PARAMS)
    assert isinstance(stream, TextStream)
    assert await stream.__anext__() == "word"
    await stream.aclose()
    assert await _wait_for_disconnect(fake_vllm), "the server never saw the client go away"
    assert not any(stream["completed"] for stream in fake_vllm.streams)


async def test_breaking_out_of_a_stream_drops_the_connection(llm, fake_vllm):
    fake_vllm.reply = "word " * 400
    fake_vllm.chunk_delay_s = 0.01
    stream = llm.chat_stream(MESSAGES, PARAMS)
    async for _ in stream:
        break
    del stream  # what happens when a request handler returns mid-stream (no gc.collect: refcounting must do)
    assert await _wait_for_disconnect(fake_vllm), "the server never saw the client go away"
    assert not any(stream["completed"] for stream in fake_vllm.streams)


async def test_streams_one_after_another_reuse_one_connection(llm, fake_vllm):
    # vLLM behind TLS or a router: a new connection per generation is a handshake per answer step.
    for _ in range(3):
        assert "".join([text async for text in llm.chat_stream(MESSAGES, PARAMS)]) == fake_vllm.reply
    assert len({request["peer"] for request in posted(fake_vllm)}) == 1


async def test_a_shared_client_is_used_and_not_closed(fake_vllm):
    async with httpx.AsyncClient() as shared:
        llm = OpenAIServerLLM(fake_vllm.base_url, "megrez", client=shared)
        assert (await llm.chat(MESSAGES, PARAMS)).text == fake_vllm.reply
        await llm.aclose()
        assert not shared.is_closed


def test_from_settings_reads_the_llm_fields():
    from agent.deps import llm_config
    from agent.settings import Settings

    settings = Settings(
        _env_file=None,
        llm_base_url="http://gpu:8000/v1/",
        llm_model="m",
        llm_api_key="k",
        llm_timeout_s=9,
        llm_connect_timeout_s=2,
    )
    llm = OpenAIServerLLM.from_config(llm_config(settings))
    assert (llm.name, llm.model, llm.timeout_s, llm.connect_timeout_s) == ("vLLM at http://gpu:8000/v1", "m", 9, 2)


# --- against the scripted Megrez/vLLM server: today's vLLM wording and chat templates ------------

from testkit.megrez import ScriptedMegrez  # noqa: E402
from testkit.megrez.conversations import answer_conversation  # noqa: E402

ANSWER = [Message(**m) for m in answer_conversation("When did the Aurora Bridge open?", "Aurora Bridge opening date")]


@pytest.mark.parametrize("wording", ["current", "legacy"])
async def test_both_vllm_wordings_of_a_context_overflow_are_prompt_too_long(megrez: ScriptedMegrez, wording: str):
    megrez.context_error = wording
    megrez.max_model_len = 400
    llm = OpenAIServerLLM(megrez.base_url, "megrez")
    short = [Message(role="user", content="When did the Aurora Bridge open?")]
    too_many = GenerationParams(max_tokens=395, stop=STOP)  # a short prompt, but no room for the answer
    long = [Message(role="user", content="bridge " * 500)]  # the prompt alone is over
    attempts = [
        lambda: llm.chat(short, too_many),
        lambda: llm.chat(long, PARAMS),
        lambda: llm.complete(["bridge " * 500], PARAMS),
    ]
    for attempt in attempts:
        with pytest.raises(PromptTooLong, match="maximum context length is 400 tokens") as caught:
            await attempt()
        assert describe(caught.value)[0] == 400 and not caught.value.message.endswith("None")
    for messages, params in ((short, too_many), (long, PARAMS)):
        with pytest.raises(PromptTooLong, match="maximum context length is 400 tokens"):
            async for _ in llm.chat_stream(messages, params):
                pass
    bodies = megrez.bodies()
    assert len(bodies) == 5  # each was asked once, none retried
    await llm.aclose()


async def test_a_template_that_renders_observation_gets_chat_requests(megrez: ScriptedMegrez):
    llm = OpenAIServerLLM(megrez.base_url, "megrez")
    done = await llm.chat(ANSWER, PARAMS)
    streamed = "".join([t async for t in llm.chat_stream(ANSWER, PARAMS)])
    assert "1932" in done.text and "[citation:2]" in done.text and streamed == done.text
    assert [r["path"] for r in megrez.requests] == ["/v1/chat/completions"] * 2
    assert megrez.requests[0]["body"]["messages"][-1]["role"] == "observation"
    assert llm.render_here is False
    await llm.aclose()


async def test_a_template_that_refuses_observation_still_answers_from_the_results(megrez: ScriptedMegrez):
    """The client works whether or not vLLM's chat template accepts `observation`: when it refuses,
    the conversation is rendered with Megrez's template here and sent as a raw prompt."""
    from inference.megrez import render_chat

    megrez.template_roles = {"system", "user", "assistant"}
    llm = OpenAIServerLLM(megrez.base_url, "megrez")
    done = await llm.chat(ANSWER, PARAMS)
    assert "1932" in done.text and "[citation:2]" in done.text  # the same answer, read from the results
    assert [r["path"] for r in megrez.requests] == ["/v1/chat/completions", "/v1/completions"]
    assert megrez.requests[1]["body"]["prompt"] == [render_chat(ANSWER)]
    assert llm.render_here is True
    # from then on such conversations go straight to /completions, streaming too
    streamed = "".join([t async for t in llm.chat_stream(ANSWER, PARAMS)])
    assert streamed == done.text
    assert [r["path"] for r in megrez.requests][2:] == ["/v1/completions"]
    # conversations with only standard roles still use the chat endpoint
    greeting = await llm.chat([Message(role="user", content="Hello!")], PARAMS)
    assert greeting.text and megrez.requests[-1]["path"] == "/v1/chat/completions"
    await llm.aclose()


async def test_a_refusing_template_is_handled_on_a_stream_first(megrez: ScriptedMegrez):
    megrez.template_roles = {"system", "user", "assistant"}
    llm = OpenAIServerLLM(megrez.base_url, "megrez")
    stream = llm.chat_stream(ANSWER, PARAMS)
    streamed = "".join([t async for t in stream])
    assert "1932" in streamed and stream.finish_reason == "stop" and stream.usage.completion_tokens > 0
    assert [r["path"] for r in megrez.requests] == ["/v1/chat/completions", "/v1/completions"]
    await llm.aclose()


async def test_a_plain_400_without_extra_roles_is_not_retried(megrez: ScriptedMegrez):
    megrez.template_roles = {"user", "assistant"}  # refuses even `system`
    llm = OpenAIServerLLM(megrez.base_url, "megrez")
    with pytest.raises(LLMError, match="HTTP 400: Conversation roles must be one of"):
        await llm.chat([Message(role="system", content="Be brief."), Message(role="user", content="Hi")], PARAMS)
    assert [r["path"] for r in megrez.requests] == ["/v1/chat/completions"] and llm.render_here is False
    await llm.aclose()


def test_usage_counts_the_prompt_tokens_vllm_served_from_its_prefix_cache():
    from inference.base import Usage

    total = Usage()
    one = total.record({"usage": {"prompt_tokens": 900, "completion_tokens": 20, "prompt_tokens_details": {"cached_tokens": 640}}})
    total.record({"usage": {"prompt_tokens": 100, "completion_tokens": 5, "prompt_tokens_details": None}})
    assert one.cached_tokens == 640
    assert (total.prompt_tokens, total.completion_tokens, total.cached_tokens) == (1000, 25, 640)
