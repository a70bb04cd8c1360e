"""`websearch serve`: what it decides at start reaches every server process it runs."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx

from testkit.answers import wait_for
from testkit.app_server import free_port, subprocess_env
from testkit.settings import make_settings


def test_several_server_processes_bound_beyond_loopback_all_answer_any_host(local_web, megrez) -> None:
    """Bound to 0.0.0.0 with no names set, the service answers any Host (api/hosts.py): the spawned
    server processes of `--workers 2` build their apps themselves, and each answers so too."""
    port = free_port()
    env = subprocess_env(make_settings(local_web, megrez))
    env.pop("WEBSEARCH_ALLOWED_HOSTS", None)
    env.pop("WEBSEARCH_PUBLIC_URL", None)
    env["WEBSEARCH_PARSE_WORKERS"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli.main", "serve", "--host", "0.0.0.0", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _ready(base), 60), "the server did not become ready"
        # Several requests on fresh connections: the two processes share the socket, each takes some.
        statuses = {
            httpx.get(f"{base}/", headers={"Host": f"search-{n}.example.org"}, timeout=10).status_code for n in range(8)
        }
        assert statuses == {200}
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert "any Host header is answered" in output and "Traceback" not in output, output


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
