"""The TTL cache: add() claims a key once, across processes when Redis holds it."""

from __future__ import annotations

import asyncio

import pytest

from search.cache import MemoryCache, RedisCache


@pytest.fixture(params=["memory", "redis"])
async def cache(request):
    if request.param == "memory":
        yield MemoryCache()
        return
    redis_cache = RedisCache(request.getfixturevalue("redis_url"))
    yield redis_cache
    await redis_cache.aclose()


async def test_add_claims_a_key_exactly_once_among_concurrent_callers(cache):
    claims = await asyncio.gather(*(cache.add("ws:slack:event:E1", b"1", 60) for _ in range(20)))
    assert claims.count(True) == 1
    assert await cache.get("ws:slack:event:E1") == b"1"


async def test_get_and_set_with_ttl(cache):
    assert await cache.get("ws:page:x") is None
    await cache.set("ws:page:x", b"page", 60)
    assert await cache.get("ws:page:x") == b"page"


async def test_two_clients_of_one_redis_claim_once(redis_url):
    first, second = RedisCache(redis_url), RedisCache(redis_url)
    claims = await asyncio.gather(first.add("ws:slack:event:E2", b"1", 60), second.add("ws:slack:event:E2", b"1", 60))
    assert sorted(claims) == [False, True]
    await first.aclose()
    await second.aclose()
