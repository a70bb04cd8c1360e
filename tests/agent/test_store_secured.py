"""The store with passwords everywhere (Sentinel and Cluster included), never showing them, and its size cap."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time

import pytest

from agent.store import ConversationTooLarge, MemoryStore, RedisStore
from agent.state import Turn
from testkit.stores import cluster_ports, turn
from testkit.skips import missing
from testkit.app_server import free_port

PASSWORD = "s3cret-pw"


def _wait_ping(port: int, password: str | None = None) -> None:
    import redis as sync_redis

    for _ in range(200):
        try:
            if sync_redis.Redis(port=port, password=password, socket_timeout=1, socket_connect_timeout=1).ping():
                return
        except sync_redis.RedisError:
            time.sleep(0.05)
    raise RuntimeError(f"redis on {port} did not answer")


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=5)


@pytest.fixture
def sentinel_with_password(tmp_path):
    """A Redis with `requirepass` and a Sentinel with the same password watching it, both made here."""
    server = shutil.which("redis-server")
    if not server:
        missing("redis-server is not installed")
    redis_port, sentinel_port = free_port(), free_port()
    procs = [_start([server, "--port", str(redis_port), "--bind", "127.0.0.1", "--requirepass", PASSWORD,
                     "--save", "", "--appendonly", "no", "--dir", str(tmp_path)])]
    try:
        _wait_ping(redis_port, PASSWORD)
        conf = tmp_path / "sentinel.conf"
        conf.write_text(
            f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\nrequirepass {PASSWORD}\n"
            f"sentinel monitor secured 127.0.0.1 {redis_port} 1\nsentinel auth-pass secured {PASSWORD}\n"
        )
        procs.append(_start([server, str(conf), "--sentinel"]))
        _wait_ping(sentinel_port, PASSWORD)
        yield redis_port, f"redis+sentinel://:{PASSWORD}@127.0.0.1:{sentinel_port},127.0.0.1:{free_port()}/secured/2"
    finally:
        _stop(procs)


async def test_a_password_protected_sentinel_url_works_and_its_name_hides_the_password(sentinel_with_password):
    import redis.asyncio as redis

    redis_port, url = sentinel_with_password
    store = RedisStore(url, ttl_s=60)  # it used to raise ValueError here: the service could not start
    assert PASSWORD not in store.name and "127.0.0.1" in store.name
    await store.append("via-sentinel", turn(1))
    assert [t.question for t in await store.get("via-sentinel")] == ["question 1"]
    direct = redis.Redis(port=redis_port, password=PASSWORD, db=2)
    assert await direct.llen("ws:conv:via-sentinel") == 1
    await direct.aclose()
    await store.aclose()


@pytest.fixture
def cluster_with_password(tmp_path):
    """A real three-node Redis Cluster whose nodes require a password."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if not server or not cli:
        missing("redis-server / redis-cli are not installed")
    ports = cluster_ports(3)
    procs = [
        _start([server, "--port", str(p), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file",
                f"nodes-{p}.conf", "--requirepass", PASSWORD, "--masterauth", PASSWORD,
                "--save", "", "--appendonly", "no", "--dir", str(tmp_path)])
        for p in ports
    ]
    try:
        import redis as sync_redis

        for p in ports:
            _wait_ping(p, PASSWORD)
        subprocess.run(
            [cli, "-a", PASSWORD, "--no-auth-warning", "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=30,
        )
        node = sync_redis.Redis(port=ports[0], password=PASSWORD, socket_timeout=1)
        for _ in range(200):
            if b"cluster_state:ok" in node.execute_command("CLUSTER INFO"):
                break
            time.sleep(0.05)
        yield f"redis+cluster://:{PASSWORD}@127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}"
    finally:
        _stop(procs)


async def test_a_password_protected_cluster_url_works_and_its_name_hides_the_password(cluster_with_password):
    store = RedisStore(cluster_with_password, ttl_s=60)
    assert PASSWORD not in store.name
    ids = [f"conv-{i}" for i in range(12)]
    for i, cid in enumerate(ids):
        await store.append(cid, turn(i))
    for i, cid in enumerate(ids):
        assert [t.question for t in await store.get(cid)] == [f"question {i}"]
    await store.aclose()


async def test_a_password_in_the_query_never_shows():
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0?password=hunter2-secret", ttl_s=60)
    assert "hunter2-secret" not in store.name
    await store.aclose()


@pytest.fixture(params=["memory", "redis"])
async def small_store(request):
    if request.param == "memory":
        yield MemoryStore(ttl_s=60, max_turns=3, max_turn_bytes=4096)
        return
    store = RedisStore(request.getfixturevalue("redis_url"), ttl_s=60, max_turns=3, max_turn_bytes=4096)
    yield store
    await store.aclose()


async def test_a_stored_conversation_has_a_size_cap(small_store):
    for i in range(3):
        await small_store.append("capped", turn(i))
    with pytest.raises(ConversationTooLarge, match="full"):
        await small_store.append("capped", turn(3))
    huge = Turn(question="q", answer="x" * 5000, model_answer="x" * 5000)
    with pytest.raises(ConversationTooLarge, match="larger than 4096 bytes"):
        await small_store.append("other", huge)
    assert [t.question for t in await small_store.get("capped")] == ["question 0", "question 1", "question 2"]
    assert await small_store.get("other") == []


async def test_the_turn_cap_counts_bytes_so_a_chinese_turn_is_held_to_it_too(small_store):
    """4,096 bytes is ~1,365 Chinese characters (3 bytes each in UTF-8): a turn of 1,500 of them is
    over the cap though its JSON has fewer than 4,096 characters; one of 1,000 fits."""
    over = Turn(question="青川大桥的总投资是多少？", answer="桥" * 1_500, model_answer="桥")
    assert len(over.model_dump_json()) < 4096 < len(over.model_dump_json().encode())
    with pytest.raises(ConversationTooLarge, match="larger than 4096 bytes"):
        await small_store.append("zh", over)
    assert await small_store.get("zh") == []
    fits = Turn(question="青川大桥的总投资是多少？", answer="桥" * 1_000, model_answer="桥")
    await small_store.append("zh", fits)
    assert [t.answer for t in await small_store.get("zh")] == ["桥" * 1_000]


async def test_the_redis_pool_is_bounded(redis_url):
    """50 requests at once share at most `max_connections` connections (they wait, none fails)."""
    import redis.asyncio as redis

    db = int(redis_url.rsplit("/", 1)[1])
    observer = redis.from_url(redis_url)
    # Connections other tests left open on this database are not this store's: counted out.
    before = {c["id"] for c in await observer.client_list()}
    store = RedisStore(redis_url, ttl_s=60, max_connections=4)
    await asyncio.gather(*(store.append(f"pool-{i % 5}", turn(i)) for i in range(50)))
    stored = await asyncio.gather(*(store.get(f"pool-{i}") for i in range(5)))
    assert sum(len(turns) for turns in stored) == 50
    clients = [
        c
        for c in await observer.client_list()
        if int(c["db"]) == db and c["cmd"] != "client|list" and c["id"] not in before
    ]
    assert 1 <= len(clients) <= 4, clients
    await observer.aclose()
    await store.aclose()
