"""Checked citations on the OpenAI-compatible surface (the official `openai` client): the markers a
client sees are the repaired ones, and each `url_citation` annotation spans its marker exactly."""

from __future__ import annotations

import re

import openai
import pytest

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"


def ask(app, question: str = QUESTION, **kwargs):
    client = openai.OpenAI(base_url=app.base_url + "/v1", api_key="unused", max_retries=0, timeout=60)
    return client.chat.completions.create(model="megrez-websearch", messages=[{"role": "user", "content": question}], **kwargs)


def annotated(response) -> list[tuple[str, str]]:
    message = response.choices[0].message
    return [(message.content[a.url_citation.start_index : a.url_citation.end_index], a.url_citation.url) for a in message.annotations]


@pytest.mark.parametrize("question, page", [(QUESTION, "aurora-bridge"), ("青川大桥的总投资是多少？", "qingchuan-bridge")])
def test_a_wrong_citation_reaches_the_client_re_pointed_with_exact_annotations(app, megrez, question, page):
    megrez.careless = ["wrong_page"]
    response = ask(app, question)
    content = response.choices[0].message.content
    citations = response.model_extra["citations"]
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", content)]
    assert markers and all(page in citations[n - 1] for n in markers)
    assert annotated(response) == [(f"[{n}]", citations[n - 1]) for n in markers]


def test_an_unsupported_claim_reaches_the_client_unmarked(app, megrez):
    megrez.careless = ["unsupported"]
    response = ask(app)
    content = response.choices[0].message.content
    assert "427 million" in content and not re.search(r"\[\d+\]", content)
    assert response.choices[0].message.annotations == []


def test_annotations_stay_exact_when_a_removed_marker_precedes_a_kept_one(app, megrez):
    megrez.careless = ["unsupported", "correct"]
    response = ask(app, "When did the Aurora Bridge open and how much did it cost?")
    content = response.choices[0].message.content
    assert "427 million euros" in content.split("[")[0]  # the first claim lost its marker, the text before moved
    notes = annotated(response)
    assert len(notes) == 1
    text, url = notes[0]
    assert re.fullmatch(r"\[\d+\]", text) and "aurora" in url and content.endswith(text + ".")


def test_a_paraphrased_citation_streams_unchanged_and_matches_the_plain_answer(app, megrez):
    megrez.careless = ["paraphrase"]
    plain = ask(app).choices[0].message.content
    chunks = list(ask(app, stream=True))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == plain and "420,000,000 euros" in plain and re.search(r"\[\d+\]\.$", plain)
