"""LocalWeb's request handler: records each request and hands it to its route; unknown paths are
404s. The routes (content.py for the ordinary web, hostile.py for what the fetcher must survive)
are given to it by LocalWeb (server.py), so they may name this handler without a circle."""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from testkit.web.state import WebState

Query = dict[str, list[str]]
Route = Callable[["Handler", Query], None]


class Handler(BaseHTTPRequestHandler):
    web: WebState
    routes: ClassVar[dict[str, Route]] = {}  # exact paths
    prefixes: ClassVar[dict[str, Callable[[Handler, str], None]]] = {}  # path prefix -> route(h, the rest)
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the client gave up (timeouts, size caps): expected

    def send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send(302, b"", "", {"Location": location})

    def not_found(self) -> None:
        self.send(404, b"<h1>Not found</h1>", "text/html; charset=utf-8")

    def page(self, name: str) -> None:
        page = self.web.pages.get(name)
        if page is None:
            self.not_found()
        elif page.charset.lower() == "utf-8":
            self.send(200, page.raw, "text/html; charset=utf-8")
        else:  # legacy pages: charset only in <meta>, as many old Chinese sites do
            self.send(200, page.raw, "text/html")

    def do_GET(self) -> None:  # noqa: N802
        self.web.record(self.path)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        path = parts.path
        route = self.routes.get(path)
        if route is not None:
            return route(self, query)
        if path.startswith("/pages/") and path.endswith(".html"):
            return self.page(path[len("/pages/") : -len(".html")])
        for prefix, named in self.prefixes.items():
            if path.startswith(prefix):
                return named(self, path[len(prefix) :])
        self.not_found()  # /404 and anything unknown
