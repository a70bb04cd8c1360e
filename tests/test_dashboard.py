"""The Grafana dashboard (deploy/grafana/megrez-websearch.json): every query names metrics and labels
the service really exports, read from the /metrics of a served app after it has answered (with its
mirror of the scripted vLLM's prefix-cache counters); and the compose profile provisions it."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families

from api.ops import llm_metrics

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = json.loads((ROOT / "deploy/grafana/megrez-websearch.json").read_text(encoding="utf-8"))
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())

# PromQL words that are not metric names.
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"}
_MATCHERS = re.compile(r"\{([^}]*)\}")
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def queries() -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in DASHBOARD["panels"] for t in p.get("targets", [])]


def parse(expr: str) -> tuple[list[str], list[tuple[str, str, str]], list[str]]:
    """(metric names, (metric, label, value) of each matcher, grouping labels) of a PromQL expression."""
    matchers = []
    for found in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}", expr):
        for label, value in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=~?\s*"([^"]*)"', found.group(2)):
            matchers.append((found.group(1), label, value))
    grouping = [label.strip() for group in _GROUPING.findall(expr) for label in group.split(",") if label.strip()]
    bare = _GROUPING.sub(" ", _MATCHERS.sub(" ", re.sub(r"\[[^\]]*\]", " ", re.sub(r'"[^"]*"', " ", expr))))
    names = [
        word for word, call in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?", bare)
        if not call and word.lower() not in _KEYWORDS
    ]
    return names, matchers, grouping


def exported(app) -> dict[str, set[str]]:
    """Sample name -> the label names it carries, as a served app's /metrics shows them."""
    text = httpx.get(f"{app.base_url}/metrics", timeout=10).text
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    return names


def test_every_dashboard_query_names_a_metric_and_labels_the_service_exports(app, megrez, local_web):
    # An answer, streamed (first token) and plain, so every histogram and per-label series exists;
    # one search result is a page that is not there (a snippet stands in: a fallback series).
    local_web.extra_results = [
        {"url": f"{local_web.base_url}/no-such-page", "title": "Gone", "content": "Aurora Bridge, gone.", "engine": "localweb"}
    ]
    try:
        for stream in (False, True):
            response = httpx.post(
                f"{app.base_url}/v1/answer",
                json={"question": "How much did the Aurora Bridge in Veldmark cost?", "stream": stream, "search": "always"},
                timeout=60,
            )
            assert response.status_code == 200
    finally:
        local_web.extra_results = []
    httpx.post(f"{app.base_url}/v1/answer", json={}, timeout=10)  # a 400: an error series
    samples = exported(app)
    # vLLM's own names, as the api reads them to mirror (an operator's Prometheus may scrape vLLM too).
    vllm = set(re.findall(r'"(vllm:[a-z_:]+)"', inspect.getsource(llm_metrics)))
    assert {"vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total"} <= vllm

    checked = set()
    for title, expr in queries():
        names, matchers, grouping = parse(expr)
        assert names, f"{title}: {expr} names no metric"
        labels: set[str] = set()
        for name in names:
            assert name in samples or name in vllm, f"{title}: {name} is not exported by the service ({expr})"
            labels |= samples.get(name, set())
            checked.add(name)
        for metric, label, value in matchers:
            assert label in samples.get(metric, set()), f"{title}: {metric} has no label {label!r}"
            if metric == "websearch_stage_duration_seconds_count":
                assert value in {s for s in _label_values(app, metric, label)}, f"{title}: no stage {value!r}"
        for label in grouping:
            assert label in labels, f"{title}: grouping by {label!r}, which {names} do not carry ({expr})"
    # What the issue asks the dashboard to show, each by the metric that carries it.
    for needed in (
        "websearch_stage_duration_seconds_count",  # answers per second
        "websearch_errors_total",  # errors by kind
        "websearch_stage_duration_seconds_bucket",  # stage latencies
        "websearch_time_to_first_token_seconds_bucket",
        "websearch_evidence_widened_total",
        "websearch_parse_worker_restarts_total",
        "websearch_llm_prefix_cache_hits_total",
        "websearch_search_provider_failures_total",
        "websearch_claims_total",  # checked citations (issue 23)
    ):
        assert needed in checked, f"the dashboard does not show {needed}"


def _label_values(app, metric: str, label: str) -> set[str]:
    text = httpx.get(f"{app.base_url}/metrics", timeout=10).text
    return {s.labels[label] for f in text_string_to_metric_families(text) for s in f.samples if s.name == metric and label in s.labels}


def test_a_misspelt_metric_or_label_is_caught():
    names, matchers, grouping = parse('sum by (stage, le) (rate(websearch_stage_duration_seconds_bucket{stage="answer"}[$__rate_interval])) / on() websearch_answers_total')
    assert names == ["websearch_stage_duration_seconds_bucket", "websearch_answers_total"]
    assert matchers == [("websearch_stage_duration_seconds_bucket", "stage", "answer")]
    assert grouping == ["stage", "le"]


def test_the_dashboard_is_well_formed_for_grafana():
    panels = DASHBOARD["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    assert all(0 <= p["gridPos"]["x"] and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in panels)
    assert DASHBOARD["templating"]["list"][0] == {**DASHBOARD["templating"]["list"][0], "name": "datasource", "type": "datasource", "query": "prometheus"}
    for panel in panels:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}" and panel["targets"], panel["title"]
            assert all(t["refId"] and t["expr"] for t in panel["targets"])


def test_the_monitoring_profile_provisions_prometheus_and_grafana_with_the_dashboard():
    services = COMPOSE["services"]
    assert services["prometheus"]["profiles"] == ["monitoring"] == services["grafana"]["profiles"]
    assert "monitoring" not in str(services["api"])  # the default `up` starts neither
    mounts = {m.split(":")[0]: m.split(":")[1] for m in services["grafana"]["volumes"] if m.startswith("./")}
    assert mounts["./deploy/grafana/megrez-websearch.json"].startswith("/var/lib/grafana/dashboards/")
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/megrez-websearch.yaml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    source = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yaml").read_text())
    assert source["datasources"][0]["url"] == "http://prometheus:9090" and source["datasources"][0]["isDefault"]
    scrape = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = {t for job in scrape["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    assert {"api:8080", "vllm:8000"} <= targets
    for name in ("prometheus", "grafana"):
        assert services[name]["ports"][0].startswith("127.0.0.1:"), name  # this machine only
