"""Fair shares between callers (issue 29): a per-key cap on requests in flight and a token-bucket
rate limit, both answered 429 with `Retry-After` and the JSON error; and each request's key made
its caller (`core.caller.current_caller`): the parse workers schedule jobs fairly
across callers, and the conversation store counts each caller's bytes against its quota.

A caller is its API key (as its digest) where keys are set — a request with no valid key is left to
the 401 that follows — and its client address on an open server. Counted: the API (`/v1/…`) and
MCP (`/mcp`); the web chat's page, health, metrics, documents and Slack (signed by Slack, retried
by Slack) are not. Settings: `key_max_concurrency`, `key_rate_per_minute`, `key_burst` (0 = off).
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from dataclasses import dataclass, field

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import key_digest, key_in_headers
from api.limits import error_body
from core.caller import current_caller

COUNTED_PREFIXES = ("/v1/", "/mcp")
MAX_CALLERS = 10_000  # remembered callers; idle ones (full bucket, nothing in flight) are forgotten past it


@dataclass
class _Caller:
    tokens: float
    updated: float
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class KeyLimits:
    def __init__(
        self, app: ASGIApp, *, keys: list[str], max_concurrency: int, rate_per_minute: float, burst: int
    ) -> None:
        self.app = app
        self.keys = [key.encode("utf-8") for key in keys]
        self.max_concurrency = max_concurrency
        self.rate_per_s = rate_per_minute / 60.0
        self.burst = max(1, burst)
        self.callers: dict[str, _Caller] = {}

    def _identity(self, scope: Scope) -> str | None:
        if not self.keys:
            client = scope.get("client")
            return "ip:" + (client[0] if client else "unknown")
        key = key_in_headers(Headers(scope=scope))
        if key is None:
            return None
        given = key.encode("utf-8", "surrogateescape")
        if not any(hmac.compare_digest(given, known) for known in self.keys):
            return None  # the 401 follows
        return "k" + key_digest(key)

    def _caller(self, identity: str, now: float) -> _Caller:
        caller = self.callers.get(identity)
        if caller is None:
            if len(self.callers) >= MAX_CALLERS:
                self._forget_idle(now)
            caller = self.callers[identity] = _Caller(tokens=float(self.burst), updated=now)
        return caller

    def _forget_idle(self, now: float) -> None:
        for identity, caller in list(self.callers.items()):
            if caller.in_flight == 0 and self._refilled(caller, now) >= self.burst:
                del self.callers[identity]

    def _refilled(self, caller: _Caller, now: float) -> float:
        return min(float(self.burst), caller.tokens + (now - caller.updated) * self.rate_per_s)

    def _admit(self, caller: _Caller, now: float) -> tuple[str, str, int] | None:
        """None (admitted: a token spent, one more in flight) or why not: (code, message, retry-after s)."""
        if self.max_concurrency and caller.in_flight >= self.max_concurrency:
            return "too_many_concurrent_requests", (
                f"this key already has {caller.in_flight} requests in flight (at most {self.max_concurrency})"
            ), 1
        if self.rate_per_s > 0:
            tokens = self._refilled(caller, now)
            if tokens < 1.0:
                wait = math.ceil((1.0 - tokens) / self.rate_per_s)
                return "rate_limited", f"too many requests for this key: retry in {wait} s", max(1, wait)
            caller.tokens, caller.updated = tokens - 1.0, now
        caller.in_flight += 1
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(COUNTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        identity = self._identity(scope)
        if identity is None:
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        caller = self._caller(identity, now)
        with caller.lock:
            refused = self._admit(caller, now)
        if refused is not None:
            code, message, retry_after = refused
            body = error_body(429, code, message)
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ]
            await send({"type": "http.response.start", "status": 429, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        token = current_caller.set(identity)  # its parse jobs and stored bytes are this caller's
        try:
            await self.app(scope, receive, send)
        finally:
            current_caller.reset(token)
            with caller.lock:
                caller.in_flight -= 1
