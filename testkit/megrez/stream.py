"""One generation sent as Server-Sent Events, as vLLM sends it: `data: {chunk}` events, then
`data: [DONE]`; a client that goes away (or a server that stops) ends it early."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from testkit.megrez.http import Abort, wait
from testkit.megrez.protocol import dumps
from testkit.megrez.settings import MegrezSettings


def stream_record(first: dict, path: str, pieces: int) -> dict:
    """What a test reads of a stream (ScriptedMegrez.streams): how many pieces, how many were sent."""
    return {"id": first["id"], "path": path, "pieces": pieces, "sent": 0, "completed": False, "disconnected": False}


async def send_events(
    send: Callable, events: list[dict], record: dict, abort: Abort, settings: MegrezSettings, headers: list
) -> bool:
    """Send the events, then [DONE]; False when the client went away (or the server stopped) first,
    the response left for the caller to end. `settings.chunk_delay_s` is read between chunks (a
    test may change it while the stream runs)."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
            + headers,
        }
    )
    for k, event in enumerate(events):
        if k and settings.chunk_delay_s:
            if await wait(abort, settings.chunk_delay_s):
                break
        else:
            await asyncio.sleep(0)  # let the loop notice a closed connection
        if abort.is_set():
            break
        await send({"type": "http.response.body", "body": b"data: " + dumps(event) + b"\n\n", "more_body": True})
        record["sent"] += 1
    else:
        await asyncio.sleep(0)
        if not abort.is_set():
            # Marked before the last bytes go: a client that has read [DONE] may look at once.
            record["completed"] = True
            await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})
            return True
    return False
