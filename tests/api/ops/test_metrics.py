"""What an operator reads: `/metrics` in Prometheus' format, JSON logs, request ids."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.ops.llm_metrics import parse_vllm_metrics
from testkit.settings import make_settings
from testkit import sse
from testkit.logs import log_lines
from testkit.app_server import ServedApp

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"


def scrape(app: ServedApp) -> list[tuple[str, dict, float]]:
    response = httpx.get(f"{app.base_url}/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return [
        (s.name, s.labels, s.value) for family in text_string_to_metric_families(response.text) for s in family.samples
    ]


def value(samples, name: str, **labels) -> float | None:
    """The one sample with that name whose labels include `labels` (None when absent)."""
    found = [v for n, l, v in samples if n == name and labels.items() <= l.items()]
    assert len(found) <= 1, f"{name}{labels} is ambiguous: {found}"
    return found[0] if found else None


def stream_events(app: ServedApp, **body) -> list[tuple[str, dict]]:
    return sse.stream_answer(app.base_url, timeout=30, **body)


def test_metrics_show_requests_stage_latencies_first_token_and_model_tokens(app, megrez):
    plain = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=30)
    assert plain.status_code == 200
    started = time.perf_counter()
    events = stream_events(app, question=QUESTION)
    streamed_s = time.perf_counter() - started
    assert events[-1][0] == "done"
    samples = scrape(app)

    assert value(samples, "websearch_requests_total", route="/v1/answer", method="POST", status="200") == 2
    for stage in ("decide", "search", "read", "select", "answer", "save"):
        assert value(samples, "websearch_stage_duration_seconds_count", stage=stage) == 2, stage
    # The stage histogram holds what the response's own timings say.
    read_s = value(samples, "websearch_stage_duration_seconds_sum", stage="read")
    reported = plain.json()["timings"]["read"] + events[-1][1]["timings"]["read"]
    assert read_s * 1000 == pytest.approx(reported, abs=1.0)
    # Time to first token: one streamed answer, its first text well before the end of the stream.
    assert value(samples, "websearch_time_to_first_token_seconds_count", route="/v1/answer") == 1
    assert 0 < value(samples, "websearch_time_to_first_token_seconds_sum", route="/v1/answer") < streamed_s
    # Tokens: what the model server counted is what the service reports having used.
    counted = megrez.metrics()
    assert value(samples, "websearch_llm_prompt_tokens_total") == counted["prompt_tokens"] > 0
    assert value(samples, "websearch_llm_completion_tokens_total") == counted["generation_tokens"] > 0


def test_metrics_count_failures_by_route_and_code_in_responses_and_streams(app, megrez):
    assert httpx.get(f"{app.base_url}/no/such/page", timeout=10).status_code == 404
    megrez.fail_with = 503
    failed = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=30)
    code = failed.json()["error"]["code"]
    events = stream_events(app, question=QUESTION)
    assert events[-1][0] == "error" and events[-1][1]["code"] == code
    samples = scrape(app)
    assert value(samples, "websearch_errors_total", route="/v1/answer", code=code) == 2  # the JSON one and the streamed one
    assert value(samples, "websearch_requests_total", route="/v1/answer", status=str(failed.status_code)) == 1
    assert value(samples, "websearch_errors_total", route="unmatched", code="not_found") == 1
    assert value(samples, "websearch_requests_total", route="/v1/answer", status="200") == 1  # the stream's status line


def test_first_token_is_observed_from_the_openai_streams_events(app, megrez):
    """The OpenAI-compatible stream sends no `event:` lines: its first content chunk (a `Delta`) is
    still the first token the metrics see, because a stream reports its events, not its bytes."""
    chat = f"{app.base_url}/v1/chat/completions"
    body = {"model": "sonar", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    started = time.perf_counter()
    with httpx.stream("POST", chat, json=body, timeout=30) as response:
        assert response.status_code == 200
        lines = sse.payloads(response.iter_lines())
    streamed_s = time.perf_counter() - started
    assert lines[-1] == "[DONE]"
    samples = scrape(app)
    route = "/v1/chat/completions"
    assert value(samples, "websearch_time_to_first_token_seconds_count", route=route) == 1
    assert 0 < value(samples, "websearch_time_to_first_token_seconds_sum", route=route) < streamed_s
    # A direct answer (no search) streams its first words too: counted once more.
    events = stream_events(app, question="Hello there!")
    assert any(name == "delta" for name, _ in events)
    assert value(scrape(app), "websearch_time_to_first_token_seconds_count", route="/v1/answer") == 1


def test_answers_whose_evidence_budget_widened_are_counted(settings):
    # A ranking always "unsure" (any passage close, any lead) widens every answer; one never unsure, none.
    unsure = settings.model_copy(update={"unsure_crowd": 0.0, "unsure_lead": 1.01, "source_tokens": 40})
    sure = settings.model_copy(update={"unsure_crowd": 2.0})
    with ServedApp(unsure) as widening, ServedApp(sure) as steady:
        for served in (widening, steady):
            response = httpx.post(f"{served.base_url}/v1/answer", json={"question": QUESTION}, timeout=30)
            assert response.status_code == 200 and response.json()["sources"]
        assert value(scrape(widening), "websearch_evidence_widened_total") == 1
        assert value(scrape(steady), "websearch_evidence_widened_total") == 0


def test_search_and_page_cache_hit_ratios(app):
    # Needs agent/deps.py to build its cache with agent.telemetry.instrument_cache.
    for _ in range(2):
        assert httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=30).status_code == 200
    samples = scrape(app)
    assert value(samples, "websearch_cache_lookups_total", cache="search", result="miss") == 1
    assert value(samples, "websearch_cache_lookups_total", cache="search", result="hit") == 1
    assert value(samples, "websearch_cache_hit_ratio", cache="search") == 0.5
    page_hits = value(samples, "websearch_cache_lookups_total", cache="page", result="hit")
    assert page_hits and page_hits == value(samples, "websearch_cache_lookups_total", cache="page", result="miss")


def test_vllm_prefix_cache_is_read_from_the_model_servers_own_metrics(app, megrez):
    for question in (QUESTION, "And when did it open?"):
        assert httpx.post(f"{app.base_url}/v1/answer", json={"question": question}, timeout=30).status_code == 200
    samples = scrape(app)
    counted = megrez.metrics()
    assert counted["prefix_cache_hits"] > 0
    endpoint = megrez.base_url
    assert value(samples, "websearch_llm_metrics_up", endpoint=endpoint) == 1
    assert value(samples, "websearch_llm_prefix_cache_queries_total", endpoint=endpoint) == counted["prefix_cache_queries"]
    assert value(samples, "websearch_llm_prefix_cache_hits_total", endpoint=endpoint) == counted["prefix_cache_hits"]
    ratio = value(samples, "websearch_llm_prefix_cache_hit_ratio")
    assert ratio == pytest.approx(counted["prefix_cache_hits"] / counted["prefix_cache_queries"])


def test_behind_a_router_the_mirror_reads_the_engines_listed_not_the_base_url(local_web, megrez):
    """WEBSEARCH_LLM_METRICS_URLS: the /metrics beside a router's or gateway's URL is its own, so the
    engines behind it are named one by one (deploy/kubernetes overlays list vllm-N.vllm-pods)."""
    from testkit.megrez import ScriptedMegrez

    with ScriptedMegrez() as idle_engine:
        engines = [f"{megrez.url}/metrics", f"{idle_engine.url}/metrics"]
        with ServedApp(make_settings(local_web, megrez, llm_metrics_urls=engines)) as app:
            assert httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTION}, timeout=30).status_code == 200
            samples = scrape(app)
    counted = megrez.metrics()
    assert [l["endpoint"] for n, l, _ in samples if n == "websearch_llm_metrics_up"] == sorted(engines)
    assert value(samples, "websearch_llm_metrics_up", endpoint=engines[1]) == 1
    assert value(samples, "websearch_llm_prefix_cache_queries_total", endpoint=engines[0]) == counted["prefix_cache_queries"]
    assert value(samples, "websearch_llm_prefix_cache_queries_total", endpoint=engines[1]) == 0


def test_the_older_vllm_hit_rate_gauge_is_understood():
    text = '# TYPE vllm:gpu_prefix_cache_hit_rate gauge\nvllm:gpu_prefix_cache_hit_rate{model_name="megrez"} 0.42\n'
    assert parse_vllm_metrics(text) == {"hit_rate": 0.42}


def test_a_model_server_that_hangs_does_not_hang_the_scrape(local_web, megrez):
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        settings = make_settings(local_web, megrez, llm_base_url=url, llm_metrics_timeout_s=0.3)
        with ServedApp(settings) as app:
            started = time.perf_counter()
            samples = scrape(app)
            assert time.perf_counter() - started < 2.0
    assert value(samples, "websearch_llm_metrics_up", endpoint=url) == 0
    assert value(samples, "websearch_llm_prefix_cache_hit_ratio") is None


def test_each_app_counts_only_its_own_requests(settings):
    with ServedApp(settings) as one, ServedApp(settings) as other:
        for _ in range(3):
            httpx.get(f"{one.base_url}/healthz", timeout=5)
        assert value(scrape(one), "websearch_requests_total", route="/healthz") == 3
        assert value(scrape(other), "websearch_requests_total", route="/healthz") is None


def test_every_response_carries_a_request_id_that_its_json_log_line_names(app, json_logs, capfd):
    given = httpx.post(
        f"{app.base_url}/v1/answer", json={"question": QUESTION}, headers={"X-Request-ID": "req-42"}, timeout=30
    )
    assert given.headers["x-request-id"] == "req-42"
    made = httpx.get(f"{app.base_url}/no/such/page", timeout=5)
    assert len(made.headers["x-request-id"]) == 32  # none sent: one is made
    odd = httpx.get(f"{app.base_url}/healthz", headers={"X-Request-ID": "x" * 300}, timeout=5)
    assert odd.headers["x-request-id"] != "x" * 300  # not echoed into logs and headers
    with httpx.stream("POST", f"{app.base_url}/v1/answer", json={"question": QUESTION, "stream": True}) as streamed:
        assert len(streamed.headers["x-request-id"]) == 32
        streamed.read()
    time.sleep(0.1)  # the access line is written as the response ends
    lines = log_lines(capfd.readouterr().err)
    access = {line["request_id"]: line for line in lines if line["logger"] == "websearch.access"}
    line = access["req-42"]
    assert {"ts", "level", "logger", "message"} <= set(line)
    assert (line["route"], line["status"], line["level"]) == ("/v1/answer", 200, "INFO")
    assert 0 < line["duration_ms"] < 30_000
    assert access[made.headers["x-request-id"]]["status"] == 404
    assert access[streamed.headers["x-request-id"]]["route"] == "/v1/answer"


def test_metrics_and_logs_never_carry_an_api_key(local_web, megrez, json_logs, capfd):  # noqa: F811
    """Keys sent every way a client may send them (right, wrong, in a query string, refused by the
    rate limit, on the documents route) are in no /metrics label and no log line."""
    right, wrong = "k-right-5Zq81mN", "k-wrong-3Hd92pL"
    settings = make_settings(local_web, megrez, api_keys=[right], key_burst=3, key_rate_per_minute=1)
    with ServedApp(settings) as app:
        base = app.base_url
        assert httpx.post(f"{base}/v1/answer", json={"question": QUESTION}, headers={"Authorization": f"Bearer {right}"}, timeout=30).status_code == 200
        assert httpx.get(f"{base}/v1/models", headers={"X-API-Key": right}).status_code == 200
        assert httpx.get(f"{base}/v1/models?api_key={right}&key={wrong}", headers={"X-API-Key": right}).status_code == 200
        assert httpx.get(f"{base}/v1/models", headers={"X-API-Key": right}).status_code == 429
        assert httpx.get(f"{base}/v1/models", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
        assert httpx.get(f"{base}/documents/x.md?sig={wrong}", headers={"X-API-Key": wrong}).status_code == 401
        metrics = httpx.get(f"{base}/metrics", timeout=10).text
    time.sleep(0.1)
    logs = capfd.readouterr().err
    assert "websearch_requests_total" in metrics and log_lines(logs)
    for text in (metrics, logs):
        assert right not in text and wrong not in text
