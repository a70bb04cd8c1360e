"""Starting the service as a person meets it: every start-up failure is one plain sentence.

A missing model file, a model download that cannot happen, an unreachable Redis or a bad setting
each becomes a `StartupError` whose message names what is wrong and how to fix it; the CLI prints
it on one line and exits non-zero. Everything that can fail is done here, before the HTTP server
starts, so nothing reaches uvicorn's lifespan log as a traceback.
"""

from __future__ import annotations

import asyncio
import logging

from pydantic import ValidationError

from agent.engine import Engine
from agent.settings import Settings
from agent.store import StoreUnavailable
from api.errors import Part, part_of
from core.errors import ErrorKind, WebsearchError
from search.documents import LocalIndexError

log = logging.getLogger("websearch.startup")
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 5.0


class StartupError(WebsearchError):
    """The service cannot start; `message` is the one line to show."""

    kind = ErrorKind.UNAVAILABLE
    code = "startup_failed"


def describe_settings_error(exc: ValidationError) -> str:
    """`WEBSEARCH_FETCH_PAGES='many' is not valid: Input should be a valid integer` (first error)."""
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ()) if isinstance(p, str)) or "setting"
        value = err.get("input")
        shown = f"={value!r}" if isinstance(value, (str, int, float)) else ""
        parts.append(f"WEBSEARCH_{field.upper()}{shown} is not valid: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "a setting is not valid"


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise StartupError(describe_settings_error(exc)) from exc


def explain(exc: BaseException) -> str:
    """One line for any start-up failure (what is wrong, and how to fix it where we know)."""
    if isinstance(exc, StartupError):
        return exc.message
    if isinstance(exc, ValidationError):
        return describe_settings_error(exc)
    part = part_of(exc)  # which backend failed: api/errors.py alone says
    if part is Part.MODEL:
        return f"the model ({exc.backend}) cannot be used: {exc.message}"
    if part is Part.STORE:
        return (
            f"the conversation store ({exc.backend}) is unreachable: {exc.message}; "
            "start Redis, fix WEBSEARCH_REDIS_URL, or unset it to keep conversations in memory"
        )
    if part is Part.SEARCH or isinstance(exc, LocalIndexError):
        return f"search cannot start: {exc}"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, (ValueError, OSError)) else f"{type(exc).__name__}: {text}"


async def open_engine(settings: Settings) -> Engine:
    """The process's engine, checked: the model loaded, the store answering (waited for)."""
    try:
        engine = await Engine.open(settings)
    except Exception as exc:
        raise StartupError(explain(exc)) from exc
    try:
        await wait_for_store(engine, settings.redis_startup_wait_s)
    except Exception as exc:
        await engine.aclose()
        raise StartupError(explain(exc)) from exc
    return engine


async def wait_for_store(engine: Engine, wait_s: float) -> None:
    """Ping the store until it answers, backing off (0.5 s doubling to 5 s) for at most `wait_s`:
    on a first deploy Redis may come up after the api, which should wait rather than crash-loop.
    Past `wait_s` the last failure is raised."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    pause = BACKOFF_FIRST_S
    while True:
        try:
            await engine.deps.store.ping()
            return
        except StoreUnavailable as exc:
            left = deadline - loop.time()
            if left <= 0:
                raise
            pause = min(pause, left)
            log.warning("waiting for the conversation store (%s): %s; next try in %.1fs", exc.backend, exc.message, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, BACKOFF_MAX_S)
