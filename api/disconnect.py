"""A whole answer at once (no stream) stops when its client leaves: the run is cancelled, and with it
the model request, as a stream's is (issue 29: it ran to the end for nobody)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from fastapi import Request

from api.errors import APIError

T = TypeVar("T")


class ClientLeft(APIError):
    """The client closed the connection before the answer was ready; the run was cancelled. Its
    status is nginx's 499 (client closed request): counted and logged, sent to nobody."""

    def __init__(self) -> None:
        super().__init__(499, "client_closed_request", "the client closed the connection before the answer was ready")


async def _departure(request: Request) -> None:
    # The body has been read: the next message the server sends is the disconnect, when it comes.
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def unless_client_leaves(request: Request, work: Awaitable[T]) -> T:
    """`work`'s result; ClientLeft (with `work` cancelled) if the client goes away first."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(_departure(request))
    try:
        await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise ClientLeft
    finally:
        watch.cancel()
        if not task.done():  # this request itself cancelled (shutdown): the run goes with it
            task.cancel()
