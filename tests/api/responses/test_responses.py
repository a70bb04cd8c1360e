"""OpenAI's Responses API with the `web_search` tool, driven by the official `openai` SDK
(`responses.create`, `responses.stream`) as an existing app or the Agents SDK would."""

from __future__ import annotations

import re

import openai
import pytest

from testkit.app_server import ServedApp
from testkit.settings import make_settings

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
WEB = [{"type": "web_search"}]


def client(app, api_key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=app.base_url + "/v1", api_key=api_key, max_retries=0, timeout=60)


def create(app, input=QUESTION, *, api_key: str = "unused", **kwargs):
    kwargs.setdefault("tools", WEB)
    return client(app, api_key).responses.create(model="gpt-4.1", input=input, **kwargs)


def calls(response) -> list:
    return [item for item in response.output if item.type == "web_search_call"]


def check_annotations(text: str, notes: list) -> None:
    assert notes
    for note in notes:
        assert note.type == "url_citation" and note.url.startswith("http://") and note.title
        assert re.fullmatch(r"\[\d+\]", text[note.start_index : note.end_index])  # the marker's exact span


def test_web_search_call_then_a_cited_message(app):
    response = create(app)
    assert response.status == "completed" and response.id.startswith("resp_")
    [call] = calls(response)
    assert call.status == "completed" and call.action.type == "search" and "Aurora Bridge" in call.action.query
    message = response.output[-1]
    assert message.type == "message" and message.role == "assistant" and message.status == "completed"
    [part] = message.content
    assert part.type == "output_text" and "420 million" in part.text
    assert response.output_text == part.text
    check_annotations(part.text, part.annotations)
    assert any("aurora-bridge" in note.url for note in part.annotations)
    assert response.usage.output_tokens > 0 and response.usage.total_tokens > response.usage.output_tokens


def test_include_sources_lists_each_searchs_pages(app):
    response = create(app, include=["web_search_call.action.sources"])
    [call] = calls(response)
    urls = [source.url for source in call.action.sources]
    assert any("aurora-bridge" in url for url in urls)
    cited = {note.url for note in response.output[-1].content[0].annotations}
    assert cited <= set(urls)


@pytest.mark.parametrize("options", [{"tools": []}, {"tool_choice": "none"}])
def test_without_the_tool_or_with_tool_choice_none_nothing_is_searched(app, local_web, options):
    before = len(local_web.search_requests)
    response = create(app, "Hello there!", **options)
    assert len(local_web.search_requests) == before
    assert calls(response) == [] and response.output_text


def test_stream_events_as_the_sdk_expects(app):
    plain = create(app)
    with client(app).responses.stream(model="gpt-4.1", input=QUESTION, tools=WEB) as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [event.type for event in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    for kind in ("response.web_search_call.searching", "response.output_text.delta", "response.output_text.annotation.added"):
        assert kind in kinds
    # the search call finishes before the words begin; annotations come after the last word
    assert kinds.index("response.web_search_call.completed") < kinds.index("response.output_text.delta")
    assert kinds.index("response.output_text.annotation.added") > max(
        i for i, kind in enumerate(kinds) if kind == "response.output_text.delta"
    )
    assert [e.sequence_number for e in events] == list(range(1, len(events) + 1))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == final.output_text == plain.output_text
    check_annotations(final.output_text, final.output[-1].content[0].annotations)
    added = [e.annotation for e in events if e.type == "response.output_text.annotation.added"]
    assert [a.url for a in added] == [n.url for n in final.output[-1].content[0].annotations]


def test_stream_with_create_and_no_search(app):
    events = list(create(app, "Hello there!", stream=True, tools=[]))
    assert events[-1].type == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text and text == events[-1].response.output_text


def test_previous_response_id_continues_the_conversation(app, megrez):
    first = create(app, "When did the Aurora Bridge in Veldmark open?")
    second = create(app, "And how much did it cost?", previous_response_id=first.id)
    assert "420 million" in second.output_text
    assert second.previous_response_id == first.id
    # the earlier turn came from the store, search call and all
    prompt = next(
        b["messages"] for b in megrez.bodies("/v1/chat/completions") if b["messages"][-1]["content"] == "And how much did it cost?"
    )
    assert any(m["role"] == "observation" for m in prompt)
    assert any(m["role"] == "user" and "open?" in m["content"] for m in prompt)


def test_earlier_messages_in_input_are_the_history(app):
    response = create(
        app,
        [
            {"role": "user", "content": "When did the Aurora Bridge in Veldmark open?"},
            {"role": "assistant", "content": "It opened in May 2021."},
            {"role": "user", "content": [{"type": "input_text", "text": "And how much did it cost?"}]},
        ],
    )
    assert "420 million" in response.output_text


def test_another_keys_response_id_is_refused(local_web, megrez):
    with ServedApp(make_settings(local_web, megrez, api_keys=["k-one", "k-two"])) as app:
        first = create(app, api_key="k-one")
        with pytest.raises(openai.NotFoundError) as caught:
            create(app, "And when did it open?", api_key="k-two", previous_response_id=first.id)
        assert caught.value.body["code"] == "previous_response_not_found"
        follow = create(app, "And when did it open?", api_key="k-one", previous_response_id=first.id)
        assert follow.output_text
        with pytest.raises(openai.AuthenticationError):
            create(app, api_key="wrong")


def test_store_false_keeps_nothing_to_continue_from(app):
    first = create(app, store=False)
    assert first.store is False and "420 million" in first.output_text
    with pytest.raises(openai.NotFoundError):
        create(app, "And when did it open?", previous_response_id=first.id)


def test_chinese(app):
    response = create(app, "青川大桥的总投资是多少？", tools=[{"type": "web_search_preview"}])
    assert "56" in response.output_text and "亿元" in response.output_text
    assert calls(response) and "青川" in calls(response)[0].action.query
    check_annotations(response.output_text, response.output[-1].content[0].annotations)


def test_allowed_domains_and_context_size_apply(app):
    tool = {"type": "web_search", "filters": {"allowed_domains": ["example.org"]}, "search_context_size": "high"}
    response = create(app, tools=[tool], include=["web_search_call.action.sources"])
    assert calls(response)[0].action.sources == []  # nothing of the local web is on example.org
    assert response.output[-1].content[0].annotations == []


def test_unknown_fields_and_instructions_are_tolerated(app):
    response = create(
        app,
        instructions="Answer like a pirate.",
        temperature=0.3,
        metadata={"team": "qa"},
        extra_body={"some_future_field": True, "reasoning": {"effort": "low"}},
    )
    assert "420 million" in response.output_text and response.metadata == {"team": "qa"}
    assert response.instructions == "Answer like a pirate."  # echoed, not followed


@pytest.mark.parametrize(
    "fields, param",
    [
        ({"input": ""}, "input"),
        ({"input": [{"role": "assistant", "content": "hi"}]}, "input"),
        ({"tool_choice": "sometimes"}, "tool_choice"),
        ({"previous_response_id": "not-an-id"}, "previous_response_id"),
        ({"tools": [{"type": "web_search", "search_context_size": "huge"}]}, "tools"),
        ({"tools": [{"type": "web_search", "filters": {"allowed_domains": ["not a domain"]}}]}, "tools"),
    ],
)
def test_bad_values_are_400s_in_openais_shape(app, fields, param):
    fields = {"input": QUESTION, **fields}
    with pytest.raises(openai.BadRequestError) as caught:
        client(app).responses.create(model="gpt-4.1", **fields)
    body = caught.value.body
    assert body["type"] == "invalid_request_error" and body["param"].startswith(param)


@pytest.mark.parametrize("stream", [False, True])
def test_a_model_backend_that_is_down_is_a_503_before_any_event(app, megrez, stream):
    megrez.fail_with = 503
    with pytest.raises(openai.InternalServerError) as caught:
        result = create(app, stream=stream)
        list(result) if stream else None
    assert caught.value.status_code == 503 and "model backend" in caught.value.body["message"]
