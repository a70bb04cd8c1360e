"""LocalWeb's request handler: records each request and hands it to its route (content.py for the
ordinary web, hostile.py for what the fetcher must survive); unknown paths are 404s."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import testkit.web.content as content
import testkit.web.hostile as hostile

if TYPE_CHECKING:
    from testkit.web.server import LocalWeb

ROUTES: dict[str, content.Route] = {**content.ROUTES, **hostile.ROUTES}  # exact paths; none start /pages/ or /sniff/


class Handler(BaseHTTPRequestHandler):
    web: LocalWeb
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
        route = ROUTES.get(path)
        if route is not None:
            route(self, query)
        elif path.startswith("/pages/") and path.endswith(".html"):
            self.page(path[len("/pages/") : -len(".html")])
        elif path.startswith("/sniff/"):
            content.sniff(self, path[len("/sniff/") :])
        else:  # /404 and anything unknown
            self.not_found()
