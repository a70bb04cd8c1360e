"""A small TTL cache for search results and extracted pages: Redis when configured, else memory.

Keys: `ws:search:{provider}:{hash}` and `ws:page:{hash}`, beside the service's other `ws:` keys.
A cache that fails is a cache miss, never a failed request.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Callable, Protocol

from search.config import CacheConfig
from core.redis_client import MAX_CONNECTIONS as REDIS_MAX_CONNECTIONS, connect

log = logging.getLogger("websearch.cache")


def cache_key(namespace: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"ws:{namespace}:{digest}"


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_s: int) -> None: ...

    async def add(self, key: str, value: bytes, ttl_s: int) -> bool:
        """Set only if absent, atomically; True when this call set it (a failing cache says True)."""
        ...

    async def aclose(self) -> None: ...


class MemoryCache:
    def __init__(self, max_items: int = 2048, clock: Callable[[], float] = time.monotonic):
        self._items: dict[str, tuple[float, bytes]] = {}
        self._max_items = max_items
        self._clock = clock  # injectable, as the circuits' (tests move time instead of sleeping)

    async def get(self, key: str) -> bytes | None:
        entry = self._items.get(key)
        if entry is None or entry[0] < self._clock():
            self._items.pop(key, None)
            return None
        return entry[1]

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        if len(self._items) >= self._max_items:  # drop the oldest insertion; good enough for one process
            self._items.pop(next(iter(self._items)))
        self._items[key] = (self._clock() + ttl_s, value)

    async def add(self, key: str, value: bytes, ttl_s: int) -> bool:
        if await self.get(key) is not None:
            return False
        await self.set(key, value, ttl_s)  # no await in between: atomic on one event loop
        return True

    async def aclose(self) -> None:
        return None


class RedisCache:
    def __init__(self, url: str, max_connections: int = REDIS_MAX_CONNECTIONS):
        import redis.asyncio as redis

        self._redis = connect(url, socket_connect_timeout=1, socket_timeout=2, max_connections=max_connections)
        self._errors = (redis.RedisError, OSError)

    async def get(self, key: str) -> bytes | None:
        try:
            return await self._redis.get(key)
        except self._errors as exc:
            log.warning("cache read failed: %s", exc)
            return None

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        try:
            await self._redis.set(key, value, ex=ttl_s)
        except self._errors as exc:
            log.warning("cache write failed: %s", exc)

    async def add(self, key: str, value: bytes, ttl_s: int) -> bool:
        try:
            return bool(await self._redis.set(key, value, ex=ttl_s, nx=True))
        except self._errors as exc:
            log.warning("cache write failed: %s", exc)
            return True

    async def aclose(self) -> None:
        await self._redis.aclose()


CACHES: dict[str, Callable[[CacheConfig], Cache]] = {
    "redis": lambda config: RedisCache(config.redis_url or "", config.redis_max_connections),
    "memory": lambda config: MemoryCache(),
}


def build_cache(config: CacheConfig) -> Cache:
    return CACHES["redis" if config.redis_url else "memory"](config)
