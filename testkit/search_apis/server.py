"""SearchAPIs: the five search API fakes on one loopback HTTP server, each under its own prefix
(`/brave/res/v1/web/search`, `/tavily/search`, `/serper/search`, `/exa/search`,
`/google/customsearch/v1`), answering from a LocalWeb's pages.

Tests point `WEBSEARCH_<API>_URL` at `apis.url(name)`, read `apis.requests(name)` (the fields and
auth headers each call carried) and script failures with `apis.fail(name, kind, retry_after=…)`."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from urllib.parse import parse_qsl, urlsplit

import testkit.search_apis.brave as brave
import testkit.search_apis.exa as exa
import testkit.search_apis.google as google
import testkit.search_apis.serper as serper
import testkit.search_apis.tavily as tavily
from testkit.search_apis.common import Failure, Reply, Request
from testkit.web import LocalWeb

APIS: dict[str, ModuleType] = {m.NAME: m for m in (brave, tavily, serper, exa, google)}
# Keys the fakes accept: shaped like the real ones (Tavily's start tvly-, Brave's BSA…).
KEYS = {
    "brave": "BSAfake0brave0key0000000000000",
    "tavily": "tvly-fake-tavily-key-000000000000",
    "serper": "fake0serper0key00000000000000000000000a",
    "exa": "fake-exa-key-0000-0000-000000000000",
    "google": "AIzaFakeGoogleKey000000000000000000000",
}


class SearchAPIs:
    def __init__(self, web: LocalWeb, keys: dict[str, str] | None = None) -> None:
        self.web = web
        self.keys = dict(KEYS, **(keys or {}))
        self._requests: list[Request] = []
        self._failures: dict[str, Failure] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""

    # --- for tests -------------------------------------------------------------------------------
    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}{APIS[name].PATH}"

    def requests(self, name: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self._requests if name is None or r.api == name]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._failures.clear()

    def fail(self, name: str, kind: str, *, retry_after: int | None = None, times: int | None = None) -> None:
        """The next `times` calls to `name` (every call while None) fail as `kind` (common.Failure)."""
        with self._lock:
            self._failures[name] = Failure(kind, retry_after, times)

    def recover(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)

    # --- serving ---------------------------------------------------------------------------------
    def _take_failure(self, name: str) -> Failure | None:
        with self._lock:
            failure = self._failures.get(name)
            if failure is not None and failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    del self._failures[name]
            return failure

    def answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        parts = urlsplit(path)
        name, _, rest = parts.path.lstrip("/").partition("/")
        api = APIS.get(name)
        if api is None or "/" + rest != api.PATH:
            return Reply(404, {"message": "Not Found"})
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return Reply(400, {"message": "Body is not JSON"})
        request = Request(name, method, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)), headers, body)
        with self._lock:
            self._requests.append(request)
        return api.handle(request, self.web, self.keys[name], self._take_failure(name))

    def start(self) -> SearchAPIs:
        apis = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = apis.answer(self.command, self.path, headers, raw)
                data = reply.encoded()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, name="SearchAPIs", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SearchAPIs:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def settings(self, *names: str) -> dict[str, object]:
        """The `Settings` fields that point the service at these fakes, for `names` (all by default)."""
        values: dict[str, object] = {}
        for name in names or tuple(APIS):
            values[f"{name}_api_key"] = self.keys[name]
            values[f"{name}_url"] = self.url(name)
        if "google" in (names or APIS):
            values["google_cx"] = google.CX
        return values
