"""A parser that crashes, hangs or swells costs its page, never the answer or the server: end to end
through POST /v1/answer, with real worker processes dying of real signals (see testkit/chaos.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from core.workers import WorkerPool
from testkit.settings import make_settings
from testkit.app_server import ServedApp, free_port, subprocess_env
from testkit.procs import alive, descendants
from testkit.web import LocalWeb
from testkit.answers import CHAOS, assert_cited_answer, wait_for

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
DEADLINE_S = 4.0  # far below the sleeping parser (30 s), far above an ordinary page on a busy machine


@pytest.fixture(scope="module")
def web() -> Iterator[LocalWeb]:
    with LocalWeb() as local:  # its own: these tests set extra_results
        yield local


def chaos_result(web: LocalWeb, what: str) -> dict:
    return {
        "url": f"{web.base_url}/chaos?do={what}&page=zephyr-9-battery",
        "title": "Zephyr-9 battery review",
        "content": "The Zephyr-9 battery, reviewed.",
        "engine": "localweb",
    }


def ask(app: ServedApp, question: str = QUESTION) -> httpx.Response:
    return httpx.post(f"{app.base_url}/v1/answer", json={"question": question, "search": "always"}, timeout=60)


def metric(app: ServedApp, line_start: str) -> float:
    text = httpx.get(f"{app.base_url}/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.parametrize(
    "what, cause", [("abort", "crash"), ("segv", "crash"), ("sleep", "deadline"), ("hog", "memory")]
)
def test_a_page_that_kills_its_worker_costs_only_that_page(web: LocalWeb, megrez, what: str, cause: str) -> None:
    settings = make_settings(web, megrez, fetch_pages=8)
    pool = WorkerPool(2, deadline_s=DEADLINE_S, memory_mb=256, initializer=CHAOS)
    web.extra_results = [chaos_result(web, what)]
    try:
        with ServedApp(settings, workers=pool) as app:
            started = time.monotonic()
            body = assert_cited_answer(ask(app), "420 million", "aurora-bridge")
            # the page that killed its worker is at most its snippet, and the request did not wait
            # for a sleeping parser (30 s) beyond the deadline
            assert time.monotonic() - started < 20
            chaos = [s for s in body["sources"] if "/chaos" in s["url"]]
            assert all("Zephyr-9 battery, reviewed" in s["snippet"] for s in chaos)
            assert wait_for(lambda: pool.alive == 2), "the pool is back to full size"
            assert pool.restarts == {cause: 1}
            assert metric(app, f'websearch_parse_worker_restarts_total{{cause="{cause}"}}') == 1.0
            assert metric(app, f'websearch_page_fallbacks_total{{reason="worker_{cause}"}}') == 1.0
            assert metric(app, "websearch_parse_workers_alive") == 2.0

            web.extra_results = []  # the next question is served as usual
            assert_cited_answer(ask(app, "青川大桥总投资是多少？"), "56 亿元", "qingchuan-bridge")
    finally:
        web.extra_results = []


def test_a_worker_killed_while_it_holds_a_page(web: LocalWeb, megrez) -> None:
    """SIGKILL from outside (the OOM killer, an operator) to the process parsing a page."""
    settings = make_settings(web, megrez, fetch_pages=8)
    pool = WorkerPool(2, deadline_s=20.0, memory_mb=256, initializer=CHAOS)
    web.extra_results = [chaos_result(web, "sleep")]
    killed: list[int] = []

    def kill_the_stuck_worker() -> None:
        if wait_for(lambda: any(seconds > 3 for _, seconds in pool.busy()), 20):
            pid = next(pid for pid, seconds in pool.busy() if seconds > 3)
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    try:
        with ServedApp(settings, workers=pool) as app:
            killer = threading.Thread(target=kill_the_stuck_worker)
            killer.start()
            started = time.monotonic()
            assert_cited_answer(ask(app), "420 million", "aurora-bridge")
            assert time.monotonic() - started < 15, "the request did not wait out the 20 s deadline"
            killer.join()
            assert killed and wait_for(lambda: pool.alive == 2 and killed[0] not in pool.pids())
            assert pool.restarts == {"crash": 1}
            web.extra_results = []
            assert_cited_answer(ask(app), "420 million", "aurora-bridge")
    finally:
        web.extra_results = []


def test_serve_with_several_server_processes_parses_in_workers_and_stops_them_all(local_web, megrez) -> None:
    port = free_port()
    env = subprocess_env(make_settings(local_web, megrez))
    env["WEBSEARCH_PARSE_WORKERS"] = "2"
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli.main", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _ready(base), 60), "the server did not become ready"
        for question, fact, page in (
            (QUESTION, "420 million", "aurora-bridge"),
            ("青川大桥总投资是多少？", "56 亿元", "qingchuan-bridge"),
        ):
            response = httpx.post(f"{base}/v1/answer", json={"question": question, "search": "always"}, timeout=60)
            assert_cited_answer(response, fact, page)
        # two server processes, each with its two parse workers (and a fork server behind them)
        tree = set(descendants(proc.pid))
        assert len(tree) >= 2 + 2 * 2, tree
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert "Traceback" not in output, output
    assert wait_for(lambda: not any(alive(pid) for pid in tree), 10), (
        "every server and parse worker process ended"
    )


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
