"""Several vLLM servers behind one client: traffic spreads, a dead server is skipped and comes back."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from agent.deps import llm_config
from agent.settings import Settings
from inference.base import GenerationParams, LLMError, LLMUnavailable, Message, ModelNotFound, PromptTooLong, TextStream
from inference.openai_server import OpenAIServerLLM
from inference.pool import PooledLLM
from inference.registry import build_llm
from inference.routing import route_key
from testkit.answers import wait_for
from testkit.megrez import ScriptedMegrez

PARAMS = GenerationParams(max_tokens=64, temperature=0.0)
ASK = [Message(role="system", content="You are a helpful assistant."), Message(role="user", content="What is 2 + 3?")]
ANSWER = "2 + 3 = 5."


@pytest.fixture
def two():
    with ScriptedMegrez() as a, ScriptedMegrez() as b:
        yield a, b


def pool_of(*servers: ScriptedMegrez, cooldown_s: float = 10.0) -> PooledLLM:
    llms = [OpenAIServerLLM(s.base_url, s.model, timeout_s=10, connect_timeout_s=1) for s in servers]
    return PooledLLM(llms, cooldown_s=cooldown_s, check_timeout_s=1)


async def ask(llm, stream: bool = True) -> str:
    if not stream:
        return (await llm.chat(ASK, PARAMS)).text
    return "".join([piece async for piece in llm.chat_stream(ASK, PARAMS)])


def generated(server: ScriptedMegrez) -> int:
    return len(server.bodies("/v1/chat/completions"))


async def test_a_comma_list_of_base_urls_builds_a_pool_and_one_url_a_plain_client(two):
    a, b = two
    pool = build_llm(llm_config(Settings(_env_file=None, llm_base_url=f"{a.base_url}, {b.base_url}", llm_model="megrez")))
    single = build_llm(llm_config(Settings(_env_file=None, llm_base_url=a.base_url, llm_model="megrez")))
    try:
        assert isinstance(pool, PooledLLM) and [e.url for e in pool.endpoints] == [a.base_url, b.base_url]
        assert not pool.shared_cpu  # vLLM servers: related questions and condensing run beside the answer
        assert isinstance(single, OpenAIServerLLM)
        assert await ask(pool) == ANSWER
    finally:
        await pool.aclose()
        await single.aclose()


async def test_one_base_url_is_used_without_stray_spaces_and_commas_and_none_at_all_names_the_setting(two):
    a, _ = two
    single = build_llm(llm_config(Settings(_env_file=None, llm_base_url=f" {a.base_url} ,", llm_model="megrez")))
    try:
        assert isinstance(single, OpenAIServerLLM) and single.base_url == a.base_url
        assert await ask(single) == ANSWER
    finally:
        await single.aclose()
    with pytest.raises(LLMUnavailable, match="WEBSEARCH_LLM_BASE_URL"):  # at startup, not at the first question
        build_llm(llm_config(Settings(_env_file=None, llm_base_url=" , ", llm_model="megrez")))


async def test_requests_one_after_another_take_turns_on_idle_servers(two):
    a, b = two
    llm = pool_of(a, b)
    try:
        for stream in (True, False, True, False):
            assert await ask(llm, stream=stream) == ANSWER
        assert (generated(a), generated(b)) == (2, 2)
    finally:
        await llm.aclose()


async def test_each_servers_counts_are_its_requests_and_failures_with_nothing_left_in_flight(two):
    """What /metrics shows per server (websearch_llm_endpoint_*), streamed requests and others alike."""
    a, b = two
    b.fail_with, b.fail_times = 503, 1
    llm = pool_of(a, b)
    try:
        assert await asyncio.gather(ask(llm), ask(llm)) == [ANSWER, ANSWER]  # b's 503 is retried on a
        assert await asyncio.gather(ask(llm, stream=False), ask(llm, stream=False)) == [ANSWER, ANSWER]  # b is down
        counts = {e.url: (e.requests, e.failures, e.outstanding, e.healthy) for e in llm.endpoints}
        assert counts == {a.base_url: (4, 0, 0, True), b.base_url: (1, 1, 0, False)}
        assert llm.usage_total.completion_tokens > 0  # every server's tokens add up to the pool's
    finally:
        await llm.aclose()


async def test_concurrent_requests_go_to_the_server_with_fewer_in_flight(two):
    a, b = two
    a.gate, b.gate = threading.Event(), threading.Event()  # every request stays in flight until let go
    llm = pool_of(a, b)
    try:
        wave = [asyncio.create_task(ask(llm)) for _ in range(8)]
        assert await asyncio.to_thread(wait_for, lambda: generated(a) + generated(b) == 8)
        assert (generated(a), generated(b)) == (4, 4)
        a.gate.set()
        b.gate.set()
        assert await asyncio.gather(*wave) == [ANSWER] * 8
        # One server is slow now: while its request runs, the next ones go to the other.
        a.gate.clear()
        b.gate.clear()
        slow = asyncio.create_task(ask(llm))
        assert await asyncio.to_thread(wait_for, lambda: generated(a) + generated(b) == 9)
        held, free = (a, b) if generated(a) == 5 else (b, a)
        free.gate.set()
        assert [await ask(llm, stream=False) for _ in range(3)] == [ANSWER] * 3
        assert (generated(held), generated(free)) == (5, 7)
        held.gate.set()
        assert await slow == ANSWER
    finally:
        a.gate.set()
        b.gate.set()
        await llm.aclose()


async def test_one_server_stopping_mid_run_loses_no_request(two):
    a, b = two
    a.delay_s = b.delay_s = 0.4
    llm = pool_of(a, b)
    try:
        first = await asyncio.gather(*(ask(llm) for _ in range(4)))
        assert generated(a) == 2 and generated(b) == 2
        # Four more in flight on both servers, then b goes away under them.
        wave = [asyncio.create_task(ask(llm, stream=i % 2 == 0)) for i in range(4)]
        await asyncio.sleep(0.15)
        await asyncio.to_thread(b.stop)
        second = await asyncio.gather(*wave)
        last = await asyncio.gather(*(ask(llm) for _ in range(4)))
        assert first + second + last == [ANSWER] * 12  # every request answered, none twice or in part
        assert generated(a) == 2 + 2 + 2 + 4  # b's two were retried on a, and the last wave went to a only
        assert list(llm.down()) == [b.base_url]
        await llm.health()  # still ready: one server serves
    finally:
        await llm.aclose()


async def test_a_server_answering_503_is_skipped_and_comes_back_after_its_cooldown(two):
    a, b = two
    b.fail_with, b.fail_times = 503, 1
    llm = pool_of(a, b, cooldown_s=0.3)
    try:
        assert await asyncio.gather(ask(llm), ask(llm)) == [ANSWER, ANSWER]
        assert list(llm.down()) == [b.base_url] and "503" in llm.down()[b.base_url]
        assert [await ask(llm) for _ in range(3)] == [ANSWER] * 3
        assert generated(b) == 1  # only the failed attempt: no traffic while it cools down
        await asyncio.sleep(0.35)
        await ask(llm)  # the cooldown is over: a health check runs in the background
        for _ in range(50):
            if not llm.down():
                break
            await asyncio.sleep(0.02)
        assert llm.down() == {}
        await asyncio.gather(*(ask(llm) for _ in range(4)))
        assert generated(b) >= 2  # b takes traffic again
    finally:
        await llm.aclose()


async def test_a_server_that_was_stopped_rejoins_when_it_is_back(two):
    a, b = two
    llm = pool_of(a, b, cooldown_s=0.2)
    port = b.port
    b.stop()
    try:
        assert [await ask(llm) for _ in range(3)] == [ANSWER] * 3
        assert b.base_url in llm.down()
        with ScriptedMegrez(port=port) as again:
            deadline = time.monotonic() + 5
            while llm.down() and time.monotonic() < deadline:
                await ask(llm)
                await asyncio.sleep(0.05)
            assert llm.down() == {}
            a.delay_s = again.delay_s = 0.2
            await asyncio.gather(*(ask(llm) for _ in range(4)))
            assert generated(again) >= 2
    finally:
        await llm.aclose()


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "not streamed"])
async def test_a_bad_request_is_not_retried_on_the_other_server(two, stream):
    """Streamed (the answer) or not (condense, related questions): a context overflow is the request's
    fault; no server is marked down for it, so the next conversation is served as usual."""
    a, b = two
    a.max_model_len = b.max_model_len = 20  # the prompt does not fit on either
    llm = pool_of(a, b)
    try:
        with pytest.raises(PromptTooLong):
            await ask(llm, stream=stream)
        assert generated(a) + generated(b) == 1
        assert llm.down() == {}  # the request was at fault, not the server
    finally:
        await llm.aclose()


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "not streamed"])
async def test_a_server_error_that_is_not_an_outage_is_not_retried_and_marks_nothing_down(two, stream):
    """A 500 is that request failing there, not the server gone (only 502/503/504, no connection, a
    timeout or a missing model are): not sent again elsewhere, and the server keeps its traffic."""
    a, b = two
    a.fail_with = b.fail_with = 500
    llm = pool_of(a, b)
    try:
        with pytest.raises(LLMError, match="HTTP 500"):
            await ask(llm, stream=stream)
        assert generated(a) + generated(b) == 1
        assert llm.down() == {}
    finally:
        await llm.aclose()


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "not streamed"])
async def test_every_server_answering_503_is_the_backend_unavailable_naming_each(two, stream):
    a, b = two
    a.fail_with = b.fail_with = 503
    llm = pool_of(a, b)
    try:
        with pytest.raises(LLMUnavailable) as failed:  # a 503 (service unavailable) API answer, not a bare error
            await ask(llm, stream=stream)
        assert f"{a.base_url}: HTTP 503" in failed.value.message and f"{b.base_url}: HTTP 503" in failed.value.message
        assert set(llm.down()) == {a.base_url, b.base_url}
    finally:
        await llm.aclose()


async def test_a_model_no_server_serves_is_model_not_found_naming_each(two):
    a, b = two
    llm = PooledLLM([OpenAIServerLLM(s.base_url, "no-such-model", timeout_s=10, connect_timeout_s=1) for s in two])
    try:
        with pytest.raises(ModelNotFound) as failed:  # the fix is WEBSEARCH_LLM_MODEL, not the servers
            await ask(llm)
        assert a.base_url in failed.value.message and b.base_url in failed.value.message
    finally:
        await llm.aclose()


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "not streamed"])
@pytest.mark.parametrize("route", [None, route_key("conversation-1", "secret")], ids=["no conversation", "a conversation"])
async def test_a_server_marked_down_is_the_last_resort_and_is_back_once_it_answers(two, stream, route):
    a, b = two
    b.fail_with, b.fail_times = 503, 1
    llm = pool_of(a, b)  # a 10 s cool-down: no health check brings b back meanwhile
    try:
        assert await asyncio.gather(ask(llm), ask(llm)) == [ANSWER, ANSWER]
        assert list(llm.down()) == [b.base_url]
        a.fail_with = 503  # now a is failing too; b, though marked down, answers
        if stream:
            assert "".join([piece async for piece in llm.chat_stream(ASK, PARAMS, route)]) == ANSWER
        else:
            assert (await llm.chat(ASK, PARAMS, route)).text == ANSWER
        assert list(llm.down()) == [a.base_url]
    finally:
        await llm.aclose()


async def test_with_every_server_down_the_error_and_health_name_each_one(two):
    a, b = two
    a.stop()
    b.stop()
    llm = pool_of(a, b)
    try:
        with pytest.raises(LLMUnavailable) as failed:
            await ask(llm)
        assert a.base_url in failed.value.message and b.base_url in failed.value.message
        with pytest.raises(LLMUnavailable) as unhealthy:
            await llm.health()
        assert a.base_url in unhealthy.value.message and b.base_url in unhealthy.value.message
    finally:
        await llm.aclose()


class _Stub:
    """An LLM whose stream yields `pieces`, then raises `fail` (if any). `health` counts the checks and,
    with `hang`, never answers (until cancelled); `aclose` is recorded, and raises `close_fails`."""

    def __init__(self, name: str, pieces: list[str], fail: Exception | None = None, *, hang: bool = False,
                 close_fails: Exception | None = None, health_fails: Exception | None = None):
        self.name = self.base_url = name
        self.pieces, self.fail, self.calls = pieces, fail, 0
        self.hang, self.close_fails, self.health_fails = hang, close_fails, health_fails
        self.checks, self.check_cancelled, self.closed = 0, False, False

    def chat_stream(self, messages, params, route=None) -> TextStream:
        self.calls += 1

        async def produce(result):
            for piece in self.pieces:
                yield piece
            if self.fail:
                raise self.fail

        return TextStream(produce)

    async def health(self) -> None:
        self.checks += 1
        if self.health_fails:
            raise self.health_fails
        if self.hang:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.check_cancelled = True
                raise

    async def aclose(self) -> None:
        self.closed = True
        if self.close_fails:
            raise self.close_fails


async def test_text_already_streamed_is_never_replayed_from_another_server():
    broken = _Stub("http://a/v1", ["The answer", " is"], LLMUnavailable("a", "connection lost"))
    spare = _Stub("http://b/v1", ["The answer is 5."])
    llm = PooledLLM([broken, spare])
    seen: list[str] = []
    with pytest.raises(LLMUnavailable):
        async for piece in llm.chat_stream(ASK, PARAMS):
            seen.append(piece)
    assert seen == ["The answer", " is"] and spare.calls == 0
    assert list(llm.down()) == ["http://a/v1"]
    # The next request starts on the healthy one.
    assert "".join([p async for p in llm.chat_stream(ASK, PARAMS)]) == "The answer is 5."


async def test_a_down_server_gets_one_health_check_at_a_time_a_healthy_one_none_and_closing_ends_them():
    down = _Stub("http://a/v1", [], LLMUnavailable("a", "connection refused"), hang=True, close_fails=OSError("reset"))
    up = _Stub("http://b/v1", ["5."])
    llm = PooledLLM([down, up], cooldown_s=0.0, check_timeout_s=600)  # no cool-down: each request may start a check
    assert "".join([p async for p in llm.chat_stream(ASK, PARAMS)]) == "5."  # a's turn: it fails, b answers
    assert list(llm.down()) == ["http://a/v1"]
    streams = [llm.chat_stream(ASK, PARAMS) for _ in range(3)]
    assert [await s.__anext__() for s in streams[:2]] == ["5.", "5."]  # two requests before the check starts
    for _ in range(3):
        await asyncio.sleep(0)  # the check starts (and waits: the server does not answer)
    assert await streams[2].__anext__() == "5."  # and one while it is running
    for _ in range(3):
        await asyncio.sleep(0)
    assert (down.checks, up.checks) == (1, 0)
    for stream in streams:
        await stream.aclose()
    await asyncio.wait_for(llm.aclose(), 10)  # the pending check is cancelled, not waited for; no error
    assert down.check_cancelled and down.closed and up.closed


def test_a_pool_refuses_a_load_factor_under_one_and_shows_each_server_without_its_credentials():
    servers = [_Stub("http://user:secret@gpu1:8000/v1", []), _Stub("http://gpu2:8000/v1", [])]
    with pytest.raises(ValueError, match="load_factor"):
        PooledLLM(servers, load_factor=0.99)
    llm = PooledLLM(servers, load_factor=1)  # 1: perfectly even, allowed
    assert [e.url for e in llm.endpoints] == ["http://***@gpu1:8000/v1", "http://gpu2:8000/v1"]
    assert "secret" not in llm.name
    # vLLM's own /metrics is read beside each server, so where it is reached keeps the credentials
    assert llm.endpoints[0].base_url == "http://user:secret@gpu1:8000/v1"


async def test_the_log_says_once_that_a_server_is_down_and_once_that_it_is_back(two, caplog):
    a, b = two
    b.fail_with, b.fail_times = 503, 1
    llm = pool_of(a, b)
    caplog.set_level(logging.WARNING, logger="websearch.llm.pool")
    try:
        assert await asyncio.gather(ask(llm), ask(llm)) == [ANSWER, ANSWER]  # b: 503, down
        a.fail_with = 503
        assert await ask(llm) == ANSWER  # a down; b, the last resort, answers: back
        a.fail_with = None
        assert [await ask(llm) for _ in range(3)] == [ANSWER] * 3  # b, healthy: nothing more to say
        said = [r.getMessage() for r in caplog.records if r.name == "websearch.llm.pool"]
        assert [m.split(" is ")[1].split(" ")[0] for m in said] == ["down", "down", "back"]
        assert said[0].startswith(f"LLM endpoint {b.base_url} is down") and said[2] == f"LLM endpoint {b.base_url} is back"
    finally:
        await llm.aclose()


async def test_readiness_checks_every_server_before_any_request_has_been_sent():
    gone = _Stub("http://a/v1", [], health_fails=LLMUnavailable("a", "cannot connect"))
    llm = PooledLLM([gone, _Stub("http://b/v1", [])])
    await llm.health()  # ready: one server answers
    assert list(llm.down()) == ["http://a/v1"]
    alone = PooledLLM([gone, _Stub("http://c/v1", [], health_fails=LLMUnavailable("c", "cannot connect"))])
    with pytest.raises(LLMUnavailable, match="http://c/v1"):
        await alone.health()
