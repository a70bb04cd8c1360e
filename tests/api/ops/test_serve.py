"""`websearch serve` as an operator starts it: a real process configured by the contract's variables."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx

from testkit.settings import make_settings
from testkit.app_server import free_port, subprocess_env


def test_serve_answers_with_cited_sources_and_stops_cleanly_on_sigterm(local_web, megrez, redis_url):
    port = free_port()
    env = subprocess_env(make_settings(local_web, megrez))
    env["WEBSEARCH_REDIS_URL"] = redis_url
    env["WEBSEARCH_LOG_LEVEL"] = "INFO"
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
    access = [line for line in lines if line.get("route") == "/v1/answer"]
    assert access and access[0]["request_id"] == request_id and access[0]["status"] == 200
    assert "Traceback" not in output
