"""Conversation memory: Redis when configured, else process memory, behind one interface.

A conversation is an append-only list of turns (`ws:conv:{id}`), so two requests on one
conversation at the same time both land (RPUSH is atomic) and earlier turns never change, which
keeps their rendering in later prompts byte-identical for vLLM's prefix cache.

The store takes its own `StoreConfig` (filled in by agent/deps.py, the composition root), never the
app's `Settings`; the settings take their defaults from here, the one arrow between the two.

A conversation has a size cap: at most `conversation_max_turns` turns of at most
`conversation_max_turn_bytes` each; an append past it raises `ConversationTooLarge` (a 413 at the
surfaces). On Redis the count check, RPUSH and EXPIRE are one Lua script on one key (atomic, and
one slot on a Cluster).
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable, Protocol

from pydantic import BaseModel, ConfigDict

from agent.state import Turn
from core.errors import ErrorKind, WebsearchError
from core.redact import redact
from core.redis_client import MAX_CONNECTIONS as REDIS_MAX_CONNECTIONS, connect


class StoreUnavailable(WebsearchError):
    """Redis (or whichever store) cannot be reached or fails."""

    kind = ErrorKind.UNAVAILABLE
    code = "store_unavailable"

    def __init__(self, backend: str, message: str):
        super().__init__(message, backend=backend)


class ConversationTooLarge(WebsearchError):
    """A conversation is full (`conversation_max_turns`) or a turn is over `conversation_max_turn_bytes`."""

    kind = ErrorKind.TOO_LARGE
    code = "conversation_too_large"


class ConversationStore(Protocol):
    name: str

    async def get(self, conversation_id: str) -> list[Turn]: ...

    async def append(self, conversation_id: str, turn: Turn) -> None: ...

    async def delete(self, conversation_id: str) -> bool: ...

    async def exists(self, conversation_id: str) -> bool: ...

    async def ping(self) -> None: ...

    async def aclose(self) -> None: ...


MAX_TURNS = 200  # a stored conversation holds at most this many turns …
MAX_TURN_BYTES = 262_144  # … of at most this size each (JSON)
TTL_S = 7 * 24 * 3600  # a conversation untouched this long is forgotten


class StoreConfig(BaseModel):
    """What the conversation store is built from: Redis at `redis_url`, else process memory."""

    model_config = ConfigDict(frozen=True)

    redis_url: str | None = None
    ttl_s: int = TTL_S
    max_turns: int = MAX_TURNS
    max_turn_bytes: int = MAX_TURN_BYTES
    max_connections: int = REDIS_MAX_CONNECTIONS  # the Redis pool's


class MemoryStore:
    """Single-process store with the same TTL semantics as Redis."""

    name = "in-process store"

    SWEEP_EVERY = 256  # appends between sweeps of expired conversations (never read again)

    def __init__(self, ttl_s: int, max_turns: int = MAX_TURNS, max_turn_bytes: int = MAX_TURN_BYTES):
        self._ttl_s = ttl_s
        self._data: dict[str, tuple[float, list[Turn]]] = {}
        self._appends = 0
        self.max_turns, self.max_turn_bytes = max_turns, max_turn_bytes

    @classmethod
    def from_config(cls, config: StoreConfig) -> MemoryStore:
        return cls(config.ttl_s, config.max_turns, config.max_turn_bytes)

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
        check_turn(turn.model_dump_json(), self.max_turn_bytes)
        if len(turns) >= self.max_turns:
            raise ConversationTooLarge(full(self.max_turns))
        turns.append(turn)
        self._data[conversation_id] = (time.monotonic() + self._ttl_s, turns)
        self._appends += 1
        if self._appends % self.SWEEP_EVERY == 0:
            now = time.monotonic()
            for key in [key for key, (expires, _) in self._data.items() if expires < now]:
                del self._data[key]

    async def delete(self, conversation_id: str) -> bool:
        return self._data.pop(conversation_id, None) is not None

    async def exists(self, conversation_id: str) -> bool:
        return self._live(conversation_id) is not None

    def conversation_ids(self) -> list[str]:
        """The live conversations' store keys (what `SCAN ws:conv:*` lists in Redis)."""
        return [key for key in list(self._data) if self._live(key) is not None]

    def __len__(self) -> int:
        """Conversations held in memory: the expired ones too, until a sweep forgets them."""
        return len(self._data)

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


def check_turn(raw: str, max_bytes: int) -> None:
    if len(raw) > max_bytes // 4 and len(raw.encode("utf-8")) > max_bytes:  # len() first: no copy for most
        raise ConversationTooLarge(f"a conversation turn is larger than {max_bytes} bytes")


def full(max_turns: int) -> str:
    return f"the conversation is full ({max_turns} turns): start a new one"


# RPUSH only while the list is shorter than the cap, and refresh the TTL: one key, one slot (Cluster).
_APPEND_CAPPED = """
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class RedisStore:
    """Conversations as Redis lists of JSON turns, each append refreshing the TTL."""

    prefix = "ws:conv:"

    def __init__(
        self,
        url: str,
        ttl_s: int,
        max_turns: int = MAX_TURNS,
        max_turn_bytes: int = MAX_TURN_BYTES,
        max_connections: int = REDIS_MAX_CONNECTIONS,
    ):
        import redis.asyncio as redis  # imported here so the in-process default needs no Redis

        self._errors = (redis.RedisError, OSError, asyncio.TimeoutError)
        self._redis = connect(url, socket_connect_timeout=2, socket_timeout=5, max_connections=max_connections)
        self._ttl_s = ttl_s
        self.max_turns, self.max_turn_bytes = max_turns, max_turn_bytes
        self.name = f"redis at {redact(url)}"

    @classmethod
    def from_config(cls, config: StoreConfig) -> RedisStore:
        assert config.redis_url
        return cls(config.redis_url, config.ttl_s, config.max_turns, config.max_turn_bytes, config.max_connections)

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
        raw = turn.model_dump_json()
        check_turn(raw, self.max_turn_bytes)
        key = self._key(conversation_id)
        added = await self._call(lambda: self._redis.eval(_APPEND_CAPPED, 1, key, raw, self.max_turns, self._ttl_s))
        if not added:
            raise ConversationTooLarge(full(self.max_turns))

    async def delete(self, conversation_id: str) -> bool:
        return bool(await self._call(lambda: self._redis.delete(self._key(conversation_id))))

    async def exists(self, conversation_id: str) -> bool:
        return bool(await self._call(lambda: self._redis.exists(self._key(conversation_id))))

    async def ping(self) -> None:
        await self._call(self._redis.ping)

    async def aclose(self) -> None:
        await self._redis.aclose()


STORES: dict[str, Callable[[StoreConfig], ConversationStore]] = {
    "redis": RedisStore.from_config,
    "memory": MemoryStore.from_config,
}


def build_store(config: StoreConfig) -> ConversationStore:
    return STORES["redis" if config.redis_url else "memory"](config)
