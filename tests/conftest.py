"""Shared fixtures: a real Redis, the local web, the scripted Megrez server, the served app."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from agent.settings import Settings
from api.ops.logging import configure_logging
from testkit.app_server import ServedApp, free_port
from testkit.skips import missing
from testkit.settings import make_settings
from testkit.megrez import ScriptedMegrez
from testkit.slack_api import FakeSlack
from testkit.slack_events import TOKEN as SLACK_TOKEN
from testkit.web import LocalWeb

def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory) -> str:
    """A real Redis: the one on 6379 (database 13, the tests' own), else one started here."""
    url = os.environ.get("WEBSEARCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    if _redis_answers(url):
        yield url
        return
    binary = shutil.which("redis-server")
    if not binary:
        missing("no Redis answers and redis-server is not installed")
    port = free_port()
    workdir: Path = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/13"
    for _ in range(100):
        if _redis_answers(url):
            break
        time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=5)


@pytest.fixture
def redis_url(redis_server_url: str):
    """The test's Redis database, emptied after the test."""
    import redis

    yield redis_server_url
    redis.Redis.from_url(redis_server_url).flushdb()


@pytest.fixture(scope="session")
def workers():
    """Parse worker processes shared by the tests that read pages without an app."""
    from core.workers import WorkerPool

    # A deadline far past any page's parse on a loaded machine (a test that meets it reads a snippet,
    # not the page, and fails for no fault of the code); the deep-nesting page still passes it only
    # by skipping its quadratic pass (half a minute).
    pool = WorkerPool(2, deadline_s=20.0, memory_mb=1024).start()
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def local_web():
    with LocalWeb() as web:
        yield web


@pytest.fixture
def megrez():
    with ScriptedMegrez() as server:
        yield server


@pytest.fixture
def tools_model():
    """A model served with native tool calls (not Megrez: `auto` picks the tools protocol)."""
    with ScriptedMegrez(mode="tools", model="Qwen/Qwen2.5-7B-Instruct") as server:
        yield server


@pytest.fixture
def plain_model():
    """A model that cannot call tools (the plain protocol: the rule decides)."""
    with ScriptedMegrez(mode="plain", model="google/gemma-2-2b-it") as server:
        yield server


@pytest.fixture
def settings(local_web, megrez) -> Settings:
    return make_settings(local_web, megrez)


@pytest.fixture
def app(settings):
    with ServedApp(settings) as served:
        yield served


@pytest.fixture(scope="session")
def search_apis_server(local_web):
    from testkit.search_apis import SearchAPIs

    with SearchAPIs(local_web) as apis:
        yield apis


@pytest.fixture
def search_apis(search_apis_server):
    """The search API fakes (Brave, Tavily, Serper, Exa, Google), their records and failures cleared."""
    search_apis_server.clear()
    yield search_apis_server
    search_apis_server.clear()


@pytest.fixture
def slack():
    """Slack's Web API, faked on loopback with the bot's token (the Slack surface's and the system tests')."""
    with FakeSlack(token=SLACK_TOKEN) as fake:
        yield fake


@pytest.fixture
def json_logs():
    """The service logs JSON lines for this test (read them back with testkit.logs.log_lines)."""
    handler = configure_logging("INFO", "json", force=True)
    yield
    logging.getLogger().removeHandler(handler)
    logging.getLogger("websearch").setLevel(logging.NOTSET)
