"""Running more than one: replicas on one Redis, several vLLM endpoints, and shutting down cleanly."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
import redis

from agent.state import Turn
from testkit.settings import make_settings
from testkit import sse
from testkit.app_server import ServedApp
from testkit.megrez import ScriptedMegrez

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
FOLLOW_UP = "And when did it open?"


@pytest.fixture
def shared(local_web, megrez, redis_url):
    """Settings for replicas that share one Redis."""
    return make_settings(local_web, megrez, redis_url=redis_url)


def ask(app: ServedApp, **body) -> dict:
    response = httpx.post(f"{app.base_url}/v1/answer", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def saved_turns(redis_url: str, conversation_id: str) -> list[Turn]:
    raw = redis.Redis.from_url(redis_url).lrange(f"ws:conv:{conversation_id}", 0, -1)
    return [Turn.model_validate_json(item) for item in raw]


def test_two_replicas_on_one_redis_continue_each_others_conversations(shared, megrez):
    with ServedApp(shared) as a, ServedApp(shared) as b:
        first = ask(a, question=QUESTION)
        conversation_id = first["conversation_id"]
        megrez.requests.clear()
        follow = ask(b, question=FOLLOW_UP, conversation_id=conversation_id)
        # B's prompt to the model holds A's exchange, so the follow-up's search is about the bridge.
        decide = megrez.bodies("/v1/chat/completions")[0]["messages"]
        said = [(m["role"], m["content"]) for m in decide]
        assert ("user", QUESTION) in said and said[-1] == ("user", FOLLOW_UP)
        earlier_answer = first["answer"].split("[")[0].strip()
        assert any(role == "assistant" and earlier_answer in content for role, content in said)
        assert "Aurora Bridge" in follow["queries"][0]
        for replica in (a, b):
            turns = httpx.get(f"{replica.base_url}/v1/conversations/{conversation_id}", timeout=10).json()["turns"]
            assert [t["question"] for t in turns] == [QUESTION, FOLLOW_UP]
            assert [t["answer"] for t in turns] == [first["answer"], follow["answer"]]


def test_readiness_with_two_model_servers_names_the_dead_one_and_answers_go_on(local_web, megrez):
    with ScriptedMegrez() as other:
        settings = make_settings(local_web, megrez, llm_base_url=f"{megrez.base_url},{other.base_url}")
        with ServedApp(settings) as app:
            assert httpx.get(f"{app.base_url}/readyz", timeout=10).json()["status"] == "ready"
            other.stop()
            ready = httpx.get(f"{app.base_url}/readyz", timeout=10)
            assert ready.status_code == 200 and list(ready.json()["llm_down"]) == [other.base_url]
            answers = [ask(app, question=QUESTION)["answer"] for _ in range(3)]
            assert all("[1]" in answer for answer in answers)
            metrics = httpx.get(f"{app.base_url}/metrics", timeout=10).text
            assert f'websearch_llm_endpoint_up{{endpoint="{other.base_url}"}} 0.0' in metrics
            assert f'websearch_llm_endpoint_up{{endpoint="{megrez.base_url}"}} 1.0' in metrics
            assert f'websearch_llm_metrics_up{{endpoint="{megrez.base_url}"}} 1.0' in metrics
            megrez.stop()
            down = httpx.get(f"{app.base_url}/readyz", timeout=10)
            assert down.status_code == 503
            message = down.json()["error"]["message"]
            assert megrez.base_url in message and other.base_url in message


class Stream:
    """A streamed answer read in a thread: `events` fill in as they arrive."""

    def __init__(self, app: ServedApp, **body) -> None:
        self.events: list[tuple[str, dict]] = []
        self.first_delta = threading.Event()
        self.ended = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(app, body), daemon=True)
        self._thread.start()

    def _read(self, app: ServedApp, body: dict) -> None:
        try:
            with httpx.stream("POST", f"{app.base_url}/v1/answer", json={**body, "stream": True}, timeout=60) as r:
                for name, data in sse.iter_events(r.iter_lines()):
                    self.events.append((name, data))
                    if name == "delta":
                        self.first_delta.set()
        finally:
            self.ended.set()

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.events]


def test_shutdown_turns_readiness_off_and_lets_a_stream_in_flight_finish(shared, megrez, redis_url):
    megrez.chunk_delay_s = 0.03  # the answer streams for a second or more
    app = ServedApp(shared.model_copy(update={"shutdown_grace_s": 30.0}))
    with app:
        stream = Stream(app, question=QUESTION)
        assert stream.first_delta.wait(15)
        app.begin_shutdown()  # what SIGTERM does
        time.sleep(0.1)
        for path in ("/readyz", "/readyz/shallow"):  # the probe's and the dashboards'
            ready = httpx.get(f"{app.base_url}{path}", timeout=5)
            assert ready.status_code == 503 and ready.json()["error"]["code"] == "shutting_down"
        refused = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=5)
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "shutting_down"
        assert httpx.get(f"{app.base_url}/healthz", timeout=5).status_code == 200  # alive while draining
        assert not stream.ended.is_set()  # the drain is waiting for it
        assert stream.ended.wait(30)
        assert app.wait_stopped(10)  # and then the server exits on its own
    assert stream.names[-1] == "done" and "error" not in stream.names
    done = stream.events[-1][1]
    [turn] = saved_turns(redis_url, done["conversation_id"])  # the id the server made
    assert turn.question == QUESTION and turn.answer == done["answer"]


def test_requests_still_running_when_the_grace_period_ends_are_ended_cleanly(shared, megrez, redis_url):
    megrez.chunk_delay_s = 0.05  # the answer streams for about 2 s, the grace period is 0.3 s
    app = ServedApp(shared.model_copy(update={"shutdown_grace_s": 0.3}))
    with app:
        stream = Stream(app, question=QUESTION)
        assert stream.first_delta.wait(15)
        # From here the model stalls (10 min a chunk; it stops at once when its client goes away):
        # neither request can finish on its own however slow the machine, so only the grace period
        # can end them.
        megrez.chunk_delay_s = 600
        plain: dict = {}
        thread = threading.Thread(
            target=lambda: plain.update(
                response=httpx.post(
                    f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=30
                )
            )
        )
        thread.start()
        # In flight, not merely sent: the shutdown begins once the plain request is at the model (its
        # first streamed call, after the stream's two), else it would be refused at the door with
        # the same 503 and never be one of the requests the grace period has to end.
        assert megrez.wait_for(lambda: len(megrez.streams) >= 3, timeout=15)
        app.begin_shutdown()
        assert stream.ended.wait(10)
        thread.join(10)
        assert not thread.is_alive() and app.wait_stopped(10)
    assert stream.names[-1] == "error" and "done" not in stream.names
    assert stream.events[-1][1]["code"] == "shutting_down"
    assert stream.events[-1][1]["kind"] == "unavailable" and stream.events[-1][1]["status"] == 503
    assert plain["response"].status_code == 503 and plain["response"].json()["error"]["code"] == "shutting_down"
    # Neither turn was saved, and nothing half-written was left in its place.
    assert redis.Redis.from_url(redis_url).keys("ws:conv:*") == []  # (the ids are the server's: none stored at all)
    assert megrez.wait_for(lambda: megrez.disconnects >= 2, timeout=10)  # the model stopped generating for both


def test_an_openai_stream_cut_off_at_shutdown_ends_with_an_error_chunk_in_its_own_format(shared, megrez):
    megrez.chunk_delay_s = 0.05  # the answer streams for about 2 s, the grace period is 0.3 s
    app = ServedApp(shared.model_copy(update={"shutdown_grace_s": 0.3}))
    chunks: list[str] = []
    first_text, ended = threading.Event(), threading.Event()

    def read() -> None:
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
        try:
            with httpx.stream("POST", f"{app.base_url}/v1/chat/completions", json=body, timeout=60) as r:
                for _, data in sse.blocks(r.iter_lines()):
                    chunks.append(data)
                    choices = json.loads(data).get("choices") if data.startswith("{") else None
                    if choices and choices[0]["delta"].get("content"):
                        first_text.set()
        finally:
            ended.set()

    with app:
        threading.Thread(target=read, daemon=True).start()
        assert first_text.wait(15)
        app.begin_shutdown()
        assert ended.wait(10)
        assert app.wait_stopped(10)
    assert "[DONE]" not in chunks
    error = json.loads(chunks[-1])["error"]  # OpenAI's shape, not our `event: error`
    assert error["code"] == "shutting_down" and error["type"] == "server_error"
