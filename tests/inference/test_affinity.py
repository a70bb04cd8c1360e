"""A conversation keeps its model server: consistent hashing with bounded load, routing headers, router tokens."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter

import pytest

from agent.deps import llm_config
from agent.settings import Settings
from inference.base import GenerationParams, Message, RouteKey
from inference.openai_server import OpenAIServerLLM
from inference.pool import PooledLLM
from inference.registry import build_llm
from inference.routing import AffinityRing, SessionTokens, load_bound, route_key
from testkit.megrez import ScriptedMegrez

PARAMS = GenerationParams(max_tokens=64, temperature=0.0)
ASK = [Message(role="system", content="You are a helpful assistant."), Message(role="user", content="What is 2 + 3?")]
ANSWER = "2 + 3 = 5."
SECRET = "test-secret"
# The session headers of the routers people put in front of vLLM, lower-cased as they arrive.
ROUTER_HEADERS = ("x-session-id", "x-user-id", "x-smg-routing-key", "x-dynamo-session-id")


@pytest.fixture
def three():
    with ScriptedMegrez() as a, ScriptedMegrez() as b, ScriptedMegrez() as c:
        yield a, b, c


def pool_of(*servers: ScriptedMegrez, cooldown_s: float = 10.0, min_load: int = 8) -> PooledLLM:
    # A stopped server refuses at once; generous connect and check timeouts keep a busy test machine
    # (a connection that took over 1 s under load in CI) from marking a running one down.
    llms = [OpenAIServerLLM(s.base_url, s.model, timeout_s=10, connect_timeout_s=5) for s in servers]
    return PooledLLM(llms, cooldown_s=cooldown_s, check_timeout_s=5, load_factor=1.25, min_load=min_load)


def key(n: int) -> RouteKey:
    return route_key(f"conversation-{n}", SECRET)


async def ask(llm, route: RouteKey | None, how: str = "stream") -> str:
    if how == "chat":
        return (await llm.chat(ASK, PARAMS, route)).text
    if how == "batch":
        return (await llm.chat_batch([ASK], PARAMS, route))[0].text
    return "".join([piece async for piece in llm.chat_stream(ASK, PARAMS, route)])


def homes(*servers: ScriptedMegrez) -> dict[str, set[str]]:
    """Routing key -> the servers (by URL) that served a request carrying it."""
    seen: dict[str, set[str]] = {}
    for server in servers:
        for request in server.requests:
            seen.setdefault(request["headers"]["x-session-id"], set()).add(server.url)
    return seen


def test_the_routing_key_is_a_keyed_hash_that_names_nobody():
    first, again = route_key("user-42:thread-1", SECRET), route_key("user-42:thread-1", SECRET)
    assert first == again and len(first.value) == 32
    assert route_key("user-42:thread-2", SECRET) != first
    assert route_key("user-42:thread-1", "another secret") != first  # unguessable without the secret
    assert "42" not in first.value and "thread" not in first.value
    with pytest.raises(ValueError):
        RouteKey(value="user-42")  # only hex digests go on the wire


def test_the_ring_moves_only_the_share_of_an_endpoint_that_comes_or_goes():
    names = [f"http://gpu{i}:8000/v1" for i in range(5)]
    four, five = AffinityRing(names[:4], names[:4]), AffinityRing(names, names)
    keys = [key(n) for n in range(2000)]
    before = {k: four.walk(k)[0] for k in keys}
    after = {k: five.walk(k)[0] for k in keys}
    moved = [k for k in keys if before[k] != after[k]]
    assert all(after[k] == names[4] for k in moved)  # a newcomer takes keys; nobody else's move
    assert 0.12 < len(moved) / len(keys) < 0.28  # about its fifth
    # Each endpoint owns about a quarter of the keys on four.
    assert max(Counter(before.values()).values()) / (len(keys) / 4) < 1.2
    # The order a key is offered endpoints: every one, once, its owner first.
    assert all(sorted(five.walk(k)) == sorted(names) and five.walk(k)[0] == after[k] for k in keys[:50])


def test_where_a_conversation_goes_is_the_same_in_every_release():
    """A rolling upgrade runs two releases of the api side by side: each must send a conversation
    where the other does (its prefix cache is there), so the ring's points are pinned."""
    names = [f"http://gpu{i}:8000/v1" for i in range(3)]
    ring = AffinityRing(names, names)
    orders = ["".join(name.removeprefix("http://gpu")[0] for name in ring.walk(key(n))) for n in range(8)]
    assert orders == ["102", "120", "102", "120", "021", "120", "012", "021"]


async def test_replicas_listing_the_servers_in_another_order_place_each_conversation_alike(three):
    """Two api replicas whose WEBSEARCH_LLM_BASE_URL lists the same servers in another order: each
    conversation still reaches the same server from either (its prefix cache is there)."""
    a, b, c = three
    one = build_llm(llm_config(Settings(_env_file=None, llm_base_url=f"{a.base_url},{b.base_url},{c.base_url}")))
    other = build_llm(llm_config(Settings(_env_file=None, llm_base_url=f"{c.base_url},{a.base_url},{b.base_url}")))
    try:
        for n in range(24):
            assert await ask(one, key(n)) == ANSWER
        first = homes(a, b, c)
        for server in three:
            server.requests.clear()
        for n in range(24):
            assert await ask(other, key(n), "chat") == ANSWER
        assert homes(a, b, c) == first
        assert len({next(iter(s)) for s in first.values()}) == 3  # and they spread over all three
    finally:
        await one.aclose()
        await other.aclose()


def test_the_load_bound_is_the_ceiling_of_the_factor_times_the_mean():
    assert load_bound(0, 2, 1.25) == 1
    assert load_bound(49, 2, 1.25) == 32  # 50 requests on 2: none above ⌈1.25 × 25⌉
    assert load_bound(49, 3, 1.25) == 21
    assert load_bound(7, 4, 1.0) == 2
    assert load_bound(3, 4, 1.25, floor=8) == 8  # at low load, never below the floor
    assert load_bound(49, 2, 1.25, floor=8) == 32


def test_session_tokens_are_kept_per_conversation_and_bounded():
    tokens = SessionTokens(limit=3)
    for n in range(5):
        tokens.put(key(n), f"token-{n}")
    assert len(tokens) == 3 and tokens.get(key(0)) is None and tokens.get(key(4)) == "token-4"
    tokens.put(key(2), "bad\r\nInjected: header")  # not a header value: ignored
    assert tokens.get(key(2)) == "token-2"


def test_session_tokens_forget_the_least_recently_used_conversation_first():
    tokens = SessionTokens(limit=2)
    tokens.put(key(0), "token-0")
    tokens.put(key(1), "token-1")
    assert tokens.get(key(0)) == "token-0"  # conversation 0 is used again: 1 is now the oldest
    tokens.put(key(2), "token-2")
    assert (tokens.get(key(0)), tokens.get(key(1)), tokens.get(key(2)), len(tokens)) == ("token-0", None, "token-2", 2)
    tokens.put(key(0), "token-0b")  # a router's new token for 0: 2 is now the oldest
    tokens.put(key(3), "token-3")
    assert (tokens.get(key(0)), tokens.get(key(2)), tokens.get(key(3))) == ("token-0b", None, "token-3")


def test_a_session_token_that_cannot_go_back_as_a_header_value_is_ignored():
    tokens = SessionTokens()
    tokens.put(key(0), " token-0 ")
    assert tokens.get(key(0)) == "token-0"
    for bad in ("", "   ", "x" * 513, "bad\x00token"):
        tokens.put(key(0), bad)
        assert tokens.get(key(0)) == "token-0"
    tokens.put(key(0), "y" * 512)  # the longest kept
    assert tokens.get(key(0)) == "y" * 512


def test_a_ring_needs_one_name_per_endpoint_and_at_least_one_endpoint():
    for endpoints, names in (([], []), (["a", "b"], ["a"]), (["a"], ["a", "b"])):
        with pytest.raises(ValueError):
            AffinityRing(endpoints, names)


async def test_a_conversation_sticks_to_one_endpoint_through_every_kind_of_request(three):
    llm = pool_of(*three)
    try:
        for turn in range(3):
            for n in range(24):
                how = ("stream", "chat", "batch")[(n + turn) % 3]
                assert await ask(llm, key(n), how) == ANSWER
        seen = homes(*three)
        assert len(seen) == 24 and all(len(servers) == 1 for servers in seen.values())
        # Each conversation is on its ring owner, and the conversations spread over all three.
        for n in range(24):
            assert seen[key(n).value] == {llm.ring.walk(key(n))[0].llm.base_url.removesuffix("/v1")}
        assert {next(iter(s)) for s in seen.values()} == {s.url for s in three}
        assert llm.spilled == 0
    finally:
        await llm.aclose()


@pytest.mark.parametrize("count", [2, 3])
async def test_load_stays_within_the_bound_across_50_conversations(count):
    servers = [ScriptedMegrez(delay_s=0.6).start() for _ in range(count)]
    llm = pool_of(*servers)
    try:
        burst = [asyncio.create_task(ask(llm, key(n), ("stream", "chat")[n % 2])) for n in range(50)]
        await asyncio.sleep(0.3)  # every request placed, none answered yet
        outstanding = [e.outstanding for e in llm.endpoints]
        assert sum(outstanding) == 50
        assert max(outstanding) <= math.ceil(1.25 * 50 / count), outstanding
        assert await asyncio.gather(*burst) == [ANSWER] * 50
        # With nothing in flight, every follow-up goes home: to its owner on the ring.
        for server in servers:
            server.delay_s = 0.0
            server.requests.clear()
        for n in range(50):
            await ask(llm, key(n), "chat")
        seen = homes(*servers)
        assert all(seen[key(n).value] == {llm.ring.walk(key(n))[0].llm.base_url.removesuffix("/v1")} for n in range(50))
        # And without a conversation: least outstanding, as before (both servers get the burst).
        for server in servers:
            server.delay_s = 0.3
            server.requests.clear()
        await asyncio.gather(*(ask(llm, None) for _ in range(6 * count)))
        assert [len(s.requests) for s in servers] == [6] * count
        assert all("x-session-id" not in r["headers"] and "user" not in r["body"] for s in servers for r in s.requests)
    finally:
        await llm.aclose()
        for server in servers:
            server.stop()


async def test_at_low_load_a_turns_parallel_requests_stay_home_and_at_high_load_they_spread(three):
    a, b, c = three
    for server in three:
        server.delay_s = 0.4
    for floor, spread in ((8, False), (1, True)):
        llm = pool_of(a, b, c, min_load=floor)
        try:
            for server in three:
                server.requests.clear()
            # A turn's answer and related requests, and two other conversations' requests, at once.
            await asyncio.gather(ask(llm, key(1)), ask(llm, key(1), "chat"), ask(llm, key(2)), ask(llm, key(3)))
            seen = homes(a, b, c)
            assert (len(seen[key(1).value]) > 1) is spread
            assert (llm.spilled > 0) is spread
            # websearch_llm_affinity_spilled counts exactly the requests served away from their home
            away = [s for s in three for r in s.requests
                    if llm.ring.walk(RouteKey(value=r["headers"]["x-session-id"]))[0].url != s.base_url]
            assert llm.spilled == len(away)
        finally:
            await llm.aclose()


async def test_an_endpoint_going_down_moves_only_its_conversations_and_they_come_back(three):
    a, b, c = three
    llm = pool_of(a, b, c, cooldown_s=0.2)
    try:
        for n in range(30):
            await ask(llm, key(n))
        home = {k: next(iter(s)) for k, s in homes(a, b, c).items()}
        on_b = {k for k, url in home.items() if url == b.url}
        assert 3 <= len(on_b) <= 20
        port = b.port
        b.stop()
        for server in (a, c):
            server.requests.clear()
        for n in range(30):
            assert await ask(llm, key(n), "chat") == ANSWER  # nobody notices
        moved = {k: next(iter(s)) for k, s in homes(a, c).items()}
        assert set(moved) == set(home)
        assert all(moved[k] == home[k] for k in home if k not in on_b)  # the others stayed
        assert all(moved[k] != b.url for k in on_b)
        with ScriptedMegrez(port=port) as healed:
            deadline = time.monotonic() + 5
            while llm.down() and time.monotonic() < deadline:
                await ask(llm, None)
                await asyncio.sleep(0.05)
            assert llm.down() == {}
            for server in (a, c):
                server.requests.clear()
            for n in range(30):
                await ask(llm, key(n))
            back = {k: next(iter(s)) for k, s in homes(a, healed, c).items()}
            assert back == home  # b's conversations are home again; nobody else moved
    finally:
        await llm.aclose()


async def test_a_server_marked_down_is_not_tried_first_for_its_conversations(three):
    """b answers 503: its conversations fail over at their first request, and until b's cool-down is
    over their next requests go straight to the next server, never to b first (each try there costs
    the user a round trip, and a slow server its timeout)."""
    a, b, c = three
    b.fail_with = 503
    llm = pool_of(a, b, c, cooldown_s=60)
    try:
        on_b = [n for n in range(40) if llm.ring.walk(key(n))[0].llm.base_url.startswith(b.url)]
        assert len(on_b) >= 3
        for turn in range(3):
            for n in on_b:
                assert await ask(llm, key(n), ("stream", "chat", "batch")[turn]) == ANSWER
        assert len(b.requests) == 1  # the request that found it down, and none since
        assert list(llm.down()) == [b.base_url]
    finally:
        await llm.aclose()


async def test_routing_headers_and_user_carry_the_key_on_every_request(three):
    a = three[0]
    llm = OpenAIServerLLM(a.base_url, a.model, timeout_s=10)
    try:
        route = key(7)
        for how in ("stream", "chat", "batch"):
            await ask(llm, route, how)
        await llm.complete(["Hello"], PARAMS, route)
        await llm.complete_stream("Hello", PARAMS, route).aclose()
        await ask(llm, None)
        keyed, unkeyed = a.requests[:-1], a.requests[-1]
        assert len(keyed) >= 4
        for request in keyed:  # each router's own header, named here (not read back from the code under test)
            assert all(request["headers"][name] == route.value for name in ROUTER_HEADERS)
            assert request["body"]["user"] == route.value
        assert not set(unkeyed["headers"]) & set(ROUTER_HEADERS)
        assert "user" not in unkeyed["body"]
    finally:
        await llm.aclose()


async def test_the_header_list_comes_from_settings(three):
    a, b, _ = three
    settings = Settings(
        _env_file=None, llm_base_url=f"{a.base_url},{b.base_url}", llm_route_headers="X-Route, x-affinity"
    )
    llm = build_llm(llm_config(settings))
    try:
        await ask(llm, key(1))
        (request,) = a.requests + b.requests
        assert request["headers"]["x-route"] == request["headers"]["x-affinity"] == key(1).value
        assert "x-session-id" not in request["headers"]
    finally:
        await llm.aclose()


async def test_a_routers_session_token_goes_back_on_the_conversations_next_requests(three):
    a = three[0]
    a.reply_headers = {"x-session-token": "router-opaque-token-1"}
    llm = OpenAIServerLLM(a.base_url, a.model, timeout_s=10)
    try:
        await ask(llm, key(1), "chat")
        a.reply_headers = {"x-session-token": "router-opaque-token-2"}
        await ask(llm, key(1), "stream")  # a stream's reply header counts too
        await ask(llm, key(1), "batch")
        await ask(llm, key(2), "chat")
        await ask(llm, key(1), "chat")
        sent = [r["headers"].get("x-session-token") for r in a.requests]
        assert sent == [None, "router-opaque-token-1", "router-opaque-token-2", None, "router-opaque-token-2"]
    finally:
        await llm.aclose()


async def test_with_affinity_off_a_conversations_requests_spread_like_any_others(three):
    """WEBSEARCH_LLM_POOL_AFFINITY=false: least outstanding for every request (the key still goes to the servers)."""
    a, b, c = three
    llm = build_llm(llm_config(Settings(
        _env_file=None, llm_base_url=f"{a.base_url},{b.base_url},{c.base_url}", llm_pool_affinity=False
    )))
    try:
        for _ in range(6):
            assert await ask(llm, key(1)) == ANSWER
        assert [len(s.requests) for s in three] == [2, 2, 2]  # idle servers take turns
        assert homes(a, b, c) == {key(1).value: {a.url, b.url, c.url}}
    finally:
        await llm.aclose()
