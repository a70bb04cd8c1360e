"""GET /metrics as vLLM's Prometheus exposition writes it (the few series the service and the
benchmarks read), and a reader for it."""

from __future__ import annotations

from testkit.megrez.prefix_cache import PrefixCache


def metrics_text(model: str, created: float, cache: PrefixCache, counters: dict, finished: dict) -> str:
    """counters: {"running", "prompt_tokens", "generation_tokens"}; finished: finish reason -> count."""
    labels = f'engine="0",model_name="{model}"'
    cached_blocks = len(cache.blocks)
    created_s = f"{created:.9e}"
    lines: list[str] = []

    def counter(name: str, help_: str, samples: list[tuple[str, float]]) -> None:
        lines.extend([f"# HELP {name}_total {help_}", f"# TYPE {name}_total counter"])
        for extra, value in samples:
            lab = labels + extra
            lines.append(f"{name}_total{{{lab}}} {float(value)!r}")
        lines.extend([f"# HELP {name}_created {help_}", f"# TYPE {name}_created gauge"])
        for extra, _ in samples:
            lines.append(f"{name}_created{{{labels + extra}}} {created_s}")

    def gauge(name: str, help_: str, value: float) -> None:
        lines.extend([f"# HELP {name} {help_}", f"# TYPE {name} gauge", f"{name}{{{labels}}} {float(value)!r}"])

    gauge("vllm:num_requests_running", "Number of requests in model execution batches.", counters["running"])
    gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", 0)
    gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", cached_blocks / cache.capacity)
    counter(
        "vllm:prefix_cache_queries",
        "Prefix cache queries, in terms of number of queried tokens.",
        [("", cache.queries)],
    )
    counter("vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.", [("", cache.hits)])
    counter("vllm:prompt_tokens", "Number of prefill tokens processed.", [("", counters["prompt_tokens"])])
    counter(
        "vllm:generation_tokens", "Number of generation tokens processed.", [("", counters["generation_tokens"])]
    )
    counter(
        "vllm:request_success",
        "Count of successfully processed requests.",
        [(f',finished_reason="{r}"', finished.get(r, 0)) for r in ("stop", "length", "abort")],
    )
    return "\n".join(lines) + "\n"


def parse_prometheus(text: str) -> dict[str, float]:
    """`name{labels}` -> value, summing samples that differ only in labels (names kept with _total)."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, _, value = line.rpartition(" ")
        name = name_labels.split("{", 1)[0]
        out[name] = out.get(name, 0.0) + float(value)
    return out

