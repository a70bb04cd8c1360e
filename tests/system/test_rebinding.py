"""Issue 29, finding 4: an open server on loopback answers only its own names. A foreign Host (a
DNS-rebinding page's) or a foreign Origin is refused on every surface, the local documents included."""

from __future__ import annotations

import httpx
import pytest

from api.hosts import open_binding
from search.index import build_index
from testkit.documents import write_corpus
from testkit.app_server import ServedApp
from testkit.settings import make_settings

QUESTION = {"question": "How much did the Aurora Bridge in Veldmark cost?"}
MCP_INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


@pytest.fixture
def open_server(local_web, megrez, tmp_path):
    folder = tmp_path / "docs"
    write_corpus(folder)
    build_index(folder, tmp_path / "index")
    settings = make_settings(local_web, megrez, local_index=str(tmp_path / "index"), public_url="https://search.example.org")
    with ServedApp(settings) as app:  # no API keys: an open server, bound to 127.0.0.1
        yield app


def requests(app: ServedApp, **headers: str) -> dict[str, httpx.Response]:
    base = app.base_url
    return {
        "answer": httpx.post(base + "/v1/answer", json=QUESTION, headers=headers, timeout=60),
        "document": httpx.get(base + "/documents/cafeteria.txt", headers=headers, timeout=10),
        "mcp": httpx.post(base + "/mcp", json=MCP_INIT, headers=MCP_HEADERS | headers, timeout=30),
        "chat": httpx.get(base + "/", headers=headers, timeout=10),
    }


def test_a_foreign_host_or_origin_is_refused_on_an_open_loopback_server(open_server):
    port = open_server.port
    for host in ("evil.example", f"evil.example:{port}", f"rebind.attacker.test:{port}", f"x@127.0.0.1:{port}"):
        for name, response in requests(open_server, Host=host).items():
            assert response.status_code == 421, (host, name, response.text)
            assert response.json()["error"]["code"] == "misdirected_request"
    for origin in ("http://evil.example", f"http://evil.example:{port}", "null"):
        for name, response in requests(open_server, Origin=origin).items():
            assert response.status_code == 403, (origin, name, response.text)
            assert response.json()["error"]["code"] == "forbidden_origin"
    # Its own names (and its own origin, as the web chat sends it) are answered; probes under any name.
    for headers in ({}, {"Host": f"localhost:{port}"}, {"Host": f"[::1]:{port}"}, {"Origin": open_server.base_url},
                    {"Host": "search.example.org", "Origin": "https://search.example.org"}):
        answered = requests(open_server, **headers)
        assert {name: r.status_code for name, r in answered.items()} == {"answer": 200, "document": 200, "mcp": 200, "chat": 200}, headers
    assert "420 million" in answered["answer"].json()["answer"]
    for path in ("/healthz", "/metrics"):
        assert httpx.get(open_server.base_url + path, headers={"Host": "10.1.2.3:8080"}).status_code == 200


def test_a_server_bound_beyond_loopback_answers_any_host_unless_names_are_set():
    assert open_binding("127.0.0.1", [], None) == [] and open_binding("localhost", [], None) == []
    assert open_binding("0.0.0.0", [], None) == ["*"]
    assert open_binding("0.0.0.0", [], "https://search.example.org") == []
    assert open_binding("0.0.0.0", ["api.internal"], None) == ["api.internal"]


def test_any_host_still_refuses_a_foreign_origin(local_web, megrez):
    with ServedApp(make_settings(local_web, megrez, allowed_hosts=["*"])) as app:
        assert httpx.post(app.base_url + "/v1/answer", json=QUESTION, headers={"Host": "api.internal:80"}, timeout=60).status_code == 200
        refused = httpx.post(app.base_url + "/v1/answer", json=QUESTION, headers={"Origin": "http://evil.example"}, timeout=10)
        assert refused.status_code == 403
