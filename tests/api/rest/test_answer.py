"""POST /v1/answer end to end: the real app on loopback, the local web, the scripted Megrez."""

from __future__ import annotations

import httpx
import pytest
import redis

from testkit.settings import make_settings
from testkit.app_server import ServedApp, free_port
from testkit.clients import answer


ask = answer


def search_requests(web) -> int:
    return sum(1 for path in list(web.requests) if path.startswith("/search"))


def test_question_answered_from_a_page_is_cited(app, local_web):
    response = ask(app, question="How much did the Aurora Bridge in Veldmark cost?")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["searched"] is True
    assert body["queries"] and "Aurora Bridge" in body["queries"][0]
    cited = {c["url"]: c["index"] for c in body["citations"]}
    bridge_urls = [url for url in cited if "aurora" in url.lower()]
    assert bridge_urls, body
    assert f"[{cited[bridge_urls[0]]}]" in body["answer"]
    assert "420 million" in body["answer"]
    assert "[citation:" not in body["answer"]
    # every citation points at a listed source, and every [n] in the answer is a source index
    source_indexes = {s["index"] for s in body["sources"]}
    assert set(cited.values()) <= source_indexes
    assert body["conversation_id"]
    assert {"decide", "search", "read", "select", "answer", "total"} <= set(body["timings"])


def test_chinese_question_cites_the_chinese_page(app):
    body = ask(app, question="青川大桥的总投资是多少？").json()
    assert body["searched"] is True
    assert "56 亿元" in body["answer"] or "56亿元" in body["answer"]
    assert body["citations"], body
    assert any("[{}]".format(c["index"]) in body["answer"] for c in body["citations"])


def test_greeting_is_answered_without_searching(app, local_web, megrez):
    before = search_requests(local_web)
    body = ask(app, question="Hello there!").json()
    assert body["searched"] is False
    assert body["answer"]
    assert body["citations"] == [] and body["sources"] == []
    assert search_requests(local_web) == before


def test_search_never_uses_the_chat_prompt(app, local_web, megrez):
    before = search_requests(local_web)
    body = ask(app, question="What is the energy density of the Zephyr-9 battery?", search="never").json()
    assert body["searched"] is False
    assert search_requests(local_web) == before
    system = megrez.requests[-1]["body"]["messages"][0]["content"]
    assert '"name": "search"' not in system


def test_search_always_searches_even_a_greeting(app, local_web):
    before = search_requests(local_web)
    body = ask(app, question="Hello there!", search="always").json()
    assert body["searched"] is True
    assert search_requests(local_web) > before


def test_follow_up_has_the_first_exchange_in_its_prompt_and_redis_holds_it(local_web, megrez, redis_url):
    settings = make_settings(local_web, megrez, redis_url=redis_url)
    with ServedApp(settings) as app:
        first = ask(app, question="When did the Aurora Bridge in Veldmark open?").json()
        conversation_id = first["conversation_id"]
        second = ask(app, question="And how much did it cost?", conversation_id=conversation_id)
        assert second.status_code == 200, second.text
        body = second.json()

    assert body["conversation_id"] == conversation_id
    # the model wrote the follow-up's query from the conversation: it names the real subject
    assert "Aurora Bridge" in body["queries"][0]
    assert "420 million" in body["answer"]
    decide_prompt = next(
        r["body"]["messages"] for r in megrez.requests
        if r["path"].endswith("/chat/completions")
        and r["body"]["messages"][-1]["content"] == "And how much did it cost?"
    )
    roles_and_text = [(m["role"], m["content"]) for m in decide_prompt]
    assert ("user", "When did the Aurora Bridge in Veldmark open?") in roles_and_text
    first_words = first["answer"].split("[")[0][:40]
    assert any(role == "assistant" and text.startswith(first_words) for role, text in roles_and_text)

    stored = redis.Redis.from_url(redis_url).lrange(f"ws:conv:{conversation_id}", 0, -1)
    assert len(stored) == 2
    assert b"Aurora Bridge" in stored[0]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "question"),
        ({"question": ""}, "question"),
        ({"question": "   "}, "question"),
        ({"question": 42}, "question"),
        ({"question": "hi", "search": "sometimes"}, "search"),
        ({"question": "hi", "recency": "decade"}, "recency"),
        ({"question": "hi", "conversation_id": "../../etc"}, "conversation_id"),
        ({"question": "hi", "colour": "blue"}, "colour"),
        ({"question": "桥" * 3000}, "question"),  # within 4,000 characters, but too many tokens
    ],
)
def test_bad_input_is_a_4xx_with_a_json_message(app, body, field):
    response = ask(app, **body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert field in error["message"]


def test_malformed_json_is_a_4xx(app):
    response = httpx.post(
        f"{app.base_url}/v1/answer", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_model_server_down_is_a_503_naming_it(local_web, megrez):
    port = free_port()  # nothing listens there
    settings = make_settings(local_web, megrez, llm_base_url=f"http://127.0.0.1:{port}/v1")
    with ServedApp(settings) as app:
        response = ask(app, question="How much did the Aurora Bridge cost?")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "llm_unavailable" and error["part"] == "model"  # a client words it from `part`
    assert f"127.0.0.1:{port}" in error["message"]


def test_search_provider_down_is_a_503_naming_it(local_web, megrez):
    settings = make_settings(local_web, megrez, searxng_url=f"http://127.0.0.1:{free_port()}")
    with ServedApp(settings) as app:
        response = ask(app, question="How much did the Aurora Bridge cost?")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"].startswith("search_") and error["part"] == "search"
    assert "searxng" in error["message"]


def test_healthz(app):
    assert httpx.get(f"{app.base_url}/healthz").json() == {"status": "ok"}


def test_readyz_names_the_backend_that_is_down(local_web, megrez, redis_url):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    with ServedApp(make_settings(local_web, megrez, redis_url=dead)) as app:
        response = httpx.get(f"{app.base_url}/readyz")
    assert response.status_code == 503
    assert "redis" in response.json()["error"]["message"] and response.json()["error"]["part"] == "store"
    with ServedApp(make_settings(local_web, megrez, redis_url=redis_url)) as app:
        assert httpx.get(f"{app.base_url}/readyz").json()["status"] == "ready"


def test_unknown_route_is_a_json_404(app):
    response = httpx.get(f"{app.base_url}/v1/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found" and "part" not in response.json()["error"]


def test_related_questions_are_about_the_subject_in_its_language(app):
    english = ask(app, question="How much did the Aurora Bridge in Veldmark cost?").json()
    assert len(english["related"]) == 3 and all("Aurora Bridge" in q for q in english["related"])
    chinese = ask(app, question="青川大桥有多长？").json()
    assert len(chinese["related"]) == 3 and all("青川大桥" in q for q in chinese["related"])
    assert ask(app, question="Hello!").json()["related"] == []


@pytest.mark.parametrize("stream", [False, True])
def test_a_served_template_without_observation_still_gives_the_cited_answer(app, megrez, stream):
    """Whether vLLM's chat template renders Megrez's `observation` role is unverified: when it refuses
    it, the answer is still read from the search results (rendered with Megrez's template here)."""
    megrez.template_roles = {"system", "user", "assistant"}
    question = "How much did the Aurora Bridge in Veldmark cost?"
    response = ask(app, question=question, stream=stream)
    assert response.status_code == 200, response.text
    text = response.text if stream else response.json()["answer"]
    assert "420 million" in text and "[citation:" not in text
    if not stream:
        assert response.json()["citations"]
    refused = [r for r in megrez.requests if r["path"] == "/v1/chat/completions" and any(
        m["role"] == "observation" for m in r["body"]["messages"])]
    raw = [r for r in megrez.requests if r["path"] == "/v1/completions"]
    assert len(refused) == 1  # refused once, then rendered here
    assert any("<|role_start|>observation<|role_end|>" in str(r["body"]["prompt"]) for r in raw)


def test_an_empty_answer_is_a_clear_no_answer_line_not_an_empty_200(app, megrez):
    """Issue 29: the model writing nothing was answered 200 with an empty answer. Issue 32: it is one
    clear line saying there is no answer, the same on every surface (tests/system/test_no_answer.py)."""
    megrez.reply = "   "
    response = httpx.post(f"{app.base_url}/v1/answer", json={"question": "Hello there!", "search": "never"}, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["no_answer"] == "empty" and body["answer"].startswith("No answer this time")
    megrez.reply = None
    again = httpx.post(f"{app.base_url}/v1/answer", json={"question": "Hello there!", "search": "never"}, timeout=30)
    assert again.status_code == 200 and again.json()["no_answer"] is None and again.json()["answer"].strip()


@pytest.mark.parametrize("path", ["/v1/answer", "/v1/chat/completions"])
def test_a_whole_answer_stops_when_its_client_leaves(app, megrez, path):
    """Issue 29: without a stream, the run went on to its end for a client that had gone."""
    megrez.delay_s = 60  # the model is slow to begin: the client gives up first
    body = {"search": "never"} | (
        {"question": "Hello there!"} if path == "/v1/answer" else {"messages": [{"role": "user", "content": "Hello there!"}]}
    )
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{app.base_url}{path}", json=body, timeout=httpx.Timeout(10, read=1))
    assert megrez.wait_for_disconnects(1, timeout=20)  # the service cancelled its model request
