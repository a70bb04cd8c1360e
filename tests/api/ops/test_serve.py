"""`websearch serve` as an operator starts it: a real process configured by the contract's variables."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from testkit.settings import make_settings
from testkit.app_server import free_port, subprocess_env


@pytest.mark.parametrize("loop", ["auto", "asyncio"])
def test_serve_answers_with_cited_sources_and_stops_cleanly_on_sigterm(local_web, megrez, redis_url, loop):
    """On uvloop (the default where installed: less CPU per answer) and on asyncio's own loop alike."""
    port = free_port()
    env = subprocess_env(make_settings(local_web, megrez))
    env["WEBSEARCH_REDIS_URL"] = redis_url
    env["WEBSEARCH_LOG_LEVEL"] = "INFO"
    env["WEBSEARCH_EVENT_LOOP"] = loop
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        response = httpx.post(
            f"{base}/v1/answer", json={"question": "How much did the Aurora Bridge in Veldmark cost?"}, timeout=60
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "420 million" in body["answer"]
        assert any("aurora-bridge" in c["url"] and f"[{c['index']}]" in body["answer"] for c in body["citations"])
        request_id = response.headers["x-request-id"]
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    # uvicorn re-raises the SIGTERM it handled once it has shut down cleanly, so the exit status
    # says "terminated by SIGTERM"; the log says whether the shutdown was the graceful one.
    assert proc.returncode in (0, -signal.SIGTERM)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any("Finished server process" in line["message"] for line in lines), output
    expected = "uvloop" if loop == "auto" else "asyncio"  # uvloop is a dependency on this platform
    assert any(line["message"] == f"event loop: {expected}" for line in lines), output
    access = [line for line in lines if line.get("route") == "/v1/answer"]
    assert access and access[0]["request_id"] == request_id and access[0]["status"] == 200
    assert "Traceback" not in output


def test_requiring_uvloop_where_it_is_missing_is_one_clear_start_up_line(local_web, megrez, tmp_path):
    # A directory earlier on the path whose `uvloop` cannot be imported: a machine without it.
    (tmp_path / "uvloop.py").write_text("raise ImportError('no uvloop here')\n")
    env = subprocess_env(make_settings(local_web, megrez))
    env["WEBSEARCH_EVENT_LOOP"] = "uvloop"
    env["PYTHONPATH"] = f"{tmp_path}:{env.get('PYTHONPATH', '')}"
    done = subprocess.run(
        [sys.executable, "-m", "api.cli.main", "serve", "--port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1
    assert "WEBSEARCH_EVENT_LOOP=uvloop but uvloop is not installed" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
