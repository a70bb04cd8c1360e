"""`websearch doctor` as an operator runs it (a real subprocess, configured by WEBSEARCH_* variables)
against a configuration that works and one where every part is broken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from search.index import build_index
from testkit.app_server import free_port
from testkit.documents import write_corpus


def doctor(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("WEBSEARCH_")}
    return subprocess.run(
        [sys.executable, "-m", "api.cli.main", "doctor"],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def report(done: subprocess.CompletedProcess) -> dict[str, str]:
    """{"model": "ok   model  …", …}: each check's line by its name."""
    lines = {}
    for line in done.stdout.splitlines()[:-1]:
        status, name = line[:3].strip(), line[5:].split("  ")[0].strip()
        lines[name] = (status, line)
    return lines


def test_a_healthy_configuration_is_all_ok(local_web, megrez, redis_url, tmp_path):
    write_corpus(tmp_path / "docs")
    build_index(tmp_path / "docs", tmp_path / "index")
    env = {
        "WEBSEARCH_LLM_BASE_URL": megrez.base_url,
        "WEBSEARCH_LLM_MODEL": megrez.model,
        "WEBSEARCH_SEARCH_PROVIDER": "searxng,local",
        "WEBSEARCH_SEARXNG_URL": local_web.searxng_url,
        "WEBSEARCH_LOCAL_INDEX": str(tmp_path / "index"),
        "WEBSEARCH_REDIS_URL": redis_url,
        "WEBSEARCH_FETCH_ALLOW_HOSTS": local_web.host_port,
    }
    done = doctor(env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = report(done)
    assert set(lines) == {"model", "search: searxng", "search: local", "store", "fetch policy"}, done.stdout
    assert all(status == "ok" for status, _ in lines.values()), done.stdout
    assert megrez.model in lines["model"][1]
    assert "5 documents" in lines["search: local"][1]
    assert local_web.host_port in lines["fetch policy"][1]
    assert done.stdout.strip().endswith("all good")


def test_a_broken_configuration_says_what_to_fix_and_exits_non_zero(local_web, tmp_path):
    local_web.search_status = 403  # SearXNG with its JSON API off
    try:
        env = {
            "WEBSEARCH_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
            "WEBSEARCH_LLM_CONNECT_TIMEOUT_S": "1",
            "WEBSEARCH_SEARCH_PROVIDER": "searxng,local",
            "WEBSEARCH_SEARXNG_URL": local_web.searxng_url,
            "WEBSEARCH_LOCAL_INDEX": str(tmp_path / "no-index"),
            "WEBSEARCH_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
            "WEBSEARCH_FETCH_ALLOW_HOSTS": "http://intranet.example/",
        }
        done = doctor(env, tmp_path)
    finally:
        local_web.search_status = None
    assert done.returncode == 1, done.stdout + done.stderr
    lines = report(done)
    assert all(status == "FIX" for status, _ in lines.values()), done.stdout
    assert "WEBSEARCH_LLM_BASE_URL" in lines["model"][1]
    assert "enable `json` in `search.formats`" in lines["search: searxng"][1]
    assert "websearch index DIR" in lines["search: local"][1]
    assert "WEBSEARCH_REDIS_URL" in lines["store"][1]
    assert "host:port" in lines["fetch policy"][1]
    assert done.stdout.strip().endswith("5 to fix")
    assert "Traceback" not in done.stdout + done.stderr


def test_embedded_model_that_cannot_be_had_is_reported(tmp_path):
    env = {"WEBSEARCH_LLM_GGUF": str(tmp_path / "missing.gguf"), "WEBSEARCH_SEARCH_PROVIDER": "local"}
    done = doctor(env, tmp_path)
    assert done.returncode == 1
    model = report(done)["model"]
    assert model[0] == "FIX"
    assert "WEBSEARCH_LLM_BASE_URL" in model[1]


LLM_KEY = "planted-llm-key-7Qx2"  # no known token shape: only knowing it masks it
SEARXNG_PASSWORD = "pw@with-at-9f3"


class EchoingModelServer:
    """A model server (an OpenAI-compatible proxy) whose 401 repeats the key it was sent."""

    def __enter__(self):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                body = json.dumps({"error": {"message": f"Incorrect API key provided: {key}", "code": "invalid_api_key"}})
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


def test_doctor_output_carries_no_planted_password_or_key(local_web, tmp_path):
    local_web.search_status = 403  # a failing SearXNG: its URL is in the report
    try:
        with EchoingModelServer() as model:
            searxng = local_web.searxng_url.replace("http://", f"http://operator:{SEARXNG_PASSWORD}@", 1)
            env = {
                "WEBSEARCH_LLM_BASE_URL": model.base_url,
                "WEBSEARCH_LLM_API_KEY": LLM_KEY,
                "WEBSEARCH_SEARCH_PROVIDER": "searxng",
                "WEBSEARCH_SEARXNG_URL": searxng,
                "WEBSEARCH_REDIS_URL": f"redis://:{SEARXNG_PASSWORD}@127.0.0.1:{free_port()}/0",
            }
            done = doctor(env, tmp_path)
    finally:
        local_web.search_status = None
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Incorrect API key provided" in output, output  # the 401 is reported …
    for secret in (LLM_KEY, SEARXNG_PASSWORD, "with-at-9f3", "operator:"):
        assert secret not in output, output  # … without what it echoed, and no URL keeps its password


def test_each_search_api_is_probed_and_key_problems_and_rate_limits_are_plain(local_web, megrez, search_apis, tmp_path):
    """One query each: a good key answers; a wrong key, a missing key, a rate limit are each one line
    saying what to fix or what the service does about it; no key is ever printed."""
    wrong_tavily = "tvly-wrong-key-for-the-doctor-000"
    search_apis.fail("exa", "rate_limited", retry_after=90)
    env = {
        "WEBSEARCH_LLM_BASE_URL": megrez.base_url,
        "WEBSEARCH_LLM_MODEL": megrez.model,
        "WEBSEARCH_SEARCH_PROVIDER": "brave,tavily,exa,google,serper",
        "WEBSEARCH_BRAVE_API_KEY": search_apis.keys["brave"],
        "WEBSEARCH_BRAVE_URL": search_apis.url("brave"),
        "WEBSEARCH_TAVILY_API_KEY": wrong_tavily,
        "WEBSEARCH_TAVILY_URL": search_apis.url("tavily"),
        "WEBSEARCH_EXA_API_KEY": search_apis.keys["exa"],
        "WEBSEARCH_EXA_URL": search_apis.url("exa"),
        "WEBSEARCH_GOOGLE_API_KEY": search_apis.keys["google"],  # but no WEBSEARCH_GOOGLE_CX
        "WEBSEARCH_GOOGLE_URL": search_apis.url("google"),
        "WEBSEARCH_FETCH_ALLOW_HOSTS": local_web.host_port,
    }
    done = doctor(env, tmp_path)
    lines = report(done)
    assert lines["search: brave"][0] == "ok" and "answered a test search with" in lines["search: brave"][1]
    assert lines["search: tavily"][0] == "FIX"
    assert "API key was refused (HTTP 401" in lines["search: tavily"][1] and "WEBSEARCH_TAVILY_API_KEY" in lines["search: tavily"][1]
    assert lines["search: exa"][0] == "FIX"
    assert "rate limited (HTTP 429" in lines["search: exa"][1]
    assert "the service skips it for 90s, then probes once" in lines["search: exa"][1]
    assert lines["search: google"][0] == "FIX" and "needs WEBSEARCH_GOOGLE_API_KEY and WEBSEARCH_GOOGLE_CX" in lines["search: google"][1]
    assert lines["search: serper"][0] == "FIX" and "needs WEBSEARCH_SERPER_API_KEY" in lines["search: serper"][1]
    printed = done.stdout + done.stderr
    for key in (search_apis.keys["brave"], wrong_tavily, search_apis.keys["exa"], search_apis.keys["google"]):
        assert key not in printed
    assert "Traceback" not in printed
    assert [r.api for r in search_apis.requests()] == ["brave", "tavily", "exa"]  # one query each, none retried


def test_the_default_chain_is_shown_as_the_doctor_resolves_it(local_web, megrez, search_apis, tmp_path):
    env = {
        "WEBSEARCH_LLM_BASE_URL": megrez.base_url,
        "WEBSEARCH_LLM_MODEL": megrez.model,
        "WEBSEARCH_SEARXNG_URL": local_web.searxng_url,
        "WEBSEARCH_BRAVE_API_KEY": search_apis.keys["brave"],
        "WEBSEARCH_BRAVE_URL": search_apis.url("brave"),
    }
    lines = report(doctor(env, tmp_path))
    assert "auto: brave → searxng → duckduckgo" in lines["search chain"][1]
    assert lines["search: brave"][0] == "ok" and lines["search: searxng"][0] == "ok"
