"""LocalWeb itself: the two threaded HTTP servers (the web and the "internal" one), their
lifecycle, and what tests read and set on them (URLs, recorded requests, forced /search failures)."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from testkit.web.corpus import PAGES_DIR, load_pages, rank
from testkit.web.handler import Handler
from testkit.web.hostile import HOSTILE_ROUTES, InternalHandler


class LocalWeb:
    """Serves testkit/pages/*.html at /pages/<name>.html and a SearXNG-like /search."""

    SLOW_SECONDS = 5.0
    HUGE_BYTES = 50 * 1024 * 1024

    def __init__(self, pages_dir: Path | None = None) -> None:
        # pages_dir: serve another folder of pages (the benchmark corpus) instead of the fixtures
        self.pages = load_pages(pages_dir or PAGES_DIR)
        self.requests: list[str] = []  # every path received (with query), in order; see search_requests
        self.search_status: int | None = None  # set e.g. 500 or 429 to make /search fail
        self.extra_results: list[dict] = []  # appended to every /search answer (e.g. a broken URL)
        # a query containing the key (any case) is answered with these results alone
        self.results_for: dict[str, list[dict]] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # set by stop(): lets /slow, /huge, /drip and the bombs end early
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.host_port = ""
        self.internal_requests: list[str] = []  # what reached the "private network" (must stay empty)
        self._internal: ThreadingHTTPServer | None = None
        self.internal_port = 0
        self.internal_url = ""

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> LocalWeb:
        web = self

        # A subclass per instance, so that each LocalWeb's handlers see their own `web`.
        class Web(Handler):
            pass

        Web.web = web
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
    @property
    def searxng_url(self) -> str:
        return self.base_url

    def url(self, name: str) -> str:
        """URL of a page (`"aurora-bridge"`) or a special route (`"/slow"`)."""
        if name.startswith("/"):
            return f"{self.base_url}{name}"
        return f"{self.base_url}/pages/{name.removesuffix('.html')}.html"

    def numeric_urls(self, path: str = "/pages/aurora-bridge.html") -> list[str]:
        """`path` on this server's port, with 127.0.0.1 spelled as decimal, hex, octal and short forms."""
        port = self.host_port.rsplit(":", 1)[1]
        spellings = ("2130706433", "0x7f.1", "017700000001", "127.1", "0x7f000001")
        return [f"http://{host}:{port}{path}" for host in spellings]

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

    @property
    def search_requests(self) -> list[str]:
        with self._lock:
            return [p for p in self.requests if p.startswith("/search")]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # --- called by the handlers (their threads) ----------------------------------------------
    def record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def record_internal(self, path: str) -> None:
        with self._lock:
            self.internal_requests.append(path)

    def search(self, query: str, limit: int = 8) -> list[dict]:
        """Pages ranked by how many distinct query terms (words / Chinese bigrams) they contain."""
        return [
            {
                "url": self.url(page.name),
                "title": page.title,
                "content": page.description,
                "engine": "localweb",
                "publishedDate": page.published or None,
            }
            for page in rank(self.pages, query, limit)
        ]
