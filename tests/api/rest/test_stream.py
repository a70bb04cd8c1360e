"""Streaming answers: the events a client sees, markers whole, cancellation on disconnect."""

from __future__ import annotations


import httpx
import pytest

from testkit import sse
from testkit.settings import make_settings
from testkit.sse import deltas
from testkit.app_server import ServedApp, free_port

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"


def stream(app, **body) -> list[tuple[str, dict]]:
    return sse.stream_answer(app.base_url, **body)


def test_streamed_and_plain_answers_agree(app):
    plain = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=60).json()
    events = stream(app, question=QUESTION)
    done = events[-1]
    assert done[0] == "done"
    assert deltas(events) == done[1]["answer"] == plain["answer"]
    assert done[1]["citations"] == plain["citations"]
    assert [s["url"] for s in done[1]["sources"]] == [s["url"] for s in plain["sources"]]


def test_events_arrive_in_the_order_a_reader_needs(app):
    events = stream(app, question=QUESTION)
    names = [name for name, _ in events]
    assert names[0] == "status" and events[0][1]["stage"] == "deciding"
    stages = [data["stage"] for name, data in events if name == "status"]
    assert stages == ["deciding", "searching", "reading", "answering"]
    assert names.index("queries") < names.index("sources") < names.index("delta")
    assert names[-1] == "done" and names.count("done") == 1
    sources = next(data for name, data in events if name == "sources")["sources"]
    assert sources and set(sources[0]) == {"index", "url", "title", "snippet"}


def test_status_events_carry_typed_fields_not_text(app):
    events = stream(app, question=QUESTION)
    status = {data["stage"]: data for name, data in events if name == "status"}
    queries = next(data for name, data in events if name == "queries")
    sources = next(data for name, data in events if name == "sources")
    # The searching step names its queries as a list: the same list the queries event carries.
    assert isinstance(status["searching"]["queries"], list) and status["searching"]["queries"]
    assert status["searching"]["queries"] == queries["queries"]
    assert "detail" not in status["searching"]
    # Counts are numbers: pages being read, sources the answer reads (as many as were sent).
    assert isinstance(status["reading"]["pages"], int) and status["reading"]["pages"] > 0
    assert status["answering"]["sources"] == len(sources["sources"])
    assert status["deciding"]["queries"] == [] and status["deciding"]["pages"] is None
    # Every event of the search belongs to its round.
    assert {status[s]["round"] for s in status} == {1} and queries["round"] == 1 and sources["round"] == 1


def test_condensing_is_its_own_stage_with_a_page_count(local_web, megrez):
    settings = make_settings(local_web, megrez, condense=True, context_tokens=300, source_tokens=120)
    with ServedApp(settings) as app:
        events = stream(app, question=QUESTION)
    stages = [data["stage"] for name, data in events if name == "status"]
    assert stages == ["deciding", "searching", "reading", "condensing", "answering"]
    condensing = next(data for name, data in events if name == "status" and data["stage"] == "condensing")
    assert isinstance(condensing["pages"], int) and condensing["pages"] > 0
    assert events[-1][0] == "done"


def test_a_direct_answer_streams_without_any_search(app, local_web):
    before = len(local_web.search_requests)
    events = stream(app, question="Hello there!")
    names = [name for name, _ in events]
    assert "delta" in names and "sources" not in names and "queries" not in names
    assert deltas(events) == events[-1][1]["answer"]
    assert len(local_web.search_requests) == before


@pytest.mark.parametrize("chunk_chars", [1, 2, 3, 5, 7])
@pytest.mark.parametrize("style", ["canonical", "spaced", "leading_space"])
def test_markers_split_across_chunks_reach_the_client_whole(app, megrez, chunk_chars, style):
    megrez.chunk_chars = chunk_chars
    megrez.citation_style = style
    megrez.inject_bad_citation = True  # an out-of-range [citation:99] must never be shown
    events = stream(app, question=QUESTION)
    shown = [data["text"] for name, data in events if name == "delta"]
    text = "".join(shown)
    assert "citation" not in text and "99" not in text
    assert "[1]" in text
    for piece in shown:  # no delta carries half a marker
        assert piece.count("[") == piece.count("]")
    assert text == events[-1][1]["answer"]


def test_disconnecting_mid_stream_stops_the_model_request(app, megrez):
    megrez.chunk_delay_s = 0.05
    megrez.chunk_chars = 1
    with httpx.stream("POST", f"{app.base_url}/v1/answer", json={"question": "Hello there!", "stream": True}) as r:
        for line in r.iter_lines():
            if line.startswith("event: delta"):
                break  # the reader leaves after the first words
    assert megrez.wait_for_disconnects(1, timeout=10)
    record = megrez.streams[-1]
    assert record["disconnected"] and not record["completed"]


def test_a_backend_failure_mid_stream_is_an_error_event(local_web, megrez):
    port = free_port()
    with ServedApp(make_settings(local_web, megrez, llm_base_url=f"http://127.0.0.1:{port}/v1")) as app:
        events = stream(app, question=QUESTION)
    name, data = events[-1]
    assert name == "error"
    assert data["code"] == "llm_unavailable" and f"127.0.0.1:{port}" in data["message"]
    # The error is typed: what kind of failure, the status the surface chose, the backend at fault.
    assert data["kind"] == "unavailable" and data["status"] == 503 and data["part"] == "model"
    assert data["backend"] and f"127.0.0.1:{port}" in data["backend"]


def test_chinese_answer_streams_in_chinese(app):
    events = stream(app, question="青川大桥的总投资是多少？")
    text = deltas(events)
    assert "56 亿元" in text and "[1]" in text
    assert text == events[-1][1]["answer"]


def test_related_questions_arrive_as_an_event_and_in_done(app):
    events = stream(app, question=QUESTION)
    related = [data["related"] for name, data in events if name == "related"]
    assert related and len(related[0]) == 3
    assert all("Aurora Bridge" in q for q in related[0])
    assert events[-1][1]["related"] == related[0]
    names = [name for name, _ in events]
    assert names.index("related") < names.index("done")


def test_words_shown_before_a_search_call_stay_in_the_final_answer(app, megrez):
    from testkit.megrez import function_call

    megrez.script = ["Let me look that up. " + function_call("Aurora Bridge Veldmark cost")]
    events = stream(app, question=QUESTION)
    done = events[-1][1]
    assert done["searched"] is True
    assert done["answer"].startswith("Let me look that up.")
    assert "420 million" in done["answer"]
    assert deltas(events) == done["answer"]


def test_search_never_does_not_follow_a_stray_call(app, megrez, local_web):
    from testkit.megrez import function_call

    before = len(local_web.search_requests)
    megrez.script = ["Sure. " + function_call("Aurora Bridge cost") + " and more"]
    events = stream(app, question=QUESTION, search="never")
    done = events[-1][1]
    assert done["searched"] is False and done["sources"] == []
    assert len(local_web.search_requests) == before
    assert deltas(events) == done["answer"] == "Sure."
