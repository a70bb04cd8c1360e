"""Condensing long pages: one batched model request for all pages, notes the answer cites."""

from __future__ import annotations

import httpx

import testkit.megrez as scripted
from testkit.settings import make_settings
from testkit.app_server import ServedApp

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"


def ask(settings) -> dict:
    with ServedApp(settings) as app:
        return httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=60).json()


def answer_observation(megrez) -> str:
    return next(
        body["messages"][-1]["content"]
        for body in megrez.bodies("/v1/chat/completions")
        if body["messages"][-1]["role"] == "observation"
    )


def test_long_pages_are_condensed_in_one_batched_request(local_web, megrez):
    body = ask(make_settings(local_web, megrez, condense=True, context_tokens=300, source_tokens=120))
    batched = [r for r in megrez.requests if r["path"] == "/v1/completions"]
    assert len(batched) == 1  # every page in one request
    prompts = batched[0]["body"]["prompt"]
    assert isinstance(prompts, list) and len(prompts) >= 2
    assert all(p.startswith("<|role_start|>system<|role_end|>") for p in prompts)
    # the answer read the notes (the page's cost sentence, copied out), and cites that page
    assert "The Aurora Bridge cost 420 million euros" in answer_observation(megrez)
    assert "420 million" in body["answer"]
    assert any("aurora-bridge" in c["url"] for c in body["citations"])


def test_condensing_is_skipped_when_everything_fits(local_web, megrez):
    ask(make_settings(local_web, megrez, condense=True, context_tokens=100_000))
    assert not [r for r in megrez.requests if r["path"] == "/v1/completions"]


def test_a_failed_condense_still_answers_from_the_passages(local_web, megrez):
    megrez.fail_with, megrez.fail_path = 500, "/v1/completions"  # the batched condense request fails
    megrez.fail_body = scripted.vllm_error(500, "engine dead")
    body = ask(make_settings(local_web, megrez, condense=True, context_tokens=300, source_tokens=120))
    # the condense request was made (and failed): the answer came from the passages instead
    batched = [r for r in megrez.requests if r["path"] == "/v1/completions"]
    assert len(batched) == 1 and len(batched[0]["body"]["prompt"]) >= 2
    assert "420 million" in body["answer"]
    assert body["citations"]
    assert "420 million" in answer_observation(megrez)
