"""API keys: when set, the REST endpoints need a bearer key; health stays open."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from testkit.settings import make_settings
from testkit import sse
from testkit.app_server import ServedApp


@pytest.fixture
def locked(local_web, megrez):
    with ServedApp(make_settings(local_web, megrez, api_keys=["k-one", "k-two"])) as app:
        yield app


def test_missing_or_wrong_key_is_401_with_a_json_message(locked):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic k-one"}):
        response = httpx.post(f"{locked.base_url}/v1/answer", json={"question": "Hello!"}, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    assert httpx.get(f"{locked.base_url}/v1/conversations/abc").status_code == 401


def test_any_configured_key_opens_the_api(locked):
    for key in ("k-one", "k-two"):
        response = httpx.post(
            f"{locked.base_url}/v1/answer", json={"question": "Hello!"}, headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 200, response.text


def test_health_needs_no_key(locked):
    assert httpx.get(f"{locked.base_url}/healthz").status_code == 200


def test_open_when_no_keys_are_set(app):
    assert httpx.post(f"{app.base_url}/v1/answer", json={"question": "Hello!"}).status_code == 200


def test_each_key_sees_only_its_own_conversations(locked, megrez):
    one = {"Authorization": "Bearer k-one"}
    two = {"Authorization": "Bearer k-two"}
    first = httpx.post(
        f"{locked.base_url}/v1/answer", json={"question": "When did the Aurora Bridge in Veldmark open?"}, headers=one
    ).json()
    cid = first["conversation_id"]
    assert httpx.get(f"{locked.base_url}/v1/conversations/{cid}", headers=one).status_code == 200
    assert httpx.get(f"{locked.base_url}/v1/conversations/{cid}", headers=two).status_code == 404
    assert httpx.delete(f"{locked.base_url}/v1/conversations/{cid}", headers=two).status_code == 404

    # the other key sending the id reaches nothing (a 404): none of the first exchange leaks
    asked = len(megrez.requests)
    reply = httpx.post(
        f"{locked.base_url}/v1/answer",
        json={"question": "And how much did it cost?", "conversation_id": cid},
        headers=two,
    )
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "conversation_not_found"
    assert len(megrez.requests) == asked
    assert len(httpx.get(f"{locked.base_url}/v1/conversations/{cid}", headers=one).json()["turns"]) == 1
    # the owner deletes it (with its key), and then it is gone for the owner too
    assert httpx.delete(f"{locked.base_url}/v1/conversations/{cid}", headers=one).status_code == 204
    assert httpx.get(f"{locked.base_url}/v1/conversations/{cid}", headers=one).status_code == 404


def test_the_key_may_come_as_bearer_any_case_or_as_x_api_key(locked):
    url = f"{locked.base_url}/v1/answer"
    for headers in ({"Authorization": "bearer k-two"}, {"X-API-Key": "k-one"}, {"Authorization": "Bearer  k-one"}):
        assert httpx.post(url, json={"question": "Hello!"}, headers=headers).status_code == 200, headers
    # a bearer without a token falls back to X-API-Key
    ok = httpx.post(url, json={"question": "Hello!"}, headers={"Authorization": "Bearer", "X-API-Key": "k-one"})
    assert ok.status_code == 200
    # another scheme falls back to X-API-Key, and a wrong X-API-Key is still refused
    ok = httpx.post(url, json={"question": "Hello!"}, headers={"Authorization": "Basic eHl6", "X-API-Key": "k-two"})
    assert ok.status_code == 200
    assert httpx.post(url, json={"question": "Hello!"}, headers={"X-API-Key": "k-three"}).status_code == 401
    assert httpx.post(url, json={"question": "Hello!"}, headers={"Authorization": "Token k-one"}).status_code == 401


def test_a_streamed_answer_names_the_callers_own_conversation(locked):
    """The scope stays inside the store: the id a key is given back is the one it sent, streaming too."""
    one = {"Authorization": "Bearer k-one"}
    first = httpx.post(
        f"{locked.base_url}/v1/answer", json={"question": "When did the Aurora Bridge in Veldmark open?"}, headers=one, timeout=60
    )
    mine = first.json()["conversation_id"]  # the server's id, never the store key with its scope
    assert not mine.startswith("k")
    body = {"question": "And how much did it cost?", "conversation_id": mine, "stream": True}
    with httpx.stream("POST", f"{locked.base_url}/v1/answer", json=body, headers=one, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse.events(response.iter_lines())
    done = [data for name, data in events if name == "done"]
    assert len(done) == 1 and done[0]["conversation_id"] == mine
    turns = httpx.get(f"{locked.base_url}/v1/conversations/{mine}", headers=one).json()["turns"]
    assert len(turns) == 2
    assert httpx.get(f"{locked.base_url}/v1/conversations/{mine}", headers={"X-API-Key": "k-two"}).status_code == 404


def test_a_keys_conversations_are_stored_under_its_digest_never_the_key(locked):
    """The store-key format is a contract with stored data (a release that changed it would orphan
    every conversation kept so far): `k` + the key's digest (sha256, 12 hex) + `:` + the id the client
    sees. And the key itself is never written to the store, where an operator could read it."""
    response = httpx.post(
        f"{locked.base_url}/v1/answer", json={"question": "Hello!"}, headers={"Authorization": "Bearer k-one"}
    )
    conversation = response.json()["conversation_id"]
    assert ":" not in conversation
    stored = locked.app.state.engine.deps.store.conversation_ids()
    assert stored == [f"k{hashlib.sha256(b'k-one').hexdigest()[:12]}:{conversation}"]
    assert not any("k-one" in key for key in stored)
