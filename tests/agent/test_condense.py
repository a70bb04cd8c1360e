"""Condensing long pages: one batched model request for all pages, notes the answer cites."""

from __future__ import annotations

import re

import httpx
import pytest

import testkit.megrez as scripted
import testkit.megrez.behaviour as behaviour
from core.tokens import count_tokens
from testkit.megrez import parse_contexts
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



def condense_requests(megrez) -> list[str]:
    """The prompts of the batched condense request (one a page), if one was made."""
    return [p for r in megrez.requests if r["path"] == "/v1/completions" for p in r["body"]["prompt"]]


def test_condensing_is_off_unless_turned_on_even_when_the_pages_do_not_fit(local_web, megrez):
    body = ask(make_settings(local_web, megrez, context_tokens=300, source_tokens=120))
    assert condense_requests(megrez) == []  # no extra model round before the answer's first token
    assert "420 million" in body["answer"]


def test_a_page_the_model_finds_nothing_on_is_left_out_and_the_rest_numbered_from_one(local_web, megrez, monkeypatch):
    copied = behaviour.condensed_page
    monkeypatch.setattr(behaviour, "condensed_page", lambda prompt: "NONE" if "Metro Line 4" in prompt else copied(prompt))
    body = ask(make_settings(local_web, megrez, condense=True, context_tokens=300, source_tokens=120))
    assert len(condense_requests(megrez)) == 3  # the metro page was sent to be condensed, and had nothing
    contexts = parse_contexts(answer_observation(megrez))
    assert [c["n"] for c in contexts] == [1, 2] and [s["index"] for s in body["sources"]] == [1, 2]
    assert not any("veldmark-metro" in c["url"] or "NONE" in c["text"] for c in contexts)
    assert "420 million" in body["answer"]


@pytest.mark.parametrize("source_tokens, words", [(120, 60), (60, 40)])
def test_notes_are_asked_for_in_half_a_sources_tokens_in_words_never_fewer_than_40(local_web, megrez, source_tokens, words):
    ask(make_settings(local_web, megrez, condense=True, context_tokens=300, source_tokens=source_tokens))
    prompts = condense_requests(megrez)
    assert prompts and all(f"at most {words} words in all" in p for p in prompts)


def test_relevant_text_of_exactly_the_budget_fits_and_is_not_condensed(local_web, megrez):
    ask(make_settings(local_web, megrez, condense=True, context_tokens=300, source_tokens=120))
    pages = [re.search(r"\nPage: [^\n]*\n(.*)\n\nCopy out the sentences", p, re.S).group(1) for p in condense_requests(megrez)]
    relevant = sum(count_tokens(text) for text in pages)  # each long page's relevant text, as sent
    megrez.reset()
    ask(make_settings(local_web, megrez, condense=True, context_tokens=relevant))
    assert condense_requests(megrez) == []
    megrez.reset()
    ask(make_settings(local_web, megrez, condense=True, context_tokens=relevant - 1))
    assert len(condense_requests(megrez)) == 3


def test_every_page_read_is_condensed_each_from_its_own_share_of_the_input(local_web, megrez):
    ask(make_settings(local_web, megrez, condense=True, context_tokens=120, source_tokens=60, condense_input_tokens=100))
    prompts = condense_requests(megrez)
    assert len(prompts) == 3  # each of the three pages read, not only as many as one page's share holds
