"""Checks on a served answer that several whole-service tests make, and a poll without sleeping races."""

from __future__ import annotations

import time

import httpx

CHAOS = "testkit.chaos:install"  # the parse workers' initializer that makes them misbehave (testkit/chaos.py)


def assert_cited_answer(response: httpx.Response, fact: str, page: str) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert fact in body["answer"], body["answer"]
    assert any(page in c["url"] and f"[{c['index']}]" in body["answer"] for c in body["citations"]), body
    return body


def wait_for(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()
