"""Conversations: read back, delete, concurrent turns, and surviving a restart on Redis."""

from __future__ import annotations

import concurrent.futures

import httpx

from testkit.settings import make_settings
from testkit.app_server import ServedApp


def ask(app, **body) -> dict:
    response = httpx.post(f"{app.base_url}/v1/answer", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_get_returns_turns_with_sources_and_queries_then_delete(app):
    first = ask(app, question="How much did the Aurora Bridge in Veldmark cost?")
    cid = first["conversation_id"]
    ask(app, question="Hello!", conversation_id=cid)

    body = httpx.get(f"{app.base_url}/v1/conversations/{cid}").json()
    assert body["conversation_id"] == cid
    assert [t["question"] for t in body["turns"]] == [
        "How much did the Aurora Bridge in Veldmark cost?",
        "Hello!",
    ]
    assert body["turns"][0]["answer"] == first["answer"]
    assert body["turns"][0]["queries"] == first["queries"]
    assert body["turns"][0]["sources"] == first["sources"]
    assert body["turns"][1]["searched"] is False

    assert httpx.delete(f"{app.base_url}/v1/conversations/{cid}").status_code == 204
    gone = httpx.get(f"{app.base_url}/v1/conversations/{cid}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "conversation_not_found"
    assert httpx.delete(f"{app.base_url}/v1/conversations/{cid}").status_code == 404


def test_bad_conversation_id_is_a_4xx(app):
    response = httpx.get(f"{app.base_url}/v1/conversations/bad%20id!")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_concurrent_requests_on_one_conversation_both_land(local_web, megrez, redis_url):
    with ServedApp(make_settings(local_web, megrez, redis_url=redis_url)) as app:
        questions = [f"Hello number {i}!" for i in range(6)]
        shared = ask(app, question=questions[0])["conversation_id"]
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda q: ask(app, question=q, conversation_id=shared), questions[1:]))
        turns = httpx.get(f"{app.base_url}/v1/conversations/{shared}").json()["turns"]
    assert sorted(t["question"] for t in turns) == sorted(questions)


def test_conversation_survives_a_restart_when_redis_holds_it(local_web, megrez, redis_url):
    settings = make_settings(local_web, megrez, redis_url=redis_url)
    with ServedApp(settings) as app:
        cid = ask(app, question="When did the Aurora Bridge in Veldmark open?")["conversation_id"]
    with ServedApp(settings) as restarted:
        turns = httpx.get(f"{restarted.base_url}/v1/conversations/{cid}").json()["turns"]
        assert turns[0]["question"] == "When did the Aurora Bridge in Veldmark open?"
        follow_up = ask(restarted, question="And how much did it cost?", conversation_id=cid)
    assert "Aurora Bridge" in follow_up["queries"][0]
    assert "420 million" in follow_up["answer"]
