"""The search providers' part of `/metrics`, read from the process's providers as Prometheus scrapes:
each provider's calls, its failures by reason, the searches that skipped it, and whether its
circuit is open now (search/providers/circuit.py). Labels are provider names, never keys or URLs.

| metric | type | labels |
|---|---|---|
| `websearch_search_provider_calls_total` | counter | provider (calls made to it) |
| `websearch_search_provider_failures_total` | counter | provider, reason (rate_limited, failed) |
| `websearch_search_provider_skipped_total` | counter | provider (searches that did not call it: circuit open) |
| `websearch_search_provider_circuit_open` | gauge | provider (1 while it is being skipped) |
| `websearch_search_provider_circuit_wait_seconds` | gauge | provider (until the next probe; 0 when closed) |
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from search.providers.circuit import guarded


def search_families(provider: object) -> Iterable:
    providers = guarded(provider) if provider is not None else []
    calls = CounterMetricFamily("websearch_search_provider_calls", "Calls made to each search provider.", labels=["provider"])
    failures = CounterMetricFamily(
        "websearch_search_provider_failures",
        "Failed calls to each search provider, by reason (rate_limited: 429, ratelimit page, spent quota; failed: the rest).",
        labels=["provider", "reason"],
    )
    skipped = CounterMetricFamily(
        "websearch_search_provider_skipped",
        "Searches that skipped a provider without calling it (its circuit was open).",
        labels=["provider"],
    )
    open_ = GaugeMetricFamily(
        "websearch_search_provider_circuit_open", "1 while a search provider is skipped (rate limiting or failing).", labels=["provider"]
    )
    wait = GaugeMetricFamily(
        "websearch_search_provider_circuit_wait_seconds", "Seconds until an open circuit lets one probe through.", labels=["provider"]
    )
    for each in providers:
        calls.add_metric([each.name], each.stats.calls)
        for reason in ("rate_limited", "failed"):
            failures.add_metric([each.name, reason], each.stats.failures.get(reason, 0))
        skipped.add_metric([each.name], each.stats.skipped)
        open_.add_metric([each.name], 1 if each.circuit.is_open else 0)
        wait.add_metric([each.name], round(each.circuit.wait_s(), 1))
    yield from (calls, failures, skipped, open_, wait)
