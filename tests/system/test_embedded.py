"""The default deployment: the embedded llama.cpp model (the real SmolLM2 GGUF) behind the real app."""

from __future__ import annotations


import pytest

from testkit.skips import missing
from testkit.settings import make_settings
from testkit import sse
from testkit.app_server import ServedApp
from testkit.models import embedded_model_missing, smollm2_gguf


@pytest.fixture
def embedded_app(local_web, megrez):
    if reason := embedded_model_missing():
        missing(reason)
    settings = make_settings(
        local_web,
        megrez,
        llm_base_url=None,  # no server: the embedded backend
        llm_gguf=str(smollm2_gguf()),
        llm_context_tokens=4096,
        context_tokens=300,
        source_tokens=150,
        answer_max_tokens=48,
        decide_max_tokens=32,
    )
    with ServedApp(settings) as app:
        yield app


def test_embedded_model_answers_and_its_answer_starts_before_the_related_questions(embedded_app):
    names = sse.stream_answer(
        embedded_app.base_url, question="How much did the Aurora Bridge in Veldmark cost?", search="always", timeout=120
    )
    events = [n for n, _ in names]
    assert events[-1] == "done", names[-1]
    done = names[-1][1]
    assert done["searched"] is True and done["sources"] and done["answer"]
    # One model, one reply at a time: the answer's first words come before the related questions.
    assert "delta" in events and "related" in events
    assert events.index("delta") < events.index("related")
    assert "".join(d["text"] for n, d in names if n == "delta") == done["answer"]
