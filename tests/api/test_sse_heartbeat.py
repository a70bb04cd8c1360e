"""An event stream idle behind a slow model still carries traffic: a `: heartbeat` comment every
`sse_heartbeat_s` (15 s by default; short here), which proxies count as activity and every SSE client
skips: our stream format, the web chat's parser and the official OpenAI SDK. English and Chinese."""

from __future__ import annotations


import httpx
import openai
import pytest

from agent.settings import Settings
from api.sse import HEARTBEAT
from testkit import sse
from testkit.app_server import ServedApp
from testkit.settings import make_settings

HEARTBEAT_S = 0.2
MODEL_DELAY_S = 1.5  # each model call takes this long before its first token: the stream sits idle


@pytest.fixture
def slow_app(local_web, megrez):
    megrez.delay_s = MODEL_DELAY_S
    with ServedApp(make_settings(local_web, megrez, sse_heartbeat_s=HEARTBEAT_S)) as served:
        yield served


def test_the_heartbeat_is_15_seconds_by_default_and_an_sse_comment():
    assert Settings(_env_file=None).sse_heartbeat_s == 15.0
    assert HEARTBEAT.startswith(b":") and HEARTBEAT.endswith(b"\n\n")


@pytest.mark.parametrize(
    ("question", "expected"),
    [("How much did the Aurora Bridge in Veldmark cost?", "420 million"), ("青川大桥的总投资是多少？", "56")],
)
def test_a_stream_idle_behind_a_slow_model_gets_heartbeats_and_still_answers(slow_app, question, expected):
    lines: list[str] = []
    with httpx.stream(
        "POST", f"{slow_app.base_url}/v1/answer", json={"question": question, "stream": True}, timeout=120
    ) as response:
        assert response.status_code == 200
        lines = list(response.iter_lines())
    events = sse.events(lines)
    first_text = lines.index("event: delta") if "event: delta" in lines else len(lines)
    beats_before_text = lines[:first_text].count(HEARTBEAT.decode().strip())
    # The model took MODEL_DELAY_S per call before any text: the stream was not silent meanwhile.
    assert beats_before_text >= 2, lines[:20]
    assert events[-1][0] == "done" and expected in events[-1][1]["answer"]
    assert "".join(d["text"] for n, d in events if n == "delta") == events[-1][1]["answer"]


def test_the_openai_sdk_reads_a_stream_with_heartbeats(slow_app):
    client = openai.OpenAI(base_url=slow_app.base_url + "/v1", api_key="x", max_retries=0, timeout=120)
    raw: list[str] = []
    with httpx.stream(
        "POST",
        f"{slow_app.base_url}/v1/chat/completions",
        json={"model": "megrez", "stream": True, "messages": [{"role": "user", "content": "青川大桥的总投资是多少？"}]},
        timeout=120,
    ) as response:
        raw = list(response.iter_lines())
    assert HEARTBEAT.decode().strip() in raw  # the wire carries them …
    stream = client.chat.completions.create(
        model="megrez", stream=True, messages=[{"role": "user", "content": "How much did the Aurora Bridge in Veldmark cost?"}]
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert "420 million" in text  # … and the SDK skips them


def test_a_fast_stream_sends_no_heartbeat(local_web, megrez):
    with ServedApp(make_settings(local_web, megrez, sse_heartbeat_s=60.0)) as served:
        with httpx.stream(
            "POST", f"{served.base_url}/v1/answer", json={"question": "How much did the Aurora Bridge in Veldmark cost?", "stream": True}, timeout=60
        ) as response:
            body = response.read().decode()
    assert HEARTBEAT.decode() not in body and "event: done" in body
