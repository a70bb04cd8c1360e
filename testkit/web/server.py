"""LocalWeb itself: the two threaded HTTP servers (the web and the "internal" one) and their
lifecycle; what tests read and set on them (URLs, recorded requests, forced /search failures) is
state.py's WebState, which LocalWeb is."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import testkit.web.content as content
import testkit.web.hostile as hostile
from testkit.web.handler import Handler, Route
from testkit.web.hostile import HOSTILE_ROUTES, InternalHandler
from testkit.web.state import WebState

ROUTES: dict[str, Route] = {**content.ROUTES, **hostile.ROUTES}  # exact paths; none start /pages/ or /sniff/


class LocalWeb(WebState):
    """Serves testkit/pages/*.html at /pages/<name>.html and a SearXNG-like /search."""

    def __init__(self, pages_dir: Path | None = None) -> None:
        # pages_dir: serve another folder of pages (the benchmark corpus) instead of the fixtures
        super().__init__(pages_dir)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._internal: ThreadingHTTPServer | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> LocalWeb:
        web = self

        # A subclass per instance, so that each LocalWeb's handlers see their own `web`.
        class Web(Handler):
            pass

        Web.web = web
        Web.routes = ROUTES
        Web.prefixes = {"/sniff/": content.sniff}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Web)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.host_port = f"127.0.0.1:{port}"
        self.base_url = f"http://{self.host_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="LocalWeb", daemon=True)
        self._thread.start()

        class Internal(InternalHandler):
            pass

        Internal.web = web
        self._internal = ThreadingHTTPServer(("127.0.0.1", 0), Internal)
        self._internal.daemon_threads = True
        self.internal_port = self._internal.server_address[1]
        self.internal_url = f"http://127.0.0.1:{self.internal_port}"
        threading.Thread(target=self._internal.serve_forever, name="LocalWeb-internal", daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for server in (self._server, self._internal):
            if server:
                server.shutdown()
                server.server_close()
        self._server = self._internal = None

    def __enter__(self) -> LocalWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- helpers for tests -------------------------------------------------------------------
    def hostile_results(self) -> list[dict]:
        """Every hostile route and spelling as SearXNG results (for `extra_results`)."""
        results = [
            {"url": self.url(route), "title": f"hostile {route}", "content": "", "engine": "localweb"}
            for route in HOSTILE_ROUTES
        ]
        results += [
            {"url": url, "title": "numeric host", "content": "", "engine": "localweb"}
            for url in self.numeric_urls("/pages/aurora-bridge.html?via=numeric")
        ]
        results += [
            {"url": f"{self.internal_url}/secret", "title": "internal", "content": "", "engine": "localweb"},
            {"url": "http://169.254.169.254/latest/meta-data/", "title": "metadata", "content": ""},
            {"url": "http://[::ffff:127.0.0.1]/", "title": "mapped", "content": ""},
        ]
        return results
