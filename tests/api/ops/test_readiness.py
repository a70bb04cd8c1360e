"""A real `websearch serve` as the api pod runs it, probed as the kubelet probes it (the path, time-out
and failure threshold of deploy/kubernetes/base/api.yaml's readinessProbe): it waits for Redis at
start instead of exiting, and stays ready while its vLLM is slow and while its Redis restarts, because
those are shared by every replica. Requests that need the backend that is down get its 503.

Its own Redis (`redis-server` on a free port, no persistence): the shared one on 6379 is never stopped."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml

from testkit.app_server import free_port, subprocess_env
from testkit.megrez import ScriptedMegrez
from testkit.settings import make_settings
from testkit.skips import missing

ROOT = Path(__file__).resolve().parents[3]
API = next(d for d in yaml.safe_load_all((ROOT / "deploy/kubernetes/base/api.yaml").read_text()) if d["kind"] == "Deployment")
PROBE = API["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
QUESTION = "How much did the Aurora Bridge in Veldmark cost?"


class OwnRedis:
    """A redis-server of this test's own, stopped and started again on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.binary = shutil.which("redis-server") or missing("redis-server is not installed")
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Serve:
    """`websearch serve` in its own process; its log lines collected as they come."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli.main", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.append(line)

    def wait_for_line(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if found := next((line for line in self.lines if text in line), None):
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} in the log: {''.join(self.lines)}")

    def ready(self) -> bool:
        """The kubelet's verdict: ready unless `failureThreshold` probes in a row fail (each within
        `timeoutSeconds`)."""
        for _ in range(PROBE["failureThreshold"]):
            try:
                if httpx.get(self.base_url + PROBE["httpGet"]["path"], timeout=PROBE["timeoutSeconds"]).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
        return False

    def deep_ready_within_probe_timeout(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/readyz", timeout=PROBE["timeoutSeconds"]).status_code == 200
        except httpx.TimeoutException:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(60)


def eventually(check, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


@pytest.fixture
def slow_megrez():
    with ScriptedMegrez() as server:  # its probe_delay_s: vLLM busy with a long batch
        yield server


def test_readiness_holds_through_a_slow_vllm_and_a_redis_restart_and_start_waits_for_redis(tmp_path, local_web, slow_megrez):
    assert PROBE["httpGet"]["path"] == "/readyz/shallow"
    redis = OwnRedis(tmp_path)
    env = subprocess_env(make_settings(local_web, slow_megrez))
    env.update(
        WEBSEARCH_REDIS_URL=redis.url,
        WEBSEARCH_REDIS_STARTUP_WAIT_S="300",
        WEBSEARCH_LOG_LEVEL="INFO",
        WEBSEARCH_LOG_FORMAT="json",
        WEBSEARCH_PARSE_WORKERS="1",
    )
    serve = Serve(env)
    try:
        # 1. Redis is not there yet (a first deploy): the api waits for it rather than exiting.
        waiting = json.loads(serve.wait_for_line("waiting for the conversation store"))
        assert waiting["level"] == "WARNING" and serve.proc.poll() is None
        redis.start()
        assert eventually(serve.ready, timeout=120), "".join(serve.lines)
        assert httpx.post(f"{serve.base_url}/v1/answer", json={"question": QUESTION}, timeout=60).status_code == 200

        # 2. vLLM is slow (busy: its /v1/models takes longer than the probe waits). /readyz, which asks
        # it, misses the probe's time-out; the pod stays ready, and so does every other replica.
        slow_megrez.probe_delay_s = PROBE["timeoutSeconds"] + 1.0
        assert not serve.deep_ready_within_probe_timeout()
        assert serve.ready()
        slow_megrez.probe_delay_s = 0.0

        # 3. Redis restarts. Readiness holds and the web chat still loads; a request that needs Redis
        # gets 503 naming the store, never a traceback; once Redis is back, answers are too.
        redis.stop()
        assert serve.ready()
        assert httpx.get(serve.base_url + "/", timeout=10).status_code == 200
        down = httpx.post(f"{serve.base_url}/v1/answer", json={"question": QUESTION}, timeout=60)
        assert down.status_code == 503 and down.json()["error"]["code"] == "store_unavailable", down.text
        deep = httpx.get(f"{serve.base_url}/readyz", timeout=10)
        assert deep.status_code == 503 and deep.json()["error"]["code"] == "store_unavailable"  # for people, dashboards
        redis.start()
        assert eventually(lambda: httpx.get(f"{serve.base_url}/readyz", timeout=10).status_code == 200)
        answer = httpx.post(f"{serve.base_url}/v1/answer", json={"question": "青川大桥的总投资是多少？"}, timeout=60)
        assert answer.status_code == 200 and "56" in answer.json()["answer"]
        assert serve.ready()
    finally:
        serve.stop()
        redis.stop()
    assert "Traceback" not in "".join(serve.lines)

