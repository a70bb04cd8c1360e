"""`websearch serve`'s uvicorn options (issue 17, finding 6): slow clients are cut off, a concurrency
limit holds, /docs loads nothing from elsewhere."""

from __future__ import annotations

import re
import socket
import threading
import time

import httpx
import pytest

from testkit.settings import make_settings
from testkit.served import Served


def closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed `sock` (None if it was still open after `seconds`)."""
    sock.settimeout(0.2)
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.monotonic() - started
    return None


@pytest.fixture
def served(local_web, megrez):
    settings = make_settings(
        local_web, megrez, http_header_timeout_s=1.0, http_body_timeout_s=2.0, http_keep_alive_s=1.0,
        http_max_concurrency=30,
    )
    with Served(settings) as app:
        yield app


def test_half_sent_headers_and_a_dripped_body_are_cut_off(served):
    headers = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(10)]
    for sock in headers:
        sock.sendall(b"POST /v1/answer HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finished
    body = socket.create_connection(("127.0.0.1", served.port))
    body.sendall(b"POST /v1/answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    stop = threading.Event()

    def drip():  # one byte every half second: each arrives in time, the whole body never does
        while not stop.is_set():
            try:
                body.sendall(b" ")
            except OSError:
                return
            time.sleep(0.5)

    dripper = threading.Thread(target=drip)
    dripper.start()
    try:
        closed = [closed_within(sock, 5) for sock in headers]
        assert all(c is not None for c in closed), closed  # 1 s for headers: all closed, not held
        after = closed_within(body, 6)
        assert after is not None  # the body's 2 s ran out although bytes kept coming
        assert httpx.get(served.base_url + "/healthz", timeout=5).status_code == 200  # serving others all along
    finally:
        stop.set()
        dripper.join()
        for sock in [*headers, body]:
            sock.close()


def test_a_kept_alive_connection_is_closed_when_idle_and_requests_still_work(served):
    with httpx.Client(base_url=served.base_url) as client:
        assert client.get("/healthz").status_code == 200
    sock = socket.create_connection(("127.0.0.1", served.port))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"200 OK" in sock.recv(4096)
    assert closed_within(sock, 4) is not None  # idle after its response: closed after the keep-alive time
    sock.close()


def test_connections_past_the_concurrency_limit_are_answered_503(served):
    held = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(30)]
    try:
        time.sleep(0.2)
        response = httpx.get(served.base_url + "/healthz", timeout=5)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "overloaded"  # the JSON error, as everywhere (issue 29)
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert httpx.get(served.base_url + "/healthz", timeout=5).status_code == 200


def test_the_api_docs_load_nothing_from_a_cdn(app):
    page = httpx.get(app.base_url + "/docs", timeout=10)
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources  # this origin only
    for path in sources:
        assert httpx.get(app.base_url + path, timeout=10).status_code == 200
    assert "cdn" not in page.text.lower()
    assert httpx.get(app.base_url + "/openapi.json", timeout=10).json()["info"]["title"] == "megrez-websearch"


def test_the_api_docs_can_be_turned_off(local_web, megrez):
    from testkit.app_server import ServedApp

    with ServedApp(make_settings(local_web, megrez, api_docs=False)) as app:
        assert httpx.get(app.base_url + "/docs").status_code == 404
        assert httpx.get(app.base_url + "/openapi.json").status_code == 404
