"""Bounded inputs (issue 17): how fast an oversized request is refused, how long a maximal accepted
one takes, and how long `/healthz` waits meanwhile (the event loop's responsiveness), side by side.

Drives the real service (uvicorn + the whole graph) on loopback against the local web and the
scripted Megrez server. Rows:
- a 100 MB OpenAI-compatible request (100 user messages of 1 MB), refused (413) from its Content-Length;
- the same bytes sent chunked (no Content-Length), refused once 1 MiB has arrived;
- a maximal accepted request: 99 earlier messages making a history just under the character cap;
- a plain question, for comparison.
No pass/fail: numbers to compare between changes.

    .venv/bin/python -m bench.limits
"""

from __future__ import annotations

import json
import statistics
import threading
import time

import httpx

from testkit.settings import MANY_USERS, make_settings
from testkit.app_server import ServedApp
from testkit.megrez import ScriptedMegrez
from testkit.raw_http import raw_post
from testkit.web import LocalWeb


QUESTION = "How much did the Aurora Bridge in Veldmark cost?"


def probe_healthz(base_url: str, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            started = time.monotonic()
            client.get(base_url + "/healthz")
            out.append(time.monotonic() - started)
            time.sleep(0.02)


def oversized(port: int, chunked: bool) -> tuple[int, float]:
    big = json.dumps({"role": "user", "content": "x" * 1_000_000}).encode()
    pieces = ((b'{"messages": [' if i == 0 else b",") + big for i in range(100))
    if chunked:
        head = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        chunks = (b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    else:
        head = {"Content-Type": "application/json", "Content-Length": str(100 * (len(big) + 1) + 100)}
        chunks = pieces
    status, _, elapsed = raw_post(port, "/v1/chat/completions", head, chunks, read_timeout=60)
    return status, elapsed


def openai(base_url: str, messages: list[dict]) -> tuple[int, float]:
    started = time.monotonic()
    response = httpx.post(base_url + "/v1/chat/completions", json={"messages": messages}, timeout=120)
    return response.status_code, time.monotonic() - started


def main() -> None:
    with LocalWeb() as web, ScriptedMegrez() as megrez:
        settings = make_settings(web, megrez, **MANY_USERS, log_level="WARNING")
        with ServedApp(settings) as app:
            per = settings.max_history_chars // 99 - 10
            history = [{"role": "user" if i % 2 == 0 else "assistant", "content": "word " * (per // 5)} for i in range(99)]
            rows = [
                ("100 MB, Content-Length", lambda: oversized(app.port, chunked=False)),
                ("100 MB, chunked", lambda: oversized(app.port, chunked=True)),
                (f"maximal accepted ({sum(len(m['content']) for m in history):,} chars of history)",
                 lambda: openai(app.base_url, [*history, {"role": "user", "content": QUESTION}])),
                ("plain question", lambda: openai(app.base_url, [{"role": "user", "content": QUESTION}])),
            ]
            openai(app.base_url, [{"role": "user", "content": QUESTION}])  # warm up
            print(f"{'request':58} {'status':>6} {'seconds':>8} {'/healthz max':>13} {'median':>8}")
            for name, run in rows:
                stop, times = threading.Event(), []
                prober = threading.Thread(target=probe_healthz, args=(app.base_url, stop, times))
                prober.start()
                time.sleep(0.1)
                status, seconds = run()
                time.sleep(0.1)
                stop.set()
                prober.join()
                print(f"{name:58} {status:>6} {seconds:>8.3f} {max(times):>12.3f}s {statistics.median(times):>7.3f}s")


if __name__ == "__main__":
    main()
