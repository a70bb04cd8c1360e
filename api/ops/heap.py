"""The server process's garbage collector, set for a long-lived service once start-up is done.

Why: CPython's cyclic collector runs after every 700 net new container objects and, every so often,
walks the whole heap. An answer makes a few thousand (pydantic models, graph state, httpx and
langgraph internals), so the collector ran about twice an answer, and its full passes walked every
module, schema and parser loaded at start-up — objects that live as long as the process. Measured
with gc.callbacks over bench/cpu.py's 48 answers: ~1.3 ms of collector time a warm answer and
~2.8 a cold one (one full pass ~90 ms). After `settle()`: ~0.1 and ~0.4.

`settle()` collects once, moves everything alive into the permanent generation (`gc.freeze`,
also friendlier to copy-on-write in forked children), and raises the first generation's threshold
so the collector runs every few answers instead of twice in each. Cycles made after are still
collected; only the objects alive at start-up are left out of the collector's walks.
"""

from __future__ import annotations

import gc

# Net new container objects between collections of the youngest generation (CPython's default: 700).
YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Call once, after start-up, in a process that serves (not in a test runner's own process)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
