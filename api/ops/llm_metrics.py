"""What the model side reports, read when Prometheus scrapes: the model client's token counts, the
LLM pool's endpoints, and vLLM's own prefix-cache counters from each server's `/metrics` (briefly
cached, short timeout). The metric names are listed in `api/ops/metrics.py`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import httpx
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families

from inference.base import LLM
from core.redact import redact


def llm_families(llm: LLM | None) -> Iterable:
    """Token counts and the LLM pool's endpoints, from the model client (nothing before it is built)."""
    if llm is None:
        return
    usage = llm.usage_total
    prompt = CounterMetricFamily("websearch_llm_prompt_tokens", "Prompt tokens sent to the model.")
    prompt.add_metric([], usage.prompt_tokens)
    completion = CounterMetricFamily("websearch_llm_completion_tokens", "Tokens the model generated.")
    completion.add_metric([], usage.completion_tokens)
    yield prompt
    yield completion
    endpoints = llm.endpoints
    if not endpoints:
        return
    up = GaugeMetricFamily("websearch_llm_endpoint_up", "1 while the LLM endpoint takes traffic.", labels=["endpoint"])
    outstanding = GaugeMetricFamily(
        "websearch_llm_endpoint_outstanding_requests", "Requests in flight per LLM endpoint.", labels=["endpoint"]
    )
    requests = CounterMetricFamily(
        "websearch_llm_endpoint_requests", "Requests sent to each LLM endpoint.", labels=["endpoint"]
    )
    failures = CounterMetricFamily(
        "websearch_llm_endpoint_failures",
        "Requests an LLM endpoint failed (then retried elsewhere when possible).",
        labels=["endpoint"],
    )
    for endpoint in endpoints:
        up.add_metric([endpoint.url], 1.0 if endpoint.healthy else 0.0)
        outstanding.add_metric([endpoint.url], endpoint.outstanding)
        requests.add_metric([endpoint.url], endpoint.requests)
        failures.add_metric([endpoint.url], endpoint.failures)
    yield from (up, outstanding, requests, failures)
    spilled = CounterMetricFamily(
        "websearch_llm_affinity_spilled",
        "Conversation requests sent past their own endpoint because it carried more than the load bound.",
    )
    spilled.add_metric([], llm.spilled)
    yield spilled


def vllm_families(vllm: dict[str, dict[str, float]]) -> Iterable:
    """vLLM's prefix-cache figures, from `VLLMMetricsReader.read` (nothing when none was read)."""
    if not vllm:
        return
    up = GaugeMetricFamily("websearch_llm_metrics_up", "1 when vLLM's /metrics could be read.", labels=["endpoint"])
    queries = CounterMetricFamily(
        "websearch_llm_prefix_cache_queries", "vLLM prefix cache queries (tokens), per endpoint.", labels=["endpoint"]
    )
    hits = CounterMetricFamily(
        "websearch_llm_prefix_cache_hits", "vLLM prefix cache hits (tokens), per endpoint.", labels=["endpoint"]
    )
    total_queries = total_hits = 0.0
    rates: list[float] = []
    for base_url, values in sorted(vllm.items()):
        url = redact(base_url)  # a label is public (scraped, stored, graphed): no credentials
        up.add_metric([url], 1.0 if values else 0.0)
        if "queries" in values:
            queries.add_metric([url], values["queries"])
            hits.add_metric([url], values["hits"])
            total_queries += values["queries"]
            total_hits += values["hits"]
        elif "hit_rate" in values:  # vLLM before the counters: a gauge of the recent hit rate
            rates.append(values["hit_rate"])
    yield from (up, queries, hits)
    ratio = GaugeMetricFamily(
        "websearch_llm_prefix_cache_hit_ratio",
        "Share of prompt tokens vLLM served from its prefix cache, over every endpoint.",
    )
    if total_queries:
        ratio.add_metric([], total_hits / total_queries)
        yield ratio
    elif rates:
        ratio.add_metric([], sum(rates) / len(rates))
        yield ratio


def llm_endpoint_urls(llm: LLM | None) -> list[str]:
    """The OpenAI-compatible base URLs behind the model client (none for the embedded backend)."""
    if llm is None:
        return []
    if endpoints := llm.endpoints:
        return [e.base_url for e in endpoints]
    return [llm.base_url] if llm.base_url else []


def metrics_url(base_url: str) -> str:
    """vLLM serves /metrics beside /v1: `http://gpu:8000/v1` → `http://gpu:8000/metrics` (a URL that
    already names /metrics, from `llm_metrics_urls`, is kept)."""
    root = base_url.rstrip("/")
    if root.endswith("/metrics"):
        return root
    if root.endswith("/v1"):
        root = root[: -len("/v1")]
    return root + "/metrics"


def parse_vllm_metrics(text: str) -> dict[str, float]:
    """Prefix-cache figures from vLLM's exposition: counters (V1 engine) or the older hit-rate gauge."""
    sums: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            sums[sample.name] = sums.get(sample.name, 0.0) + sample.value  # summed over engines/models
    if "vllm:prefix_cache_queries_total" in sums:
        return {"queries": sums["vllm:prefix_cache_queries_total"], "hits": sums.get("vllm:prefix_cache_hits_total", 0.0)}
    if "vllm:gpu_prefix_cache_hit_rate" in sums:
        return {"hit_rate": sums["vllm:gpu_prefix_cache_hit_rate"]}
    return {}


class VLLMMetricsReader:
    """Reads each vLLM server's /metrics, at most every `cache_s` seconds, each within `timeout_s`."""

    def __init__(self, *, timeout_s: float = 1.0, cache_s: float = 5.0) -> None:
        self.timeout_s = timeout_s
        self.cache_s = cache_s
        self._read_at = -float("inf")
        self._urls: list[str] = []
        self._values: dict[str, dict[str, float]] = {}
        self._lock = asyncio.Lock()
        self._client: httpx.AsyncClient | None = None  # made on first use (its pool lives on the app's loop)

    async def read(self, base_urls: list[str]) -> dict[str, dict[str, float]]:
        """base URL -> figures ({} when that server's metrics could not be read)."""
        if not base_urls:
            return {}
        async with self._lock:  # concurrent scrapes share one read
            if base_urls != self._urls or time.monotonic() - self._read_at >= self.cache_s:
                if self._client is None:
                    self._client = httpx.AsyncClient(timeout=self.timeout_s)
                values = await asyncio.gather(*(self._read_one(self._client, url) for url in base_urls))
                self._values = dict(zip(base_urls, values))
                self._urls, self._read_at = list(base_urls), time.monotonic()
            return self._values

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _read_one(self, client: httpx.AsyncClient, base_url: str) -> dict[str, float]:
        try:
            response = await client.get(metrics_url(base_url))
            response.raise_for_status()
            values = parse_vllm_metrics(response.text)
        except (httpx.HTTPError, ValueError):
            return {}
        return values or {"read": 1.0}  # read, but no prefix-cache figures (prefix caching off)

