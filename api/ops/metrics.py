"""`GET /metrics`: what the service is doing, in Prometheus' text format.

Every app has its own registry, so several apps in one process (tests, a replica embedded elsewhere)
never mix their numbers. The middleware counts requests and failures by route, times them, is told
of the first `Delta` event a streamed answer sends (time to first token; `api/sse.py` reports a
stream's events, so no bytes are read) and, for the length of each request, makes this app's
metrics the sink of `agent.telemetry` (graph stage latencies, cache hits). What
lives elsewhere is read when Prometheus scrapes: the model's token counts, the LLM pool's endpoints,
and vLLM's own prefix-cache counters from each server's `/metrics` (briefly cached, short timeout);
those are read by `api/ops/llm_metrics.py`.

| metric | type | labels |
|---|---|---|
| `websearch_requests_total` | counter | route, method, status |
| `websearch_errors_total` | counter | route, code (error responses and streamed `error` events) |
| `websearch_request_duration_seconds` | histogram | route |
| `websearch_requests_in_flight` | gauge | |
| `websearch_mcp_tool_calls_total` | counter | tool (search, read, ask), outcome (ok, or the error code) |
| `websearch_mcp_tool_duration_seconds` | histogram | tool |
| `websearch_stage_duration_seconds` | histogram | stage (load_history, decide, search, read, rank, select, condense, answer, related, cite, verify, save) |
| `websearch_time_to_first_token_seconds` | histogram | route (request received → first answer text streamed) |
| `websearch_cache_lookups_total` | counter | cache (search, page), result (hit, miss) |
| `websearch_cache_hit_ratio` | gauge | cache (hits / lookups since start) |
| `websearch_llm_prompt_tokens_total`, `websearch_llm_completion_tokens_total` | counter | |
| `websearch_llm_cached_prompt_tokens_total` | counter | (of the prompt tokens, those served from a prefix cache: the embedded model's KV state, vLLM's `cached_tokens`) |
| `websearch_llm_endpoint_up`, `websearch_llm_endpoint_outstanding_requests` | gauge | endpoint (LLM pool) |
| `websearch_llm_endpoint_requests_total`, `websearch_llm_endpoint_failures_total` | counter | endpoint (LLM pool) |
| `websearch_llm_prefix_cache_queries_total`, `websearch_llm_prefix_cache_hits_total` | counter | endpoint (tokens, vLLM's own counters) |
| `websearch_llm_prefix_cache_hit_ratio` | gauge | (hits / queries over every vLLM endpoint) |
| `websearch_llm_metrics_up` | gauge | endpoint (1 when vLLM's /metrics was read) |
| `websearch_draining` | gauge | (1 while shutting down) |
| `websearch_page_fallbacks_total` | counter | reason (a page's snippet stood in: fetch_failed, no_text, worker_crash, worker_deadline, worker_memory, …) |
| `websearch_evidence_widened_total` | counter | (answers whose evidence budget grew to `unsure_context_tokens`: the ranking was unsure) |
| `websearch_claims_total` | counter | support (supported, partial, unsupported: the answers' cited claims, checked) |
| `websearch_citations_repointed_total`, `websearch_citations_removed_total` | counter | (markers moved to the read source holding the claim; removed where none did) |
| `websearch_verify_duration_seconds` | histogram | (time one answer's claims took to check, as it streamed) |
| `websearch_parse_seconds` | summary | (time parse workers spent per page: `_sum` / `_count`) |
| `websearch_parse_worker_restarts_total` | counter | cause (crash, deadline, memory) |
| `websearch_parse_workers_alive` | gauge | (worker processes up; the pool's size when healthy) |
| `websearch_search_provider_*` | | provider: calls, failures, skips, open circuits (api/ops/search_metrics.py) |
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from starlette.routing import Match

from agent import telemetry
from agent.events import Delta, Error
from api import sse
from inference.base import LLM
from api.ops.llm_metrics import VLLMMetricsReader, llm_endpoint_urls, llm_families, vllm_families
from api.ops.search_metrics import search_families

router = APIRouter(tags=["health"])

VERIFY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
REQUEST_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
TTFT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0)
_ERROR_BODY_LIMIT = 16_384
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


class Metrics:
    """One app's metrics; also the `agent.telemetry` sink of that app's requests."""

    def __init__(
        self, *, llm_metrics_timeout_s: float = 1.0, llm_metrics_cache_s: float = 5.0, llm_metrics_urls: list[str] = ()
    ) -> None:
        self.llm_metrics_urls = list(llm_metrics_urls)  # the engines' own /metrics (behind a router); else beside each base URL
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "websearch_requests", "HTTP requests answered.", ["route", "method", "status"], registry=r
        )
        self.errors = Counter(
            "websearch_errors",
            "Failures a client saw: error responses and streamed error events, by error code.",
            ["route", "code"],
            registry=r,
        )
        self.duration = Histogram(
            "websearch_request_duration_seconds",
            "Time from request received to the last byte of the response.",
            ["route"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge("websearch_requests_in_flight", "Requests being answered now.", registry=r)
        # MCP (api/mcp/server.py): one POST /mcp may carry any tool, so tools are counted by name.
        self.tool_calls = Counter(
            "websearch_mcp_tool_calls", "MCP tool calls, by tool and outcome (ok or the error code).",
            ["tool", "outcome"], registry=r,
        )
        self.tool_duration = Histogram(
            "websearch_mcp_tool_duration_seconds", "Time an MCP tool call took.", ["tool"],
            buckets=REQUEST_BUCKETS, registry=r,
        )
        self.stages = Histogram(
            "websearch_stage_duration_seconds",
            "Wall time of each stage of the answer graph.",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=r,
        )
        self.ttft = Histogram(
            "websearch_time_to_first_token_seconds",
            "Time from request received to the first answer text (`delta` event) sent to the client.",
            ["route"],
            buckets=TTFT_BUCKETS,
            registry=r,
        )
        self.cache_lookups = Counter(
            "websearch_cache_lookups", "Search-result and page cache reads.", ["cache", "result"], registry=r
        )
        self.draining = Gauge("websearch_draining", "1 while the process is shutting down.", registry=r)
        self.fallbacks = Counter(
            "websearch_page_fallbacks", "Pages represented by their search snippet, by why.", ["reason"], registry=r
        )
        self.evidence_widened = Counter(
            "websearch_evidence_widened",
            "Answers whose evidence budget grew to unsure_context_tokens because the ranking was unsure.",
            registry=r,
        )
        self.claims = Counter(
            "websearch_claims", "Cited claims of the answers, checked against the passages read, by verdict.",
            ["support"], registry=r,
        )
        self.repointed = Counter(
            "websearch_citations_repointed", "Citation markers moved to the read source that holds the claim.", registry=r
        )
        self.removed = Counter(
            "websearch_citations_removed", "Citation markers removed: their source does not hold the claim.", registry=r
        )
        self.verify_duration = Histogram(
            "websearch_verify_duration_seconds", "Time one answer's claims took to check.",
            buckets=VERIFY_BUCKETS, registry=r,
        )
        self._cache_counts: dict[str, list[int]] = {}  # cache -> [hits, lookups], for the ratio
        self.scraped = _ScrapedCollector(self)
        r.register(self.scraped)
        self.vllm = VLLMMetricsReader(timeout_s=llm_metrics_timeout_s, cache_s=llm_metrics_cache_s)

    async def aclose(self) -> None:
        """At shutdown (the app's lifespan): the vLLM scrape client."""
        await self.vllm.aclose()

    # --- agent.telemetry.Sink ------------------------------------------------------------------

    def observe_stage(self, stage: str, seconds: float) -> None:
        self.stages.labels(stage).observe(seconds)

    def observe_tool(self, tool: str, outcome: str, seconds: float) -> None:
        self.tool_calls.labels(tool, outcome).inc()
        self.tool_duration.labels(tool).observe(seconds)

    def observe_cache(self, cache: str, hit: bool) -> None:
        self.cache_lookups.labels(cache, "hit" if hit else "miss").inc()
        counts = self._cache_counts.setdefault(cache, [0, 0])
        counts[0] += hit
        counts[1] += 1

    def observe_fallback(self, reason: str) -> None:
        self.fallbacks.labels(reason).inc()

    def observe_evidence_widened(self) -> None:
        self.evidence_widened.inc()

    def observe_claims(self, verdicts: dict[str, int], repointed: int, removed: int) -> None:
        for support, count in verdicts.items():
            self.claims.labels(support).inc(count)
        self.repointed.inc(repointed)
        self.removed.inc(removed)

    def observe_verify(self, seconds: float) -> None:
        self.verify_duration.observe(seconds)

    # --- scrape --------------------------------------------------------------------------------

    async def render(self, app: FastAPI) -> bytes:
        """Refresh what is read at scrape time, then the text exposition."""
        engine = getattr(app.state, "engine", None)  # None until the lifespan has opened it
        deps = engine.deps if engine is not None else None
        llm = deps.llm if deps is not None else None
        draining = getattr(app.state, "draining", None)
        self.draining.set(1 if getattr(draining, "active", False) else 0)
        self.scraped.llm = llm
        self.scraped.workers = getattr(deps, "workers", None)
        self.scraped.provider = getattr(deps, "provider", None)
        self.scraped.vllm = await self.vllm.read(self.llm_metrics_urls or llm_endpoint_urls(llm))
        return generate_latest(self.registry)


class _ScrapedCollector:
    """Metrics whose values live elsewhere (the LLM client, vLLM), read as Prometheus collects."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.llm: LLM | None = None
        self.workers: Any = None  # core.workers.WorkerPool
        self.provider: Any = None  # the search provider (chain), its circuits inside
        self.vllm: dict[str, dict[str, float]] = {}

    def describe(self) -> Iterable:
        return []  # dynamic: nothing to check against at registration

    def collect(self) -> Iterable:
        ratio = GaugeMetricFamily(
            "websearch_cache_hit_ratio", "Cache hits over lookups since start, per cache.", labels=["cache"]
        )
        for cache, (hits, lookups) in sorted(self.metrics._cache_counts.items()):
            ratio.add_metric([cache], hits / lookups if lookups else 0.0)
        yield ratio
        yield from _worker_families(self.workers)
        yield from search_families(self.provider)
        yield from llm_families(self.llm)
        yield from vllm_families(self.vllm)


def _worker_families(workers: Any) -> Iterable:
    if workers is None:
        return
    restarts = CounterMetricFamily(
        "websearch_parse_worker_restarts", "Parse worker processes replaced, by cause.", labels=["cause"]
    )
    for cause in ("crash", "deadline", "memory"):
        restarts.add_metric([cause], workers.restarts.get(cause, 0))
    yield restarts
    yield GaugeMetricFamily("websearch_parse_workers_alive", "Parse worker processes up.", value=workers.alive)
    yield SummaryMetricFamily(
        "websearch_parse_seconds",
        "Time parse workers spent on pages (extraction, PDF text, charsets).",
        count_value=workers.jobs_done,
        sum_value=workers.busy_seconds,
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    body = await request.app.state.metrics.render(request.app)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts and times every HTTP request; makes this app's metrics the telemetry sink meanwhile."""

    def __init__(self, app: Any, metrics: Metrics, routes: FastAPI) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        m = self.metrics
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 500, "error_body": None, "first_delta": False}

        def on_event(event: sse.AnyEvent) -> None:
            """A streamed answer's events as its surface sends them (api/sse.py): never its bytes."""
            if isinstance(event, Delta) and event.text and not state["first_delta"]:
                state["first_delta"] = True
                m.ttft.labels(route_label(scope, self.routes)).observe(time.perf_counter() - started)
            elif isinstance(event, Error):
                m.errors.labels(route_label(scope, self.routes), event.code).inc()

        sse.watch(scope).observers.append(on_event)

        async def observe(message: dict) -> None:
            if message["type"] == "http.response.start":
                state["status"] = status = message["status"]
                if status >= 400:
                    state["error_body"] = bytearray()
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                if state["error_body"] is not None and len(state["error_body"]) < _ERROR_BODY_LIMIT:
                    state["error_body"] += body
            await send(message)

        token = telemetry.use_sink(m)
        m.in_flight.inc()
        try:
            await self.app(scope, receive, observe)
        except Exception:
            state["status"], state["error_body"] = 500, bytearray(b'{"error": {"code": "internal_error"}}')
            raise
        finally:
            m.in_flight.dec()
            telemetry.reset_sink(token)
            route = route_label(scope, self.routes)
            method = scope["method"] if scope["method"] in _METHODS else "other"
            m.requests.labels(route, method, str(state["status"])).inc()
            m.duration.labels(route).observe(time.perf_counter() - started)
            if state["error_body"] is not None:
                m.errors.labels(route, _json_error_code(bytes(state["error_body"]), state["status"])).inc()


def route_label(scope: dict, app: FastAPI) -> str:
    """The route's path template (`/v1/conversations/{conversation_id}`): bounded label values."""
    route = scope.get("route")
    if route is None:  # answered before routing (e.g. while draining): match it ourselves
        for candidate in app.router.routes:
            match, _ = candidate.matches(scope)
            if match == Match.FULL:
                route = candidate
                break
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _json_error_code(body: bytes, status: int) -> str:
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = None
    return str(code) if code else f"http_{status}"


def install(app: FastAPI) -> Metrics:
    """Mount `/metrics` and count every request; returns the app's metrics (also `app.state.metrics`)."""
    settings = app.state.settings
    metrics = Metrics(
        llm_metrics_timeout_s=settings.llm_metrics_timeout_s,
        llm_metrics_cache_s=settings.llm_metrics_cache_s,
        llm_metrics_urls=settings.llm_metrics_urls,
    )
    app.state.metrics = metrics
    app.include_router(router)
    app.add_middleware(MetricsMiddleware, metrics=metrics, routes=app)
    return metrics
