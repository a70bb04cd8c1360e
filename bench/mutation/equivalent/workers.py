"""Equivalent mutants of the workers row."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

_JOIN_AFTER_KILL = ("how long to wait for a process just sent SIGKILL (or that closed its pipe): it is gone at once, "
                    "never after 5 s")
_ASSERTED_PAIR = ("an assertion that cannot fail: _take hands a job over only with a worker in place, and the slot's "
                  "process and pipe are set together (_spawn) and cleared together (_discard)")

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    **{
        ("workers", "core/workers.py", MODULE_SCOPE, f"element dropped: '{cause}'"):
            "the Cause type alias, read by annotations only"
        for cause in ("crash", "deadline", "memory")
    },
    ("workers", "core/workers.py", "_address_space", "0 -> 1 #2"):
        "the fallback where /proc is not mounted: the pool runs on Linux (fork server, RLIMIT_AS), where "
        "/proc/self/statm always is, so this return is never reached",
    ("workers", "core/workers.py", "_limit_memory", "0 -> 1"):
        "headroom_bytes is memory_mb << 20: 0 or at least 1 MiB, never 1 byte, so `<= 1` and `<= 0` agree",
    ("workers", "core/workers.py", "_worker_main", "operand dropped: functions.get(name)"):
        "the per-worker cache of resolved functions: resolving the name again returns the same function "
        "(the module is in sys.modules after the first job)",
    ("workers", "core/workers.py", "_worker_main", "call removed: os._exit(3)"):
        "the server kills the worker itself on its ('memory', None) report (_discard kills a process still "
        "alive): the worker's own exit only comes first (tested: the memory hog is replaced and counted once)",
    ("workers", "core/workers.py", "_worker_main", "3 -> 4"):
        "the exit code after a memory report is never read: the server names the cap, not the code",
    ("workers", "core/workers.py", "_Slot._spawn", "5 -> 6"): _JOIN_AFTER_KILL,
    ("workers", "core/workers.py", "_Slot._discard", "5 -> 6"): _JOIN_AFTER_KILL,
    ("workers", "core/workers.py", "_Slot._exchange", "1 -> 2"):
        "how long to wait for the exit status of a worker whose pipe closed: it only names the signal in the "
        "message; the page fails as a crash either way, also when the status is not known in time (tested: "
        "a fork server that has not reported the death)",
    ("workers", "core/workers.py", "_Slot._discard", "call removed: conn.close()"):
        "_discard drops the slot's only reference to the pipe: CPython closes it as the function returns "
        "(Connection.__del__), and the worker is already killed and joined",
    **{
        ("workers", "core/workers.py", "_Slot._run", description): "at close the slot has taken STOP, so its worker "
        "is idle in recv and holds nothing: told to stop (None) or killed by the _discard that follows, it ends "
        "alike (tested: no worker alive after close)"
        for description in ("call removed: self.conn.send(None)", "self.process is not None: IsNot -> Is",
                            "call removed: self.process.join(2)", "2 -> 3")
    },
    ("workers", "core/workers.py", "_Slot._run", "call removed: self._discard(None)"):
        "the worker has read None and ended (joined on the line above); _discard would only drop the slot's "
        "references, which go with the closed pool (pids() and alive read is_alive(): tested 0 after close)",
    **{
        ("workers", "core/workers.py", scope, description): _ASSERTED_PAIR
        for scope, description in (
            ("_Slot._roundtrip", "self.conn is not None and self.process is not None: And -> Or"),
            ("_Slot._roundtrip", "operand dropped: self.process is not None"),
            ("_Slot._exchange", "self.conn is not None and self.process is not None: And -> Or"),
            ("_Slot._exchange", "operand dropped: self.conn is not None"),
            ("_Slot._exchange", "operand dropped: self.process is not None"),
        )
    },
    ("workers", "core/workers.py", "WorkerPool.close", "guard removed: if self._closed"):
        "closing twice: the second close drains a queue that is empty (a closed pool refuses jobs, tested), "
        "queues STOPs no slot is left to read and joins threads that have ended",
    ("workers", "core/workers.py", "WorkerPool.start", "5 -> 6"):
        "how long start() waits past READY_TIMEOUT_S: each slot says it is ready (or broken) within READY_TIMEOUT_S "
        "plus its spawn, so 5 s or 6 s more wait alike (tested: start returns once a broken worker is known)",
}
