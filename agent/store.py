"""Conversation memory: Redis when configured, else process memory, behind one interface.

A conversation is an append-only list of turns (`ws:conv:{id}`), so two requests on one
conversation at the same time both land (RPUSH is atomic) and earlier turns never change, which
keeps their rendering in later prompts byte-identical for vLLM's prefix cache.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Callable, Protocol
from urllib.parse import urlsplit, urlunsplit

from agent.state import Turn
from search.redis_client import connect

if TYPE_CHECKING:
    from agent.settings import Settings


class StoreUnavailable(Exception):
    status = 503
    code = "store_unavailable"

    def __init__(self, backend: str, message: str):
        self.backend = backend
        self.message = message
        super().__init__(f"{backend}: {message}")


class ConversationStore(Protocol):
    name: str

    async def get(self, conversation_id: str) -> list[Turn]: ...

    async def append(self, conversation_id: str, turn: Turn) -> None: ...

    async def delete(self, conversation_id: str) -> bool: ...

    async def ping(self) -> None: ...

    async def aclose(self) -> None: ...


class MemoryStore:
    """Single-process store with the same TTL semantics as Redis."""

    name = "in-process store"

    SWEEP_EVERY = 256  # appends between sweeps of expired conversations (never read again)

    def __init__(self, ttl_s: int):
        self._ttl_s = ttl_s
        self._data: dict[str, tuple[float, list[Turn]]] = {}
        self._appends = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> MemoryStore:
        return cls(settings.conversation_ttl_s)

    def _live(self, conversation_id: str) -> list[Turn] | None:
        entry = self._data.get(conversation_id)
        if entry is None:
            return None
        expires, turns = entry
        if expires < time.monotonic():
            del self._data[conversation_id]
            return None
        return turns

    async def get(self, conversation_id: str) -> list[Turn]:
        return list(self._live(conversation_id) or [])

    async def append(self, conversation_id: str, turn: Turn) -> None:
        turns = self._live(conversation_id) or []
        turns.append(turn)
        self._data[conversation_id] = (time.monotonic() + self._ttl_s, turns)
        self._appends += 1
        if self._appends % self.SWEEP_EVERY == 0:
            now = time.monotonic()
            for key in [key for key, (expires, _) in self._data.items() if expires < now]:
                del self._data[key]

    async def delete(self, conversation_id: str) -> bool:
        return self._data.pop(conversation_id, None) is not None

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


class RedisStore:
    """Conversations as Redis lists of JSON turns, each append refreshing the TTL."""

    prefix = "ws:conv:"

    def __init__(self, url: str, ttl_s: int):
        import redis.asyncio as redis  # imported here so the in-process default needs no Redis

        self._errors = (redis.RedisError, OSError, asyncio.TimeoutError)
        self._redis = connect(url, socket_connect_timeout=2, socket_timeout=5)
        self._ttl_s = ttl_s
        self.name = f"redis at {_redacted(url)}"

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisStore:
        assert settings.redis_url
        return cls(settings.redis_url, settings.conversation_ttl_s)

    def _key(self, conversation_id: str) -> str:
        return self.prefix + conversation_id

    async def _call(self, make):
        try:
            return await make()
        except self._errors as exc:
            raise StoreUnavailable(self.name, f"{type(exc).__name__}: {exc}") from exc

    async def get(self, conversation_id: str) -> list[Turn]:
        raw = await self._call(lambda: self._redis.lrange(self._key(conversation_id), 0, -1))
        return [Turn.model_validate_json(item) for item in raw]

    async def append(self, conversation_id: str, turn: Turn) -> None:
        key = self._key(conversation_id)

        async def write():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(key, turn.model_dump_json())
                pipe.expire(key, self._ttl_s)
                await pipe.execute()

        await self._call(write)

    async def delete(self, conversation_id: str) -> bool:
        return bool(await self._call(lambda: self._redis.delete(self._key(conversation_id))))

    async def ping(self) -> None:
        await self._call(self._redis.ping)

    async def aclose(self) -> None:
        await self._redis.aclose()


STORES: dict[str, Callable[[Settings], ConversationStore]] = {
    "redis": RedisStore.from_settings,
    "memory": MemoryStore.from_settings,
}


def build_store(settings: Settings) -> ConversationStore:
    return STORES["redis" if settings.redis_url else "memory"](settings)
