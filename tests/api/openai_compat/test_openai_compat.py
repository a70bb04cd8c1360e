"""The OpenAI-compatible surface, driven by the official `openai` client as an existing app would."""

from __future__ import annotations

import json
import re

import httpx
import openai
import pytest

from testkit.settings import make_settings
from testkit import sse
from testkit.app_server import ServedApp, free_port

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"


def client(app, api_key: str = "unused", **kwargs) -> openai.OpenAI:
    return openai.OpenAI(base_url=app.base_url + "/v1", api_key=api_key, max_retries=0, timeout=60, **kwargs)


def ask(app, content: str, history: list[dict] | None = None, **kwargs):
    messages = [*(history or []), {"role": "user", "content": content}]
    return client(app).chat.completions.create(model="megrez-websearch", messages=messages, **kwargs)


def test_answer_with_perplexity_citations_and_search_results(app):
    response = ask(app, QUESTION)
    content = response.choices[0].message.content
    assert response.object == "chat.completion"
    assert response.choices[0].finish_reason == "stop"
    assert response.choices[0].message.role == "assistant"
    assert "420 million" in content

    extra = response.model_extra
    citations, results = extra["citations"], extra["search_results"]
    assert citations and all(url.startswith("http://") for url in citations)
    assert [r["url"] for r in results] == citations  # search_results in source order
    assert all(set(r) >= {"title", "url", "date"} for r in results)
    # citations[n-1] is source n: the [n] next to the cost points at the bridge's page
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", content)]
    assert cited and all(1 <= n <= len(citations) for n in cited)
    assert any("aurora" in citations[n - 1] for n in cited)
    # OpenAI's own url_citation annotations, one per marker
    notes = response.choices[0].message.annotations
    assert notes and notes[0].type == "url_citation"
    first = notes[0].url_citation
    assert content[first.start_index : first.end_index] == f"[{cited[0]}]"
    assert first.url == citations[cited[0] - 1]
    assert response.usage.completion_tokens > 0
    assert extra["conversation_id"].startswith("oai-")


def test_stream_assembles_the_same_text_with_citations_on_the_chunks(app):
    plain = ask(app, QUESTION)
    stream = ask(app, QUESTION, stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    last_choice = [c for c in chunks if c.choices][-1]
    assert last_choice.model_extra["citations"] == plain.model_extra["citations"]
    assert last_choice.model_extra["search_results"] == plain.model_extra["search_results"]
    # sources are known before the first words, so every content chunk already carries them
    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert all(c.model_extra["citations"] for c in content_chunks)
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0


def test_disconnecting_mid_stream_stops_the_model_request(app, megrez):
    megrez.chunk_delay_s = 0.05
    megrez.chunk_chars = 1
    stream = ask(app, "Hello there!", stream=True)
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            break  # the reader leaves after the first words
    stream.close()
    assert megrez.wait_for_disconnects(1, timeout=10)
    record = megrez.streams[-1]
    assert record["disconnected"] and not record["completed"]


def test_raw_stream_ends_with_done(app):
    with httpx.stream(
        "POST",
        f"{app.base_url}/v1/chat/completions",
        json={"model": "megrez", "messages": [{"role": "user", "content": "Hello there!"}], "stream": True},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = sse.payloads(response.iter_lines())
    assert lines[-1] == "[DONE]"
    assert '"role": "assistant"' in lines[0]


def test_follow_up_in_resent_history_is_resolved(app, megrez):
    first_question = "When did the Aurora Bridge in Veldmark open?"
    first = ask(app, first_question)
    history = [
        {"role": "system", "content": "You are helpful."},  # ignored, as documented
        {"role": "user", "content": first_question},
        {"role": "assistant", "content": first.choices[0].message.content},
    ]
    second = ask(app, "And how much did it cost?", history)
    assert "420 million" in second.choices[0].message.content
    # the earlier turn came from the store, search call and all: the prompt replays it exactly
    prompt = next(
        r["body"]["messages"]
        for r in megrez.requests
        if r["body"] and r["body"]["messages"][-1]["content"] == "And how much did it cost?"
    )
    assert any(m["role"] == "observation" for m in prompt)
    # filed under the id that the next request (this history + this exchange) hashes to
    from api.openai_compat.conversation import conversation_key

    transcript = [(m["role"], m["content"]) for m in history if m["role"] != "system"]
    transcript += [("user", "And how much did it cost?"), ("assistant", second.choices[0].message.content)]
    assert second.model_extra["conversation_id"] == conversation_key(transcript)
    stored = httpx.get(f"{app.base_url}/v1/conversations/{conversation_key(transcript)}").json()
    assert [t["question"] for t in stored["turns"]] == [first_question, "And how much did it cost?"]


def test_callers_with_the_same_transcript_are_kept_apart(app):
    ids = {ask(app, "Hello!", user=user).model_extra["conversation_id"] for user in ("alice", "bob")}
    assert len(ids) == 2


def test_history_the_service_never_saw_is_taken_from_the_messages(app):
    history = [
        {"role": "user", "content": "When did the Aurora Bridge in Veldmark open?"},
        {"role": "assistant", "content": [{"type": "text", "text": "It opened in 2019 [1]."}]},
    ]
    answer = ask(app, "And how much did it cost?", history)
    assert "420 million" in answer.choices[0].message.content


def test_explicit_conversation_id_keeps_the_thread(app):
    c = client(app)
    first = c.chat.completions.create(
        model="x", messages=[{"role": "user", "content": "When did the Aurora Bridge in Veldmark open?"}]
    )
    cid = first.model_extra["conversation_id"]  # the server makes the id
    second = c.chat.completions.create(
        model="x",
        messages=[{"role": "user", "content": "And how much did it cost?"}],
        extra_body={"conversation_id": cid},
    )
    assert "420 million" in second.choices[0].message.content
    assert second.model_extra["conversation_id"] == cid
    assert second.model == "x"  # any model name is accepted and echoed
    # an id the server never made names nothing: a 404, not a conversation planted under it
    with pytest.raises(openai.NotFoundError):
        c.chat.completions.create(
            model="x", messages=[{"role": "user", "content": "Hi"}], extra_body={"conversation_id": "my-chat-1"}
        )


def test_search_mode_and_related_questions_pass_through(app, local_web):
    before = len(local_web.search_requests)
    direct = ask(app, "What is the energy density of the Zephyr-9 battery?", extra_body={"search": "never"})
    assert direct.model_extra["citations"] == [] and direct.model_extra["search_results"] == []
    assert len(local_web.search_requests) == before
    related = ask(app, QUESTION, extra_body={"return_related_questions": True})
    assert len(related.model_extra["related_questions"]) == 3


def test_models_list_and_retrieve(app):
    c = client(app)
    models = c.models.list()
    # the service's own name, then Perplexity's Sonar names (issue #24: each a depth and evidence size)
    sonar = ["sonar", "sonar-pro", "sonar-reasoning", "sonar-reasoning-pro", "sonar-deep-research"]
    assert [m.id for m in models.data] == ["megrez-websearch", *sonar]
    assert c.models.retrieve("megrez-websearch").object == "model"
    assert c.models.retrieve("sonar-pro").id == "sonar-pro"
    with pytest.raises(openai.NotFoundError) as caught:
        c.models.retrieve("gpt-17")
    assert caught.value.body["code"] == "model_not_found"


@pytest.mark.parametrize(
    "messages, param",
    [
        ([], "messages"),
        ([{"role": "assistant", "content": "hi"}], "messages"),
        ([{"role": "user", "content": "   "}], "messages"),
        ([{"role": "wizard", "content": "hi"}], "messages"),
    ],
)
def test_bad_request_is_400_in_openai_shape(app, messages, param):
    with pytest.raises(openai.BadRequestError) as caught:
        client(app).chat.completions.create(model="megrez-websearch", messages=messages)
    error = caught.value.body
    assert caught.value.status_code == 400
    assert error["type"] == "invalid_request_error" and param in error["param"]
    assert error["message"]


def test_malformed_json_is_400(app):
    response = httpx.post(
        f"{app.base_url}/v1/chat/completions", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_api_keys_apply_and_a_missing_key_is_an_authentication_error(local_web, megrez):
    with ServedApp(make_settings(local_web, megrez, api_keys=["k-one"])) as app:
        with pytest.raises(openai.AuthenticationError) as caught:
            client(app, api_key="wrong").models.list()
        assert caught.value.status_code == 401
        assert caught.value.body["code"] == "invalid_api_key"
        assert set(caught.value.body) == {"message", "type", "param", "code"}
        with pytest.raises(openai.AuthenticationError):
            client(app, api_key="wrong").chat.completions.create(
                model="megrez", messages=[{"role": "user", "content": "Hello!"}]
            )
        ok = client(app, api_key="k-one").chat.completions.create(
            model="megrez", messages=[{"role": "user", "content": "Hello!"}]
        )
        assert ok.choices[0].message.content


def test_model_backend_down_is_a_503_streaming_or_not(local_web, megrez):
    settings = make_settings(local_web, megrez, llm_base_url=f"http://127.0.0.1:{free_port()}/v1")
    with ServedApp(settings) as app:
        for stream in (False, True):
            with pytest.raises(openai.InternalServerError) as caught:
                result = ask(app, QUESTION, stream=stream)
                list(result) if stream else None
            assert caught.value.status_code == 503
            assert caught.value.body["type"] == "server_error"
            assert caught.value.body["code"] == "llm_unavailable"


def test_a_conversation_is_kept_once_not_once_per_turn(local_web, megrez):
    import openai

    from testkit.settings import make_settings
    from testkit.app_server import ServedApp

    with ServedApp(make_settings(local_web, megrez)) as served:
        client = openai.OpenAI(base_url=f"{served.base_url}/v1", api_key="x")
        messages = [{"role": "user", "content": "When did the Aurora Bridge in Veldmark open?"}]
        for follow_up in ("And how much did it cost?", "Who was the lead engineer?"):
            reply = client.chat.completions.create(model="megrez-websearch", messages=messages)
            messages += [
                {"role": "assistant", "content": reply.choices[0].message.content},
                {"role": "user", "content": follow_up},
            ]
        client.chat.completions.create(model="megrez-websearch", messages=messages)
        oai = [key for key in served.app.state.engine.deps.store.conversation_ids() if key.startswith("oai-")]
        assert len(oai) == 1
        assert len(httpx.get(f"{served.base_url}/v1/conversations/{oai[0]}").json()["turns"]) == 3


def test_an_explicit_conversation_id_is_scoped_by_the_callers_key(local_web, megrez):
    """Another key that learns (or guesses) a conversation id reaches nothing of it, on either surface."""
    with ServedApp(make_settings(local_web, megrez, api_keys=["k-one", "k-two"])) as app:
        one, two = client(app, api_key="k-one"), client(app, api_key="k-two")
        # ids are the server's to make: key one starts a conversation
        started = httpx.post(
            f"{app.base_url}/v1/answer",
            json={"question": "When did the Aurora Bridge in Veldmark open?"},
            headers={"Authorization": "Bearer k-one"},
            timeout=60,
        )
        conversation = started.json()["conversation_id"]
        # the same words from two keys, without an id, are filed apart too
        same = [c.chat.completions.create(model="megrez-websearch", messages=[{"role": "user", "content": "Hello!"}])
                for c in (one, two)]
        assert same[0].model_extra["conversation_id"] != same[1].model_extra["conversation_id"]
        url = f"{app.base_url}/v1/conversations/{conversation}"
        assert httpx.get(url, headers={"Authorization": "Bearer k-two"}).status_code == 404

        # the other key naming that id reaches nothing: a 404, and no model request carries the exchange
        before = len(megrez.requests)
        with pytest.raises(openai.NotFoundError):
            two.chat.completions.create(
                model="megrez-websearch",
                messages=[{"role": "user", "content": "And how much did it cost?"}],
                extra_body={"conversation_id": conversation},
            )
        assert "Aurora Bridge in Veldmark open" not in json.dumps([r["body"] for r in megrez.requests[before:]])
        assert len(httpx.get(url, headers={"Authorization": "Bearer k-one"}).json()["turns"]) == 1

        # the owner continues it on the OpenAI surface: the first exchange is in the model's prompt
        before = len(megrez.requests)
        follow = one.chat.completions.create(
            model="megrez-websearch",
            messages=[{"role": "user", "content": "And how much did it cost?"}],
            extra_body={"conversation_id": conversation},
        )
        assert follow.model_extra["conversation_id"] == conversation
        assert "Aurora Bridge in Veldmark open" in json.dumps([r["body"] for r in megrez.requests[before:]])
        assert len(httpx.get(url, headers={"Authorization": "Bearer k-one"}).json()["turns"]) == 2


def test_a_retried_exchange_replaces_its_entry_rather_than_doubling_it(local_web, megrez):
    """A client that sends the same request again (a retry after a timeout) gets the conversation
    filed once: the same two turns, under the same id, and no run entry left behind."""
    with ServedApp(make_settings(local_web, megrez)) as served:
        c = client(served)
        first_question = "When did the Aurora Bridge in Veldmark open?"
        first = c.chat.completions.create(model="m", messages=[{"role": "user", "content": first_question}])
        messages = [
            {"role": "user", "content": first_question},
            {"role": "assistant", "content": first.choices[0].message.content},
            {"role": "user", "content": "And how much did it cost?"},
        ]
        ids = [c.chat.completions.create(model="m", messages=messages).model_extra["conversation_id"] for _ in range(2)]
        assert ids[0] == ids[1]
        stored = served.app.state.engine.deps.store.conversation_ids()
        assert [key for key in stored if key.startswith("oai-")] == [ids[0]]
        turns = httpx.get(f"{served.base_url}/v1/conversations/{ids[0]}").json()["turns"]
        assert [t["question"] for t in turns] == [first_question, "And how much did it cost?"]


@pytest.mark.parametrize("history_turns", [0, 1])
def test_the_openai_surface_keeps_the_configured_history_window(local_web, megrez, history_turns):
    """WEBSEARCH_HISTORY_TURNS caps what a conversation keeps (at least the latest turn, even at 0)."""
    with ServedApp(make_settings(local_web, megrez, history_turns=history_turns)) as served:
        c = client(served)
        messages: list[dict] = []
        for question in ("When did the Aurora Bridge in Veldmark open?", "And how much did it cost?"):
            messages.append({"role": "user", "content": question})
            reply = c.chat.completions.create(model="m", messages=messages)
            messages.append({"role": "assistant", "content": reply.choices[0].message.content})
        conversation = reply.model_extra["conversation_id"]
        turns = httpx.get(f"{served.base_url}/v1/conversations/{conversation}").json()["turns"]
        assert [t["question"] for t in turns] == ["And how much did it cost?"]


def test_the_openai_surface_files_its_conversations_in_redis_once(local_web, megrez, redis_url):
    """On the shared store (as replicas run): a new conversation, then its follow-up, each answered,
    and the conversation kept under one key with both turns, nothing else left behind."""
    import redis

    with ServedApp(make_settings(local_web, megrez, redis_url=redis_url)) as served:
        c = client(served)
        messages = [{"role": "user", "content": "When did the Aurora Bridge in Veldmark open?"}]
        reply = c.chat.completions.create(model="m", messages=messages)
        messages += [
            {"role": "assistant", "content": reply.choices[0].message.content},
            {"role": "user", "content": "And how much did it cost?"},
        ]
        follow = c.chat.completions.create(model="m", messages=messages)
        assert "420 million" in follow.choices[0].message.content
    conversation = follow.model_extra["conversation_id"]
    stored = sorted(k.decode() for k in redis.Redis.from_url(redis_url).keys("ws:conv:*"))
    assert stored == [f"ws:conv:{conversation}"]
    assert redis.Redis.from_url(redis_url).llen(f"ws:conv:{conversation}") == 2


# --- issue 29: the contract as the README states it --------------------------------------------------


def test_an_unknown_conversation_is_conversation_not_found_not_model_not_found(app):
    with pytest.raises(openai.NotFoundError) as caught:
        client(app).chat.completions.create(
            model="megrez-websearch",
            messages=[{"role": "user", "content": QUESTION}],
            extra_body={"conversation_id": "no-such-conversation"},
        )
    assert caught.value.body["code"] == "conversation_not_found"


def test_101_messages_are_a_413_and_100_are_answered(app, megrez):
    def messages(count: int) -> list[dict]:
        earlier = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i}"} for i in range(count - 1)]
        return [*earlier, {"role": "user", "content": QUESTION}]

    with pytest.raises(openai.APIStatusError) as caught:
        client(app).chat.completions.create(model="megrez-websearch", messages=messages(101))
    assert caught.value.status_code == 413 and caught.value.body["code"] == "too_many_messages"
    assert not [r for r in megrez.requests if "completions" in r["path"]]
    assert "420 million" in client(app).chat.completions.create(model="megrez-websearch", messages=messages(100)).choices[0].message.content
