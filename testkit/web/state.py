"""What LocalWeb's routes read and its tests set: the pages, the recorded requests, the forced
/search failures, the addresses; the servers themselves are server.py's (LocalWeb). Apart, so that
the handlers and routes know this much of LocalWeb without importing the module that imports them."""

from __future__ import annotations

import threading
from pathlib import Path

from testkit.web.corpus import PAGES_DIR, load_pages, rank


class WebState:
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
        self.base_url = ""
        self.host_port = ""
        self.internal_requests: list[str] = []  # what reached the "private network" (must stay empty)
        self.internal_port = 0
        self.internal_url = ""

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
