"""Liveness and readiness, for load balancers and orchestrators (draining: `api/ops/drain.py`).

`/readyz/shallow` is the readiness probe: up and not draining. It does not ask the model or Redis:
they are shared by every replica, so a probe tied to them takes every replica out of the Service at
once when one of them is slow or restarts (and the web chat with them), where each request would
instead answer its own 503 naming the backend. `/readyz` asks them: for people and dashboards.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from agent.deps import Deps
from api import errors
from api.ops.drain import SHUTTING_DOWN

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


def _draining(request: Request) -> bool:
    draining = getattr(request.app.state, "draining", None)  # api.ops.drain.Draining, once installed
    return draining is not None and draining.active


@router.get("/readyz/shallow")
async def readyz_shallow(request: Request):
    if _draining(request):
        return errors.error_response(503, "shutting_down", SHUTTING_DOWN)
    return {"status": "serving"}


@router.get("/readyz")
async def readyz(request: Request):
    if _draining(request):
        return errors.error_response(503, "shutting_down", SHUTTING_DOWN)
    deps: Deps = request.app.state.engine.deps
    checks = {"llm": deps.llm.health(), "store": deps.store.ping()}
    outcomes = await asyncio.gather(*checks.values(), return_exceptions=True)
    failed = [out for out in outcomes if isinstance(out, BaseException)]
    if failed:
        _, code, message = errors.describe(failed[0])
        return errors.error_response(503, code, message, errors.part_of(failed[0]))
    ready = {"status": "ready", "llm": deps.llm.name, "store": deps.store.name}
    if dead := deps.llm.down():  # an LLM pool serves while one endpoint does
        ready["llm_down"] = dead
    return ready
