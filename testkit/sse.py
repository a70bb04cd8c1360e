"""The one SSE test client: reads a server-sent event stream the way a browser's EventSource does.

Named events (`event: done` + `data: {...}`) come back as `(name, data)` with the JSON decoded;
data-only streams (the OpenAI and Megrez chat chunks) as their payloads. A comment line (`: ping`, the
heartbeat) ends no event and carries none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import httpx


def blocks(lines: Iterable[str]) -> Iterator[tuple[str | None, str]]:
    """Each event as `(name or None, data)`, multi-line data joined with newlines, as the spec says."""
    name, data = None, []
    for line in lines:
        if line == "":
            if data:
                yield name, "\n".join(data)
            name, data = None, []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
    if data:
        yield name, "\n".join(data)


def iter_events(lines: Iterable[str]) -> Iterator[tuple[str | None, Any]]:
    """`(name, decoded JSON)` as each event arrives (for a reader that acts mid-stream)."""
    for name, data in blocks(lines):
        yield name, json.loads(data)


def events(lines: Iterable[str]) -> list[tuple[str | None, Any]]:
    return list(iter_events(lines))


def payloads(lines: Iterable[str]) -> list[str]:
    """A data-only stream's payloads as sent, `[DONE]` included."""
    return [data for _, data in blocks(lines)]


def chunks(lines: Iterable[str]) -> list[dict]:
    """A data-only stream's JSON chunks, the closing `[DONE]` left out."""
    return [json.loads(data) for data in payloads(lines) if data != "[DONE]"]


def stream_answer(base_url: str, *, headers: dict | None = None, timeout: float = 60, **body) -> list[tuple[str, dict]]:
    """POST /v1/answer with `stream: true`; the events, after checking it is an event stream."""
    with httpx.stream(
        "POST", f"{base_url}/v1/answer", json={**body, "stream": True}, headers=headers, timeout=timeout
    ) as response:
        assert response.status_code == 200, response.read().decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        return events(response.iter_lines())


def deltas(events: Iterable[tuple[str | None, Any]]) -> str:
    """The answer's text as the `delta` events streamed it."""
    return "".join(data["text"] for name, data in events if name == "delta")
