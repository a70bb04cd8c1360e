"""Keeping a conversation on one model server: its routing key, the ring that places it, router tokens.

vLLM's prefix cache lives in each server's GPU memory. A follow-up's prompt begins with the whole
previous prompt, so it is nearly free on the server that served the conversation before and paid in
full anywhere else. Three parts keep a conversation where its cache is:

- `route_key`: a keyed hash of the conversation id, the same on every api replica (they share the
  secret) and revealing nothing about who asked. Sent in routing headers and OpenAI's `user` field
  for routers in front of vLLM (production-stack router, SGLang gateway, Dynamo, llm-d).
- `AffinityRing`: consistent hashing with bounded load for the built-in pool. A key maps to the first
  server clockwise from it on a ring of virtual nodes; a server busier than `load_factor` × the mean
  outstanding requests is passed over for the next one (Mirrokni, Thorup, Zadimoghaddam 2018), but
  never one with fewer than `floor` in flight: vLLM batches many sequences at once, so at low load
  one more request there costs far less than a cold prefix elsewhere (and a turn's own parallel
  requests, answer and related, would otherwise split). A server that goes down moves only its own
  conversations, and they come back when it heals.
- `SessionTokens`: what a router sends back in `x-session-token`, kept per conversation (bounded).
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import Generic, TypeVar

from inference.base import RouteKey

E = TypeVar("E")

# The headers the routers people run in front of vLLM read a session from.
DEFAULT_ROUTE_HEADERS = ("x-session-id", "x-user-id", "X-SMG-Routing-Key", "X-Dynamo-Session-ID")
SESSION_TOKEN_HEADER = "x-session-token"


def route_key(conversation_id: str, secret: str) -> RouteKey:
    """The conversation's routing key: HMAC-SHA256 under `secret`, 32 hex digits.

    Keyed, so a guessable id (a Slack thread's timestamp, a key-scoped id) cannot be recovered from
    the header by hashing candidates; the same on every replica that shares the secret.
    """
    digest = hmac.new(secret.encode(), conversation_id.encode(), hashlib.sha256).hexdigest()
    return RouteKey(value=digest[:32])


def _point(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class AffinityRing(Generic[E]):
    """Endpoints on a hash ring, `replicas` points each, named by `names` (their URLs).

    Points depend only on an endpoint's name, never on which others are up: taking one out of the
    choice (down, or over the load bound) hands its keys to the next point clockwise and touches
    nobody else's.
    """

    def __init__(self, endpoints: Sequence[E], names: Sequence[str], *, replicas: int = 160):
        if len(endpoints) != len(names) or not endpoints:
            raise ValueError("a ring needs one name per endpoint, and at least one endpoint")
        points = sorted((_point(f"{name}#{i}"), k) for k, name in enumerate(names) for i in range(replicas))
        self._hashes = [h for h, _ in points]
        self._owners = [k for _, k in points]
        self.endpoints = list(endpoints)

    def walk(self, key: RouteKey) -> list[E]:
        """Every endpoint once, in the order the ring offers them to `key` (its owner first)."""
        start = bisect.bisect(self._hashes, _point(key.value))
        seen: list[int] = []
        for step in range(len(self._owners)):
            owner = self._owners[(start + step) % len(self._owners)]
            if owner not in seen:
                seen.append(owner)
                if len(seen) == len(self.endpoints):
                    break
        return [self.endpoints[k] for k in seen]


def load_bound(outstanding: int, endpoints: int, load_factor: float, floor: int = 1) -> int:
    """The most requests one endpoint may carry once one more is placed: ⌈c · (total + 1) / n⌉,
    and at least `floor`."""
    return max(1, floor, math.ceil(load_factor * (outstanding + 1) / max(1, endpoints)))


class SessionTokens:
    """The last `x-session-token` a router gave each conversation, the `limit` most recent ones."""

    def __init__(self, limit: int = 10_000):
        self.limit = limit
        self._tokens: OrderedDict[str, str] = OrderedDict()

    def get(self, key: RouteKey) -> str | None:
        token = self._tokens.get(key.value)
        if token is not None:
            self._tokens.move_to_end(key.value)
        return token

    def put(self, key: RouteKey, token: str) -> None:
        # A header value is the router's to choose: keep it only if it can go back as a header.
        token = token.strip()
        if not token or len(token) > 512 or not token.isprintable():
            return
        self._tokens[key.value] = token
        self._tokens.move_to_end(key.value)
        while len(self._tokens) > self.limit:
            self._tokens.popitem(last=False)

    def __len__(self) -> int:
        return len(self._tokens)
