"""Through the whole service with several model servers: every request of a conversation, every step
(decide, condense, answer, related), reaches one server and carries the conversation's routing key."""

from __future__ import annotations

import httpx
import pytest

from inference.routing import DEFAULT_ROUTE_HEADERS, route_key
from testkit.settings import make_settings
from testkit.app_server import ServedApp
from testkit.megrez import ScriptedMegrez

CONVERSATIONS = [
    ["When did the Aurora Bridge in Veldmark open?", "And how much did it cost?"],
    ["What is the energy density of the Zephyr-9 battery?", "How many charge cycles is it rated for?"],
    ["青川大桥有多长？", "总投资是多少？"],
    ["星河七号卫星的轨道高度是多少？", "它是什么时候发射的？"],
]


def ask(app: ServedApp, **body) -> dict:
    response = httpx.post(f"{app.base_url}/v1/answer", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def second():
    with ScriptedMegrez() as server:
        yield server


def test_every_model_request_of_a_conversation_goes_to_one_server_with_its_key(local_web, megrez, second):
    settings = make_settings(
        local_web,
        megrez,
        llm_base_url=f"{megrez.base_url},{second.base_url}",
        condense=True,  # one more kind of request: the batched condensing on /v1/completions
        context_tokens=300,
        source_tokens=120,
    )
    ids = []
    with ServedApp(settings) as app:
        for questions in CONVERSATIONS:
            cid = None
            for question in questions:
                body = ask(app, question=question, **({"conversation_id": cid} if cid else {}))
                cid = body["conversation_id"]
                assert body["answer"] and body["sources"], body  # answered from the web
            ids.append(cid)
        metrics = httpx.get(f"{app.base_url}/metrics", timeout=10).text
    # At this load no conversation was ever passed over for another server.
    assert "websearch_llm_affinity_spilled_total 0.0" in metrics

    requests = [(server.url, r) for server in (megrez, second) for r in server.requests]
    paths = {r["path"] for _, r in requests}
    assert paths == {"/v1/chat/completions", "/v1/completions"}
    by_key: dict[str, set[str]] = {}
    for url, request in requests:
        value = request["body"]["user"]
        # Every router's header, and `user`, hold the same key on every request.
        assert [request["headers"][name.lower()] for name in DEFAULT_ROUTE_HEADERS] == [value] * 4
        by_key.setdefault(value, set()).add(url)
    expected = {route_key(cid, settings.llm_route_secret).value for cid in ids}
    assert set(by_key) == expected  # one key per conversation, derived from its id
    assert all(len(urls) == 1 for urls in by_key.values())  # ... and each stayed on one server
    assert not any(cid in r["raw"] or cid in str(r["headers"]) for cid in ids for _, r in requests)
    # So each follow-up's decide prompt was mostly in its server's prefix cache.
    decides = [
        e
        for server in (megrez, second)
        for e in server.prefix_log
        if e["path"] == "/v1/chat/completions" and sum(m["role"] == "user" for m in e["messages"]) == 2
        and e["messages"][-1]["role"] == "user"
    ]
    assert len(decides) == len(CONVERSATIONS)
    assert min(e["cached_tokens"] / e["prompt_tokens"] for e in decides) > 0.8
