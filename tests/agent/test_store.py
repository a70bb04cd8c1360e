"""The conversation store: the same behaviour from Redis and from process memory."""

from __future__ import annotations

import asyncio

import pytest

from agent.state import Turn
from agent.store import ConversationTooLarge, MemoryStore, RedisStore, StoreUnavailable
from testkit.skips import missing
from testkit.app_server import free_port
from testkit.stores import cluster_ports, turn


@pytest.fixture(params=["memory", "redis"])
async def store(request):
    if request.param == "memory":
        yield MemoryStore(ttl_s=60)
        return
    url = request.getfixturevalue("redis_url")
    redis_store = RedisStore(url, ttl_s=60)
    yield redis_store
    await redis_store.aclose()


async def test_append_then_get_in_order(store):
    for i in range(3):
        await store.append("c1", turn(i))
    turns = await store.get("c1")
    assert [t.question for t in turns] == ["question 0", "question 1", "question 2"]
    assert turns[1].model_answer == "answer 1 [citation:1]"
    assert await store.get("unknown") == []


async def test_concurrent_appends_keep_every_turn(store):
    await asyncio.gather(*(store.append("busy", turn(i)) for i in range(50)))
    turns = await store.get("busy")
    assert sorted(t.question for t in turns) == sorted(f"question {i}" for i in range(50))


async def test_delete(store):
    await store.append("gone", turn(1))
    assert await store.delete("gone") is True
    assert await store.get("gone") == []
    assert await store.delete("gone") is False


async def test_redis_sets_a_ttl(redis_url):
    import redis.asyncio as redis

    store = RedisStore(redis_url, ttl_s=123)
    await store.append("ttl", turn(1))
    ttl = await redis.from_url(redis_url).ttl("ws:conv:ttl")
    assert 0 < ttl <= 123
    await store.aclose()


async def test_memory_store_expires():
    store = MemoryStore(ttl_s=0)
    await store.append("short", turn(1))
    await asyncio.sleep(0.01)
    assert await store.get("short") == []


async def test_redis_down_is_a_clear_store_error_without_the_password():
    store = RedisStore(f"redis://user:secret@127.0.0.1:{free_port()}/0", ttl_s=60)
    with pytest.raises(StoreUnavailable) as caught:
        await store.get("x")
    assert "secret" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
    await store.aclose()


@pytest.fixture
def sentinel_url(redis_server_url, tmp_path):
    """A real Redis Sentinel (redis-server in sentinel mode) watching the tests' Redis."""
    import shutil
    import subprocess
    import time
    from urllib.parse import urlsplit

    import redis as sync_redis

    binary = shutil.which("redis-server")
    if not binary:
        missing("redis-server is not installed (the Sentinel test runs a real sentinel)")
    target = urlsplit(redis_server_url)
    port = free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor tests {target.hostname} {target.port} 1\n"
    )
    proc = subprocess.Popen([binary, str(conf), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if sync_redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1).ping():
                    break
            except sync_redis.RedisError:
                time.sleep(0.05)
        database = target.path.strip("/") or "0"  # the configured test database, never another
        yield f"redis+sentinel://127.0.0.1:{port}/tests/{database}"
    finally:
        proc.terminate()
        proc.wait(timeout=5)


async def test_a_sentinel_url_reaches_the_master(sentinel_url, redis_url):
    import redis.asyncio as redis

    store = RedisStore(sentinel_url, ttl_s=60)
    await store.append("via-sentinel", turn(1))
    assert [t.question for t in await store.get("via-sentinel")] == ["question 1"]
    assert await redis.from_url(redis_url).llen("ws:conv:via-sentinel") == 1  # the same Redis, same database
    await store.aclose()


@pytest.fixture
def cluster_url(tmp_path):
    """A real three-node Redis Cluster on loopback, made for this test."""
    import shutil
    import subprocess
    import time

    import redis as sync_redis

    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if not server or not cli:
        missing("redis-server / redis-cli are not installed (the Cluster test runs a real cluster)")
    ports = cluster_ports(3)
    procs = [
        subprocess.Popen(
            [server, "--port", str(p), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file",
             f"nodes-{p}.conf", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for p in ports
    ]
    try:
        for p in ports:
            for _ in range(100):
                try:
                    sync_redis.Redis(port=p, socket_timeout=1, socket_connect_timeout=1).ping()
                    break
                except sync_redis.RedisError:
                    time.sleep(0.05)
        subprocess.run(
            [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports), "--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=30,
        )
        for _ in range(200):
            if b"cluster_state:ok" in sync_redis.Redis(port=ports[0], socket_timeout=1).execute_command("CLUSTER INFO"):
                break
            time.sleep(0.05)
        yield f"redis+cluster://127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=5)


async def test_a_cluster_url_spreads_conversations_over_the_slots(cluster_url):
    store = RedisStore(cluster_url, ttl_s=60)
    ids = [f"conv-{i}" for i in range(20)]  # enough keys to land on every node
    for i, cid in enumerate(ids):
        await store.append(cid, turn(i))
        await store.append(cid, turn(i + 100))
    for i, cid in enumerate(ids):
        assert [t.question for t in await store.get(cid)] == [f"question {i}", f"question {i + 100}"]
    assert await store.delete(ids[0]) is True
    await store.aclose()


async def test_memory_store_forgets_expired_conversations_nobody_reads_again():
    """Every SWEEP_EVERY-th append sweeps the expired conversations out of memory (256: a process
    answering for weeks keeps only the live ones), and no append before it does."""
    assert MemoryStore.SWEEP_EVERY == 256
    store = MemoryStore(ttl_s=0)
    for i in range(MemoryStore.SWEEP_EVERY - 1):
        await store.append(f"abandoned-{i}", turn(i))
    assert store.held == MemoryStore.SWEEP_EVERY - 1  # expired, but no sweep yet
    await asyncio.sleep(0.01)
    await store.append("one-more", turn(0))
    assert store.held <= 1  # the 256th append swept them all (itself too, at TTL 0)
    for i in range(MemoryStore.SWEEP_EVERY - 1):
        await store.append(f"again-{i}", turn(i))
    assert store.held >= MemoryStore.SWEEP_EVERY - 1  # and the next sweep waits for the 512th


async def test_exists_says_whether_a_conversation_is_kept(store):
    assert await store.exists("kept") is False
    await store.append("kept", turn(1))
    assert await store.exists("kept") is True
    await store.delete("kept")
    assert await store.exists("kept") is False


async def test_readiness_pings_redis_and_closing_gives_its_connections_back(redis_url):
    import redis.asyncio as redis

    down = RedisStore(f"redis://127.0.0.1:{free_port()}/0", ttl_s=60)
    with pytest.raises(StoreUnavailable):
        await down.ping()  # /readyz names the store that is down
    await down.aclose()
    db = int(redis_url.rsplit("/", 1)[1])
    observer = redis.from_url(redis_url)

    async def clients() -> set[int]:
        return {c["id"] for c in await observer.client_list() if int(c["db"]) == db and c["cmd"] != "client|list"}

    before = await clients()
    store = RedisStore(redis_url, ttl_s=60)
    await store.ping()
    await asyncio.gather(*(store.append(f"close-{i}", turn(i)) for i in range(4)))
    assert await clients() - before  # the store holds connections now …
    await store.aclose()
    for _ in range(50):  # … and gives every one back when closed (the server sees them go)
        if not await clients() - before:
            break
        await asyncio.sleep(0.02)
    assert not await clients() - before
    await observer.aclose()


async def test_by_default_a_conversation_holds_200_turns_of_at_most_256_kib_each():
    store = MemoryStore(ttl_s=60)
    for i in range(200):
        await store.append("long", turn(i))
    with pytest.raises(ConversationTooLarge, match=r"full \(200 turns\)"):
        await store.append("long", turn(200))

    def of_size(size: int, fill: str) -> Turn:
        """A turn whose JSON is exactly `size` bytes (Chinese: 3 bytes a character)."""
        empty = len(Turn(question="q", answer="", model_answer="").model_dump_json().encode())
        room = size - empty
        text = fill * (room // len(fill.encode())) + "x" * (room % len(fill.encode()))
        made = Turn(question="q", answer=text, model_answer="")
        assert len(made.model_dump_json().encode()) == size
        return made

    for fill in ("x", "桥"):
        await store.append(f"edge-{fill}", of_size(262_144, fill))  # exactly the cap: kept
        with pytest.raises(ConversationTooLarge, match="larger than 262144 bytes"):
            await store.append(f"edge-{fill}", of_size(262_145, fill))


    assert len(store) < MemoryStore.SWEEP_EVERY


# What Redis holds for a two-round turn saved before `rounds` (the layout up to issue 27): round 1 as
# `function_call`/`observation`/`queries[0]`, round 2 and a refused third call in `later_rounds`.
CALL_1 = '<|function_start|>{"name": "search", "arguments": {"query": "Lantern Orchard author"}}<|function_end|>'
CALL_2 = '<|function_start|>{"name": "search", "arguments": {"query": "Ilse Varga birthplace"}}<|function_end|>'
CALL_3 = '<|function_start|>{"name": "search", "arguments": {"query": "Ilse Varga"}}<|function_end|>'
OLD_TURN = {
    "question": "Where was the author of The Lantern Orchard born?",
    "answer": "In Kessel Point [2].",
    "model_answer": "In Kessel Point [citation:2].",
    "function_call": CALL_1,
    "observation": "[[citation:1]] Novel (https://a.eu)\nIt is by Ilse Varga.",
    "later_rounds": [
        {"query": "Ilse Varga birthplace", "text": "By Ilse Varga [citation:1]. ", "shown": "By Ilse Varga [1]. ",
         "claims": [], "call": "By Ilse Varga [citation:1]. " + CALL_2,
         "observation": "[[citation:2]] Profile (https://b.eu)\nBorn in Kessel Point.", "searched": True},
        {"query": "Ilse Varga", "text": "", "shown": "", "claims": [], "call": CALL_3,
         "observation": "No more searches can be made for this question.", "searched": False},
    ],
    "history_start": 0,
    "queries": ["Lantern Orchard author", "Ilse Varga birthplace"],
    "sources": [],
    "citations": [],
    "claims": [],
    "searched": True,
    "created_at": "2026-11-20T10:00:00Z",
}


async def test_a_turn_saved_in_the_old_layout_loads_from_redis_and_replays_as_it_did(redis_url):
    import json

    import redis.asyncio as redis

    from agent.protocols.megrez import turn_messages
    from agent.protocols.tools import tools_turn

    client = redis.from_url(redis_url)
    await client.rpush("ws:conv:old", json.dumps(OLD_TURN))
    await client.aclose()
    store = RedisStore(redis_url, ttl_s=60)
    try:
        [old] = await store.get("old")
    finally:
        await store.aclose()
    assert old.queries == OLD_TURN["queries"] and [r.searched for r in old.rounds] == [True, True, False]
    # Megrez replays every call and what it read, byte for byte as the model saw them.
    assert [(m.role, m.content) for m in turn_messages(old)] == [
        ("user", OLD_TURN["question"]),
        ("assistant", CALL_1),
        ("observation", OLD_TURN["observation"]),
        ("assistant", OLD_TURN["later_rounds"][0]["call"]),
        ("observation", OLD_TURN["later_rounds"][0]["observation"]),
        ("assistant", CALL_3),
        ("observation", "No more searches can be made for this question."),
        ("assistant", OLD_TURN["model_answer"]),
    ]
    # A tools model replays them as tool calls, each with its own id.
    wire = [m.wire() for m in tools_turn(old)]
    assert [(m["role"], m.get("tool_call_id")) for m in wire] == [
        ("user", None), ("assistant", None), ("tool", "call_search"), ("assistant", None), ("tool", "call_search_2"),
        ("assistant", None), ("tool", "call_search_3"), ("assistant", None),
    ]
    assert wire[3]["content"] == "By Ilse Varga [citation:1]. "
    assert wire[5]["tool_calls"][0]["function"] == {"name": "search", "arguments": '{"query": "Ilse Varga"}'}
    # Saved again it keeps one list of rounds, and loads as the same turn.
    again = Turn.model_validate_json(old.model_dump_json())
    assert again == old and "later_rounds" not in old.model_dump_json()
