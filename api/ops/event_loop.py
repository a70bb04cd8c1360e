"""Which event loop `websearch serve` runs on: uvloop where it is installed, else asyncio's own.

Why: the api tier's CPU per answer decides how many api pods a GPU needs (bench/cpu.py), and a
good share of it is the event loop itself — asyncio's selector loop, its transports and handles
are Python code run for every socket read and write (each streamed token, each fetched page).
uvloop runs the same asyncio API on libuv in C: ~2–3 ms less CPU per answer, warm or cold, with
the same behaviour (every subprocess test of `websearch serve` runs on it).

`WEBSEARCH_EVENT_LOOP`: `auto` (uvloop if importable), `uvloop` (required: a start-up error if
missing) or `asyncio` (the standard loop, for debugging or a platform without uvloop).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

EventLoopChoice = Literal["auto", "uvloop", "asyncio"]
T = TypeVar("T")


def chosen(choice: EventLoopChoice) -> Literal["uvloop", "asyncio"]:
    """The loop that `choice` runs on here."""
    if choice == "asyncio":
        return "asyncio"
    try:
        import uvloop  # noqa: F401 — only whether it imports
    except ImportError:
        if choice == "uvloop":
            from api.ops.startup import StartupError

            raise StartupError(
                "WEBSEARCH_EVENT_LOOP=uvloop but uvloop is not installed: pip install uvloop, or set it to auto"
            ) from None
        return "asyncio"
    return "uvloop"


def loop_factory(choice: EventLoopChoice) -> Callable[[], asyncio.AbstractEventLoop]:
    if chosen(choice) == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def run(main: Coroutine[Any, Any, T], choice: EventLoopChoice) -> T:
    """`asyncio.run(main)` on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)
