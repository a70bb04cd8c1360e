"""Starting `websearch serve` as a new user does: what goes wrong is one line, and the logs suit
where they are read (text on a terminal, JSON in a pipe or when asked).

Real subprocesses; the model source that cannot be reached is a closed loopback port standing for
the Hugging Face Hub (`HF_ENDPOINT`), with an empty Hugging Face cache."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from testkit.app_server import free_port


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any WEBSEARCH_* setting, an empty Hugging Face cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBSEARCH_", "HF_"))}
    env.update(HF_HOME=str(tmp_path / "hf"), **extra)
    return env


def serve(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli.main", "serve", "--port", str(free_port()), *args],
        env=env,
        cwd=cwd,  # no .env file here
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(done: subprocess.CompletedProcess) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and not done.stdout.strip()
    return lines[0]


def test_unreachable_model_source_exits_at_once_in_one_line(tmp_path):
    env = clean_env(tmp_path, HF_ENDPOINT=f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    done = serve(env, tmp_path)
    took = time.monotonic() - started
    assert done.returncode != 0
    line = one_line(done)
    assert line.startswith("websearch: ")
    assert "cannot be reached" in line and "WEBSEARCH_LLM_GGUF" in line and "WEBSEARCH_LLM_BASE_URL" in line
    print(f"unreachable model source: exit {done.returncode} after {took:.1f}s")


def test_offline_hub_setting_exits_in_one_line(tmp_path):
    done = serve(clean_env(tmp_path, HF_HUB_OFFLINE="1"), tmp_path)
    assert done.returncode != 0
    line = one_line(done)
    assert "cannot be downloaded" in line and "WEBSEARCH_LLM_GGUF" in line


def test_missing_gguf_file_names_it(tmp_path):
    missing = tmp_path / "nowhere" / "model.gguf"
    done = serve(clean_env(tmp_path, WEBSEARCH_LLM_GGUF=str(missing)), tmp_path)
    assert done.returncode != 0
    line = one_line(done)
    assert str(missing) in line and "WEBSEARCH_LLM_BASE_URL" in line


def test_unreachable_redis_exits_in_one_line(tmp_path, megrez):
    # Not waiting for it (by default start-up waits: tests/api/ops/test_readiness.py).
    env = clean_env(
        tmp_path,
        WEBSEARCH_LLM_BASE_URL=megrez.base_url,
        WEBSEARCH_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        WEBSEARCH_REDIS_STARTUP_WAIT_S="0",
    )
    done = serve(env, tmp_path)
    assert done.returncode != 0
    line = one_line(done)
    assert "unreachable" in line and "WEBSEARCH_REDIS_URL" in line


def test_bad_setting_is_named_in_one_line(tmp_path, megrez):
    env = clean_env(tmp_path, WEBSEARCH_LLM_BASE_URL=megrez.base_url, WEBSEARCH_FETCH_PAGES="many")
    done = serve(env, tmp_path)
    assert done.returncode != 0
    assert "WEBSEARCH_FETCH_PAGES='many' is not valid" in one_line(done)


def test_debug_log_level_shows_the_traceback_too(tmp_path):
    env = clean_env(tmp_path, HF_HUB_OFFLINE="1", WEBSEARCH_LOG_LEVEL="debug")
    done = serve(env, tmp_path)
    assert done.returncode != 0
    assert "Traceback" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("websearch: ")


# --- logs: text on a terminal, JSON otherwise --------------------------------------------------------


def _serve_in_pty(env: dict[str, str], cwd: Path) -> str:
    """Start `websearch serve` with a terminal as stdout/stderr; return what it wrote until it
    said it is up, then stop it."""
    port = free_port()
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli.main", "serve", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=child,
        stderr=child,
    )
    os.close(child)
    out = b""
    try:
        deadline = time.monotonic() + 90
        while b"startup complete" not in out and time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    out += os.read(main, 65536)
                except OSError:
                    break
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        os.close(main)
    text = out.decode("utf-8", "replace")
    assert "startup complete" in text, text
    return text


def _startup_line(text: str) -> str:
    return next(line for line in text.splitlines() if "startup complete" in line)


def test_logs_are_text_on_a_terminal_and_json_when_asked(tmp_path, megrez):
    env = clean_env(tmp_path, WEBSEARCH_LLM_BASE_URL=megrez.base_url)
    line = _startup_line(_serve_in_pty(env, tmp_path))
    assert not line.lstrip().startswith("{")
    assert " INFO " in line and "Application startup complete" in line

    env["WEBSEARCH_LOG_FORMAT"] = "json"
    record = json.loads(_startup_line(_serve_in_pty(env, tmp_path)))
    assert record["level"] == "INFO" and record["message"] == "Application startup complete."


def test_logs_are_json_in_a_pipe(tmp_path, megrez):
    env = clean_env(tmp_path, WEBSEARCH_LLM_BASE_URL=megrez.base_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli.main", "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []
        for raw in proc.stdout:  # type: ignore[union-attr]
            lines.append(raw)
            if "startup complete" in raw:
                break
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert lines and all(json.loads(line)["message"] for line in lines if line.strip())


@pytest.fixture(autouse=True)
def _no_dotenv_here(tmp_path):
    assert not (tmp_path / ".env").exists()
