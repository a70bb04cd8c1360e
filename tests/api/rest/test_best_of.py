"""Best of n (WEBSEARCH_ANSWER_SAMPLES): a non-streamed answer is sampled n times in one batched
request and the best-supported sample is kept; a streamed answer is never sampled."""

from __future__ import annotations

import httpx

from testkit.app_server import ServedApp
from testkit.megrez import function_call
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
