"""Best of n (WEBSEARCH_ANSWER_SAMPLES): a non-streamed answer is sampled n times in one batched
request and the best-supported sample is kept; a streamed answer is never sampled."""

from __future__ import annotations

import httpx
import pytest

from testkit.app_server import ServedApp
from testkit.megrez import ScriptedMegrez, function_call
from testkit.settings import make_settings

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
SENTENCE = "The Aurora Bridge cost 420 million euros, according to the final accounts published by the city's public works department"
SAMPLES = [
    "The Aurora Bridge cost 495 million euros [citation:1].",  # a number no page has
    "The bridge was designed by Halvard Brekke [citation:2]. " + SENTENCE + " [citation:3].",  # both cited wrongly
    SENTENCE + " [citation:1].",  # held by its source
]


def test_the_best_supported_of_n_samples_is_kept(local_web, megrez):
    megrez.script = [function_call("Aurora Bridge Veldmark cost"), *SAMPLES]
    with ServedApp(make_settings(local_web, megrez, answer_samples=3)) as app:
        body = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=60).json()
    batch = next(r["body"] for r in megrez.requests if r["path"] == "/v1/completions")
    assert len(batch["prompt"]) == 3 and len(set(batch["prompt"])) == 1  # one request, one prompt n times
    assert batch["temperature"] == 0.7
    bridge = next(s["index"] for s in body["sources"] if "aurora-bridge" in s["url"])
    assert bridge == 1 and body["answer"] == SENTENCE + " [1]."
    assert [c["support"] for c in body["claims"]] == ["supported"]


def test_a_streamed_answer_is_not_sampled(local_web, megrez):
    with ServedApp(make_settings(local_web, megrez, answer_samples=3)) as app:
        with httpx.stream("POST", f"{app.base_url}/v1/answer", json={"question": QUESTION, "stream": True}, timeout=60) as r:
            assert r.status_code == 200 and "event: done" in r.read().decode()
    assert not [r for r in megrez.requests if r["path"] == "/v1/completions"]


def test_two_samples_are_two_and_the_better_supported_is_kept(local_web, megrez):
    megrez.script = [function_call("Aurora Bridge Veldmark cost"), SAMPLES[0], SAMPLES[2]]
    with ServedApp(make_settings(local_web, megrez, answer_samples=2)) as app:
        body = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=60).json()
    batch = next(r["body"] for r in megrez.requests if r["path"] == "/v1/completions")
    assert len(batch["prompt"]) == 2
    assert body["answer"] == SENTENCE + " [1]." and "495" not in body["answer"]


@pytest.mark.parametrize("mode, model", [("tools", "Qwen/Qwen2.5-7B-Instruct"), ("plain", "google/gemma-2-2b-it")])
def test_a_model_that_cannot_batch_is_asked_once_in_its_own_chat_format(local_web, mode, model):
    """Best of n is one batched request rendered in Megrez's own template: a model served with its own
    chat template (tools, plain) would read Megrez's tokens. It is asked for its answer as a chat
    request, whatever answer_samples says."""
    with ScriptedMegrez(mode=mode, model=model) as server:
        with ServedApp(make_settings(local_web, server, llm_protocol=mode, answer_samples=3)) as app:
            body = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=60).json()
        paths = [r["path"] for r in server.requests]
    assert "420 million" in body["answer"] and body["sources"]
    assert "/v1/completions" not in paths, paths
