"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from agent.deps import Deps
from api import errors

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request):
    deps: Deps = request.app.state.deps
    checks = {"llm": deps.llm.health(), "store": deps.store.ping()}
    outcomes = await asyncio.gather(*checks.values(), return_exceptions=True)
    failed = [out for out in outcomes if isinstance(out, BaseException)]
    if failed:
        _, code, message = errors.describe(failed[0])
        return errors.error_response(503, code, message)
    return {"status": "ready", "llm": deps.llm.name, "store": deps.store.name}
