"""A provider's circuit and the chain around it, with a clock the test moves (no sleeping): a rate
limit opens it for the provider's Retry-After, errors in a row for a growing backoff; the chain skips
an open provider without calling it, lets one probe through when the time is up, and says who answered
and who was passed over."""

from __future__ import annotations

import asyncio

import pytest

from search.models import PassedOver, SearchOptions, SearchResult
from search.providers.base import RateLimited, SearchError, search_report
from search.providers.cached import CachedProvider
from search.providers.circuit import Circuit, CircuitOpen, CircuitPolicy, GuardedProvider, guarded
from search.providers.fallback import FallbackProvider
from search.cache import MemoryCache
from search.providers.searxng import JsonFormatOff

OPTIONS = SearchOptions()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Scripted:
    """A provider that fails with the errors queued for it, then answers; counts its calls."""

    def __init__(self, name: str, *errors: Exception, gate: asyncio.Event | None = None) -> None:
        self.name = name
        self.errors = list(errors)
        self.calls = 0
        self.gate = gate

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.errors:
            raise self.errors.pop(0)
        return [SearchResult(url=f"https://{self.name}.example/{query}", title=query, provider=self.name)]


def guard(provider: Scripted, clock: Clock, **policy) -> GuardedProvider:
    return GuardedProvider(provider, Circuit(CircuitPolicy(**policy), clock=clock))


async def test_a_429_with_retry_after_skips_the_provider_until_then_and_then_probes_once():
    clock = Clock()
    limited = Scripted("brave", RateLimited("brave", "rate limited (HTTP 429)", retry_after_s=60))
    backup = Scripted("searxng")
    chain = FallbackProvider([guard(limited, clock), guard(backup, clock)])

    first = await chain.report("q", OPTIONS)
    assert first.provider == "searxng" and first.passed_over == [PassedOver(provider="brave", reason="rate_limited")]
    assert limited.calls == 1

    clock.now += 59  # within Retry-After: brave is not called at all
    second = await chain.report("q", OPTIONS)
    assert limited.calls == 1 and backup.calls == 2
    assert second.passed_over == [PassedOver(provider="brave", reason="rate_limited", skipped=True)]

    clock.now += 2  # the time is up: one probe, which answers, and the circuit closes
    third = await chain.report("q", OPTIONS)
    assert limited.calls == 2 and third.provider == "brave" and third.passed_over == []
    assert not guarded(chain)[0].circuit.is_open


async def test_while_one_probe_is_in_flight_other_searches_still_skip():
    clock = Clock()
    gate = asyncio.Event()
    flaky = Scripted("tavily", RateLimited("tavily", "429", retry_after_s=10), gate=gate)
    gate.set()
    guarded_flaky = guard(flaky, clock)
    with pytest.raises(RateLimited):
        await guarded_flaky.search("q", OPTIONS)
    clock.now += 11
    gate.clear()
    probe = asyncio.create_task(guarded_flaky.search("q", OPTIONS))
    await asyncio.sleep(0)  # the probe is in flight, holding the circuit half open
    with pytest.raises(CircuitOpen):
        await guarded_flaky.search("q", OPTIONS)
    gate.set()
    assert await probe
    assert flaky.calls == 2 and guarded_flaky.stats.skipped == 1


async def test_errors_in_a_row_open_it_with_a_backoff_that_doubles_while_probes_fail():
    clock = Clock()
    errors = [SearchError("exa", "HTTP 500") for _ in range(5)]
    failing = Scripted("exa", *errors)
    guarded_exa = guard(failing, clock, failures_to_open=3, backoff_s=30, backoff_max_s=100)
    for _ in range(2):
        with pytest.raises(SearchError):
            await guarded_exa.search("q", OPTIONS)
    assert not guarded_exa.circuit.is_open  # two errors: still called
    with pytest.raises(SearchError):
        await guarded_exa.search("q", OPTIONS)
    assert guarded_exa.circuit.is_open and guarded_exa.circuit.wait_s() == 30
    with pytest.raises(CircuitOpen, match="failing"):
        await guarded_exa.search("q", OPTIONS)
    clock.now += 30
    with pytest.raises(SearchError, match="HTTP 500"):  # the probe fails: open again, twice as long
        await guarded_exa.search("q", OPTIONS)
    assert guarded_exa.circuit.wait_s() == 60
    clock.now += 60
    with pytest.raises(SearchError, match="HTTP 500"):
        await guarded_exa.search("q", OPTIONS)
    assert guarded_exa.circuit.wait_s() == 100  # capped
    assert failing.calls == 5 and guarded_exa.stats.failures == {"failed": 5} and guarded_exa.stats.skipped == 1


async def test_an_error_that_says_so_opens_it_at_once():
    clock = Clock()
    searxng = guard(Scripted("searxng", JsonFormatOff()), clock, failures_to_open=3, backoff_s=30)
    with pytest.raises(JsonFormatOff):
        await searxng.search("q", OPTIONS)
    assert searxng.circuit.is_open and searxng.circuit.reason == "failed"


async def test_a_success_resets_the_count_of_errors():
    clock = Clock()
    provider = Scripted("serper", SearchError("serper", "timed out"), SearchError("serper", "timed out"))
    guarded_serper = guard(provider, clock, failures_to_open=3)
    for _ in range(2):
        with pytest.raises(SearchError):
            await guarded_serper.search("q", OPTIONS)
    assert await guarded_serper.search("q", OPTIONS)
    provider.errors = [SearchError("serper", "timed out")] * 2
    for _ in range(2):
        with pytest.raises(SearchError):
            await guarded_serper.search("q", OPTIONS)
    assert not guarded_serper.circuit.is_open


async def test_every_provider_skipped_for_rate_limits_is_a_rate_limit_naming_each():
    clock = Clock()
    a = guard(Scripted("brave", RateLimited("brave", "429", retry_after_s=30)), clock)
    b = guard(Scripted("duckduckgo", RateLimited("duckduckgo", "202 ratelimit", retry_after_s=30)), clock)
    chain = FallbackProvider([a, b])
    with pytest.raises(RateLimited):
        await chain.search("q", OPTIONS)
    with pytest.raises(RateLimited) as caught:  # now neither is called
        await chain.search("q", OPTIONS)
    assert "brave: skipped for 30s more: rate limited" in caught.value.message
    assert "duckduckgo: skipped" in caught.value.message
    assert a.provider.calls == 1 and b.provider.calls == 1


async def test_a_cached_answer_names_its_provider_and_passes_nobody_over():
    clock = Clock()
    chain = FallbackProvider(
        [guard(Scripted("duckduckgo", RateLimited("duckduckgo", "202", retry_after_s=5)), clock), guard(Scripted("brave"), clock)]
    )
    cached = CachedProvider(chain, MemoryCache(), ttl_s=60)
    fresh = await search_report(cached, "q", OPTIONS)
    again = await search_report(cached, "q", OPTIONS)
    assert fresh.provider == "brave" and [p.provider for p in fresh.passed_over] == ["duckduckgo"]
    assert again.provider == "brave" and again.passed_over == [] and again.results == fresh.results
