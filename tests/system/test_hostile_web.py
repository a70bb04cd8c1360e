"""The web fights back, end to end through POST /v1/answer: every hostile URL LocalWeb serves
(compression bombs, a 200 MB body, prompt injection, redirects into the private network and to the
metadata address, numeric spellings of 127.0.0.1, slow and dripping pages, 404/500/empty/binary)
is put among the search results of a question a good page answers. The answer must stay right and
cited to the good page, the request must finish inside its time budget with bounded memory, and
nothing may reach the "internal" server or leave the loopback interface."""

from __future__ import annotations

import os
import threading
import time
import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from testkit.settings import make_settings
from testkit.app_server import ServedApp
from testkit.megrez import parse_contexts
from testkit.web import (
    HOSTILE_ROUTES,
    INTERNAL_SECRET,
    PDF_FACT,
    PWNED,
    WRONG_FIGURE,
    LocalWeb,
    loopback_only,
)

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
FETCH_TIMEOUT_S = 2.0
MEMORY_LIMIT = 100 * 1024 * 1024
# Routes whose text must never reach the model: errors, refusals, binaries, bombs.
NEVER_SOURCES = {route for route in HOSTILE_ROUTES if route not in ("/huge?bytes=200000000", "/injection")}
GARBAGE = (PWNED, INTERNAL_SECRET, WRONG_FIGURE, "999 million", "Traceback", "\ufffd", "\x00")
GARBAGE += ("Not found", "Internal Server Error", "<|", "JavaScript")


@pytest.fixture(scope="module")
def web() -> Iterator[LocalWeb]:
    with LocalWeb() as local:  # its own: these tests set extra_results
        yield local


@pytest.fixture
def settings(web: LocalWeb, megrez):
    web.extra_results = []
    yield make_settings(
        web, megrez, fetch_timeout_s=FETCH_TIMEOUT_S, fetch_pages=40, search_max_results=40, parse_deadline_s=2.0
    )
    web.extra_results = []


def contexts_read(megrez) -> list[dict]:
    """The numbered contexts of the last answer prompt the model was sent: what it read."""
    for request in reversed(megrez.requests):
        messages = request.get("body", {}).get("messages") or []
        if messages and "[[citation:" in str(messages[-1].get("content")):
            return parse_contexts(str(messages[-1]["content"]))
    raise AssertionError("no answer prompt was sent")


def ask(app: ServedApp, question: str) -> httpx.Response:
    return httpx.post(f"{app.base_url}/v1/answer", json={"question": question, "search": "always"}, timeout=60)


class RssPeak:
    """The process's resident memory, sampled every 5 ms while the block runs (Linux /proc)."""

    def __init__(self) -> None:
        self.base = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.005)

    def __enter__(self) -> RssPeak:
        self.base = self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def delta(self) -> int:
        return self.peak - self.base


def test_hostile_results_do_not_change_the_cited_answer(web: LocalWeb, settings, megrez) -> None:
    good = web.url("aurora-bridge")
    with ServedApp(settings) as app:
        # Warm up on another question (imports, first extraction), so the measure below is the hostile run.
        assert ask(app, "What is the energy density of the Zephyr-9 battery?").status_code == 200
        web.extra_results = web.hostile_results()
        web.clear_requests()
        with RssPeak() as rss, loopback_only() as attempts:
            started = time.monotonic()
            response = ask(app, QUESTION)
            elapsed = time.monotonic() - started

    print(
        f"\nhostile run: {elapsed:.2f} s, RSS peak delta {rss.delta / 2**20:.1f} MiB, "
        f"{len(web.extra_results)} hostile results, "
        f"stages (ms): {response.json().get('timings')}"
    )
    assert response.status_code == 200, response.text
    body = response.json()

    # the answer: right, cited to the good page, untouched by the injection
    assert "420 million" in body["answer"], body["answer"]
    assert PWNED not in body["answer"] and INTERNAL_SECRET not in body["answer"]
    assert "999 million" not in body["answer"], "an error page's body was read as an article"
    cited = {c["url"] for c in body["citations"]}
    assert good in cited, body["citations"]
    assert all("/pages/" in url and "via=" not in url for url in cited), cited

    # no garbage among the sources listed, nor in what the model read
    never = {web.url(route) for route in NEVER_SOURCES}
    read = contexts_read(megrez)
    assert {c["url"] for c in read} == {s["url"] for s in body["sources"]}
    for source in [*body["sources"], *read]:
        assert source["url"] not in never, source
        assert web.internal_url not in source["url"] and "169.254" not in source["url"]
        for junk in GARBAGE:
            for field in ("title", "snippet", "text"):
                assert junk not in source.get(field, ""), (junk, field, source)

    # the hostile pages really were fetched (not skipped), and nothing reached inside
    for route in ("/gzip-bomb", "/br-bomb", "/huge?bytes=200000000", "/injection", "/redirect-internal"):
        assert route in web.requests, f"{route} was never requested"
    assert web.internal_requests == []
    assert not any("via=numeric" in path for path in web.requests)
    assert attempts == [], "a connection to a non-loopback address was attempted"

    # bounded time and memory
    assert elapsed < FETCH_TIMEOUT_S + 4, f"{elapsed:.1f} s, stages (ms): {body['timings']}"
    assert rss.delta < MEMORY_LIMIT, f"RSS grew {rss.delta / 2**20:.0f} MiB"


def test_bombs_and_a_200_mb_body_cost_bounded_python_memory(web: LocalWeb, settings) -> None:
    """The same, measured by tracemalloc (every Python allocation, in every thread of the process)."""
    heavy = ("/gzip-bomb", "/br-bomb", "/huge?bytes=200000000")
    with ServedApp(settings) as app:
        assert ask(app, "What is the energy density of the Zephyr-9 battery?").status_code == 200
        web.extra_results = [r for r in web.hostile_results() if r["url"] in {web.url(h) for h in heavy}]
        web.clear_requests()
        tracemalloc.start()
        try:
            response = ask(app, QUESTION)
            traced_peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    print(f"\nheavy run: tracemalloc peak {traced_peak / 2**20:.1f} MiB")
    assert response.status_code == 200 and "420 million" in response.json()["answer"]
    assert all(route in web.requests for route in heavy)
    assert traced_peak < MEMORY_LIMIT, f"tracemalloc peak {traced_peak / 2**20:.0f} MiB"


def test_a_pdf_answers_and_is_cited(web: LocalWeb, settings, megrez) -> None:
    pdf = web.url("/report.pdf")
    web.extra_results = [{"url": pdf, "title": "Tide report", "content": "", "engine": "localweb"}]
    with ServedApp(settings) as app:
        response = ask(app, "What was the highest tide recorded at the Esk estuary gauge in 2022?")
    assert response.status_code == 200, response.text
    body = response.json()
    assert "4.87 metres" in body["answer"], body["answer"]
    assert pdf in {c["url"] for c in body["citations"]}
    (context,) = [c for c in contexts_read(megrez) if c["url"] == pdf]
    assert PDF_FACT in context["text"]


def test_a_gb18030_page_answers_in_chinese(web: LocalWeb, settings) -> None:
    with ServedApp(settings) as app:
        response = ask(app, "䶮溪古驿道修缮后全程多少千米？")
    assert response.status_code == 200, response.text
    body = response.json()
    assert "17.8 千米" in body["answer"], body["answer"]
    assert web.url("yanxi-post-road") in {c["url"] for c in body["citations"]}


def test_a_read_page_is_served_from_the_cache_next_time(web: LocalWeb, settings) -> None:
    path = "/pages/veldmark-metro.html"
    with ServedApp(settings) as app:
        web.clear_requests()
        first = ask(app, "How many stations does the Veldmark metro have?").json()
        second = ask(app, "How many stations does the Veldmark metro have?").json()
    assert "14 stations" in first["answer"] and second["answer"] == first["answer"]
    assert web.requests.count(path) == 1, "the second answer read the page from the cache"
