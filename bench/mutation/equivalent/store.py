"""Equivalent mutants of the store row."""

from __future__ import annotations

from bench.mutation.equivalent.reasons import SAME_INSTANT as _SAME_INSTANT

_SHORTCUT = ("a shortcut that skips encoding short turns: UTF-8 is at most 4 bytes a character, so a turn of at "
             "most max_bytes // 4 characters is never over (encoding more turns gives the same answer)")

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("store", "agent/store.py", "MemoryStore._live", "expires < time.monotonic(): Lt -> LtE"): _SAME_INSTANT,
    ("store", "agent/store.py", "MemoryStore.append", "expires < now: Lt -> LtE"): _SAME_INSTANT,
    ("store", "agent/store.py", "check_turn", "4 -> 5"): _SHORTCUT,
    ("store", "agent/store.py", "check_turn", "len(raw) > max_bytes // 4: Gt -> GtE"): _SHORTCUT,
    ("store", "agent/store.py", "check_turn", "operand dropped: len(raw) > max_bytes // 4"): _SHORTCUT,
    ("store", "agent/store.py", "RedisStore.__init__", "2 -> 3"): "Redis's connect timeout in seconds: no test waits 2 s",
    ("store", "agent/store.py", "RedisStore.__init__", "5 -> 6"): "Redis's read timeout in seconds: no test waits 5 s",
}
