"""The parse workers' job queue, fair across the callers it serves (issue 29).

Jobs carry an owner: the API key (or, on an open server, the client address) of the request they
were submitted for — `core.caller.current_caller`, which the API sets per request. A worker takes the
next job of the owner holding the fewest workers (the oldest job among equals), and one owner never
holds more than `share` workers (the pool keeps one for everyone else): one key's hostile pages,
each hanging its parser until the deadline, leave the other keys a worker that is free at once.
Jobs with no owner (the CLI, `websearch index`, background work) are not capped.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter, deque
from typing import Any

STOP = object()


class FairQueue:
    """A blocking queue for the pool's slot threads: `put(owner, job)`, `get()` → (owner, job) or
    (None, STOP), `done(owner)` when the job is over."""

    def __init__(self, share: int):
        self.share = max(1, share)
        self._cond = threading.Condition()
        self._queued: dict[str, deque[tuple[int, Any]]] = {}
        self._running: Counter[str] = Counter()
        self._stops = 0
        self._order = itertools.count()

    def put(self, owner: str, job: Any) -> None:
        with self._cond:
            self._queued.setdefault(owner, deque()).append((next(self._order), job))
            # One job more, so at most one more slot can take one: waking every idle slot thread
            # for each job cost each of them a wake-up (CPU that grew with the pool's size).
            self._cond.notify()

    def stop(self, count: int) -> None:
        """Each of `count` slots gets STOP next (before any job still queued)."""
        with self._cond:
            self._stops += count
            self._cond.notify_all()

    def get(self) -> tuple[str | None, Any]:
        with self._cond:
            while True:
                if self._stops:
                    self._stops -= 1
                    return None, STOP
                owner = self._pick()
                if owner is not None:
                    queue = self._queued[owner]
                    _, job = queue.popleft()
                    if not queue:
                        del self._queued[owner]
                    self._running[owner] += 1
                    return owner, job
                self._cond.wait()

    def done(self, owner: str) -> None:
        with self._cond:
            self._running[owner] -= 1
            if self._running[owner] <= 0:
                del self._running[owner]
            if self._queued:  # one share freed: at most one queued job more can be taken
                self._cond.notify()

    def drain(self) -> list[Any]:
        """Every job still queued, removed."""
        with self._cond:
            jobs = [job for queue in self._queued.values() for _, job in queue]
            self._queued.clear()
            return jobs

    def _pick(self) -> str | None:
        eligible = [
            owner
            for owner, queue in self._queued.items()
            if queue and (owner == "" or self._running[owner] < self.share)
        ]
        if not eligible:
            return None
        return min(eligible, key=lambda owner: (self._running[owner], self._queued[owner][0][0]))
