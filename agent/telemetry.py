"""What the pipeline measures, handed to whoever is listening; nothing here knows about HTTP.

The API sets a `Sink` (its Prometheus metrics) for the duration of each request; graph nodes and the
instrumented cache report into whichever sink the current request has. Several apps in one process
(tests, replicas) each see only their own requests. With no sink set every call is a no-op, so the
graph, the CLI and the benchmarks run exactly as before.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any, Protocol

from search.cache import Cache


class Sink(Protocol):
    def observe_stage(self, stage: str, seconds: float) -> None: ...

    def observe_cache(self, cache: str, hit: bool) -> None: ...

    def observe_fallback(self, reason: str) -> None: ...

    def observe_evidence_widened(self) -> None: ...

    def observe_claims(self, verdicts: dict[str, int], repointed: int, removed: int) -> None: ...

    def observe_verify(self, seconds: float) -> None: ...


_sink: ContextVar[Sink | None] = ContextVar("websearch_telemetry_sink", default=None)


def use_sink(sink: Sink | None) -> Token:
    return _sink.set(sink)


def reset_sink(token: Token) -> None:
    _sink.reset(token)


def observe_stage(stage: str, seconds: float) -> None:
    """One graph stage (decide, search, read, select, answer, …) took `seconds`."""
    if (sink := _sink.get()) is not None:
        sink.observe_stage(stage, seconds)


def observe_cache(cache: str, hit: bool) -> None:
    if (sink := _sink.get()) is not None:
        sink.observe_cache(cache, hit)


def observe_fallback(reason: str) -> None:
    """A page was represented by its search snippet, for `reason` (a `search.models.Fallback`)."""
    if (sink := _sink.get()) is not None:
        sink.observe_fallback(reason)


def observe_evidence_widened() -> None:
    """The select stage packed the wider budget: the ranking was unsure (search.select.ranking_unsure)."""
    if (sink := _sink.get()) is not None:
        sink.observe_evidence_widened()


def observe_claims(verdicts: dict[str, int], *, repointed: int, removed: int) -> None:
    """An answer's checked claims by verdict, and the markers its checks re-pointed and removed."""
    if (sink := _sink.get()) is not None:
        sink.observe_claims(verdicts, repointed, removed)


def observe_verify(seconds: float) -> None:
    """The time one answer's claims took to check (agent/verify)."""
    if (sink := _sink.get()) is not None:
        sink.observe_verify(seconds)


class CountingCache:
    """A `Cache` that reports each read as a hit or a miss of its namespace (`ws:search:…` → "search")."""

    def __init__(self, inner: Cache):
        self.inner = inner

    async def get(self, key: str) -> bytes | None:
        value = await self.inner.get(key)
        observe_cache(_namespace(key), value is not None)
        return value

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        await self.inner.set(key, value, ttl_s)

    async def add(self, key: str, value: bytes, ttl_s: int) -> bool:
        return await self.inner.add(key, value, ttl_s)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __getattr__(self, name: str) -> Any:  # anything else the backend offers
        return getattr(self.inner, name)


def instrument_cache(cache: Cache) -> Cache:
    """Count hits and misses of the search and page caches (idempotent)."""
    return cache if isinstance(cache, CountingCache) else CountingCache(cache)


def _namespace(key: str) -> str:
    parts = key.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "ws" else "other"
