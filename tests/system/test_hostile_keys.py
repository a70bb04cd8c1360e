"""Issue 29, finding 2: one key cannot starve the others. A per-key cap on requests in flight and a
token bucket (429, Retry-After, the JSON error), and parse-worker jobs scheduled fairly across keys.

The bound, stated without timing the machine: while key A's three deep questions hold parse
workers with pages whose parser hangs until its deadline (8 s, every one of A's 24 pages a round),
key B's question is answered from its pages read in full (the figure is in the page body, not in
any snippet) and completes while all three of A's requests are still in flight — B never waits
for one of A's jobs, because the pool keeps a worker that A cannot take."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from core.fair_queue import FairQueue
from core.workers import WorkerPool
from testkit.answers import CHAOS, assert_cited_answer, wait_for
from testkit.app_server import ServedApp
from testkit.settings import make_settings
from testkit.web import LocalWeb

A, B = "key-hostile-a", "key-polite-b"
QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
DEADLINE_S = 8.0


@pytest.fixture(scope="module")
def web() -> Iterator[LocalWeb]:
    with LocalWeb() as local:  # its own: these tests set results_for
        yield local


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_hostile_keys_deep_questions_do_not_delay_another_keys_answer(web: LocalWeb, megrez):
    web.results_for = {
        "zephyr": [
            {"url": f"{web.base_url}/chaos?do=sleep&page=zephyr-9-battery&n={n}", "title": f"Zephyr-9 review {n}",
             "content": "The Zephyr-9 battery, reviewed.", "engine": "localweb"}
            for n in range(8)
        ]
    }
    settings = make_settings(web, megrez, api_keys=[A, B], parse_deadline_s=DEADLINE_S, fetch_pages=8, deep_fetch_pages=8)
    pool = WorkerPool(2, deadline_s=DEADLINE_S, memory_mb=512, initializer=CHAOS)
    hostile: list[threading.Thread] = []
    stop = threading.Event()

    def deep_question() -> None:  # streamed, so that leaving cancels it
        body = {"question": "What is the energy density of the Zephyr-9 battery?", "depth": "deep", "stream": True}
        with httpx.Client(timeout=120) as client:
            with client.stream("POST", f"{app.base_url}/v1/answer", json=body, headers=bearer(A)) as response:
                assert response.status_code == 200
                for _ in response.iter_bytes():
                    if stop.is_set():
                        return

    try:
        with ServedApp(settings, workers=pool) as app:
            hostile = [threading.Thread(target=deep_question, daemon=True) for _ in range(3)]
            for thread in hostile:
                thread.start()
            # A's hanging pages hold a worker (each until its deadline) before B asks.
            assert wait_for(lambda: any(seconds > 0.5 for _, seconds in pool.busy()), 30), "A's pages never reached a worker"
            answer = httpx.post(
                f"{app.base_url}/v1/answer", json={"question": QUESTION, "search": "always"}, headers=bearer(B), timeout=60
            )
            in_flight = [thread.is_alive() for thread in hostile]
            assert_cited_answer(answer, "420 million", "aurora-bridge")  # read from the page, not its snippet
            assert in_flight == [True, True, True], "B's answer waited for A's requests to end"
            assert len(pool.busy()) <= 1  # A never held both workers
            stop.set()
    finally:
        stop.set()
        web.results_for = {}
        for thread in hostile:
            thread.join(30)


def test_the_parse_queue_keeps_a_worker_for_other_keys_and_takes_them_in_turn():
    queue = FairQueue(share=3)
    for n in range(6):
        queue.put("k-a", f"a{n}")
    taken = [queue.get() for _ in range(3)]
    assert taken == [("k-a", "a0"), ("k-a", "a1"), ("k-a", "a2")]  # A at its share: the 4th worker waits
    queue.put("k-b", "b0")
    queue.put("k-b", "b1")
    assert queue.get() == ("k-b", "b0")  # B's first job goes to the free worker at once
    queue.done("k-a")
    assert queue.get() == ("k-b", "b1")  # fewest workers first: B (1) before A (2)
    queue.done("k-b")
    queue.done("k-b")
    assert queue.get() == ("k-a", "a3")
    queue.put("", "cli")  # no owner (the CLI, indexing): not capped
    assert queue.get() == ("", "cli")


def test_past_its_rate_a_key_gets_429_with_retry_after_and_another_key_is_served(web, megrez):
    settings = make_settings(web, megrez, api_keys=[A, B], key_burst=5, key_rate_per_minute=6)
    with ServedApp(settings) as app:
        statuses = [httpx.get(f"{app.base_url}/v1/models", headers=bearer(A)).status_code for _ in range(8)]
        refused = httpx.get(f"{app.base_url}/v1/models", headers=bearer(A))
        other = httpx.get(f"{app.base_url}/v1/models", headers=bearer(B))
        wrong = httpx.get(f"{app.base_url}/v1/models", headers=bearer("not-a-key"))
    assert statuses == [200] * 5 + [429] * 3
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 10
    assert other.status_code == 200 and wrong.status_code == 401


def test_past_its_requests_in_flight_a_key_gets_429_and_another_key_is_served(web, megrez):
    settings = make_settings(web, megrez, api_keys=[A, B], key_max_concurrency=2)
    megrez.delay_s = 60  # A's answers wait for their first words until A leaves: in flight all along
    with ServedApp(settings) as app, httpx.Client(timeout=60) as client:
        body = {"question": QUESTION, "stream": True}
        first = client.stream("POST", f"{app.base_url}/v1/answer", json=body, headers=bearer(A))
        second = client.stream("POST", f"{app.base_url}/v1/answer", json=body, headers=bearer(A))
        held = [first.__enter__(), second.__enter__()]  # status lines read, bodies not: both in flight
        try:
            third = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, headers=bearer(A), timeout=60)
            other = httpx.get(f"{app.base_url}/v1/models", headers=bearer(B), timeout=10)
        finally:
            for stream in (first, second):
                stream.__exit__(None, None, None)
        assert [r.status_code for r in held] == [200, 200]
        assert third.status_code == 429 and third.json()["error"]["code"] == "too_many_concurrent_requests"
        assert third.headers["retry-after"] == "1"
        assert other.status_code == 200
        assert wait_for(lambda: httpx.get(f"{app.base_url}/v1/models", headers=bearer(A)).status_code == 200)


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_a_key_stores_at_most_its_quota_and_another_key_is_not_charged(web, megrez, redis_url, store):
    """One 194 KB request stored 303 KB for 7 days, as often as a key liked: now each key has a quota."""
    redis = {"redis_url": redis_url} if store == "redis" else {}
    settings = make_settings(web, megrez, api_keys=[A, B], key_storage_bytes=700_000, **redis)
    history = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"Turn {i} of a long chat. " + "word " * 1_900}
        for i in range(20)
    ]  # about 190 KB of earlier messages: some 300 KB stored (an answer is kept twice: as shown and as written)

    def chat(key: str, n: int) -> httpx.Response:
        messages = [*history, {"role": "user", "content": f"{QUESTION} (asked {n})"}]
        messages[0] = {"role": "user", "content": f"Chat {n}. " + history[0]["content"]}
        return httpx.post(f"{app.base_url}/v1/chat/completions", json={"messages": messages}, headers=bearer(key), timeout=60)

    with ServedApp(settings) as app:
        first = chat(A, 1)
        second = chat(A, 2)
        third = chat(A, 3)
        other = chat(B, 4)
    assert first.status_code == 200 and second.status_code == 200, (first.text, second.text)
    assert third.status_code == 413 and third.json()["error"]["code"] == "storage_quota_exceeded"
    assert other.status_code == 200


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_deleting_a_conversation_frees_what_it_held_of_the_quota(redis_url, kind):
    from agent.state import Turn
    from agent.store import MemoryStore, RedisStore, StorageQuotaExceeded
    from core.caller import current_caller

    turn = Turn(question="q " * 300, answer="a", model_answer="a")
    quota = 4 * len(turn.model_dump_json().encode()) + 100  # four such turns
    store = MemoryStore(3600, quota=quota) if kind == "memory" else RedisStore(redis_url, 3600, quota=quota)
    token = current_caller.set("k-quota-test")
    try:
        for n in range(4):
            await store.append(f"c{n}", turn)
        with pytest.raises(StorageQuotaExceeded):
            await store.append("c4", turn)
        assert await store.delete("c0")
        await store.append("c4", turn)  # room again
        current_caller.set("k-someone-else")
        await store.append("c5", turn)  # another caller's own quota
    finally:
        current_caller.reset(token)
        await store.aclose()
