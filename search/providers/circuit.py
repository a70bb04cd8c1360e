"""A circuit per search provider: a provider that is rate limiting us, or failing, is left alone.

- closed: every search calls the provider. A rate limit (429, DuckDuckGo's ratelimit page, a spent
  quota), a refused key or SearXNG's JSON-off 403 opens it at once (`SearchError.opens_circuit`);
  other errors and timeouts open it after `failures_to_open` in a row.
- open: searches skip the provider without calling it (`CircuitOpen`, so a fallback chain moves on)
  until the time is up: the provider's `Retry-After` when it sent one, else a backoff that doubles
  with each opening in a row (`backoff_s` … `backoff_max_s`).
- then one search is let through as the probe (the others still skip); it closes the circuit if it
  answers, and opens it again (longer) if not.

State is per process (each process respects the limits it meets); `ProviderStats` counts calls,
failures and skips for /metrics. The clock is injectable (tests move time instead of sleeping).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from search.config import CIRCUIT_BACKOFF_MAX_S, CIRCUIT_BACKOFF_S, CIRCUIT_FAILURES
from search.models import PassReason, SearchOptions, SearchResult
from search.providers.base import RateLimited, SearchError, SearchProvider

log = logging.getLogger("websearch.search")

MAX_WAIT_S = 24 * 3600.0  # a Retry-After longer than a day is read as a day


def monotonic() -> float:
    """The circuits' clock (module level, so a test can move time)."""
    return time.monotonic()


@dataclass(frozen=True)
class CircuitPolicy:
    failures_to_open: int = CIRCUIT_FAILURES
    backoff_s: float = CIRCUIT_BACKOFF_S
    backoff_max_s: float = CIRCUIT_BACKOFF_MAX_S


@dataclass
class ProviderStats:
    """What /metrics shows of one provider: calls made, their failures by reason, searches skipped."""

    calls: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # rate_limited / failed -> count
    skipped: int = 0


class CircuitOpen(SearchError):
    """The provider was not called: its circuit is open (it was rate limiting, or failing)."""

    def __init__(self, provider: str, reason: PassReason, wait_s: float, cause: str):
        what = "rate limited" if reason == "rate_limited" else "failing"
        super().__init__(provider, f"skipped for {wait_s:.0f}s more: {what} ({cause})", retry_after_s=wait_s)
        self.reason = reason
        self.wait_s = wait_s


class RateLimitedOpen(CircuitOpen, RateLimited):
    """A skip because of a rate limit: a chain of these is a rate limit (429 at the surfaces), not an outage."""

    def __init__(self, provider: str, wait_s: float, cause: str):
        CircuitOpen.__init__(self, provider, "rate_limited", wait_s, cause)
        self.retryable = False


def skip_error(provider: str, reason: PassReason, wait_s: float, cause: str) -> CircuitOpen:
    if reason == "rate_limited":
        return RateLimitedOpen(provider, wait_s, cause)
    return CircuitOpen(provider, reason, wait_s, cause)


class Circuit:
    def __init__(self, policy: CircuitPolicy = CircuitPolicy(), clock: Callable[[], float] | None = None) -> None:
        self.policy = policy
        self._clock = clock  # None: the module's `monotonic`, looked up at each call (tests move it)
        self.failures = 0  # in a row
        self.openings = 0  # in a row: the backoff doubles with each
        self.open_until: float | None = None  # None: closed
        self.reason: PassReason | None = None
        self.cause = ""
        self.probing = False

    def now(self) -> float:
        return self._clock() if self._clock is not None else monotonic()

    @property
    def is_open(self) -> bool:
        return self.open_until is not None

    def wait_s(self) -> float:
        return 0.0 if self.open_until is None else max(0.0, self.open_until - self.now())

    def admit(self) -> bool:
        """Whether this search may call the provider: always when closed; when open, only once the
        time is up, and then only one search (the probe) until it has answered."""
        if self.open_until is None:
            return True
        if self.probing or self.now() < self.open_until:
            return False
        self.probing = True
        return True

    def succeeded(self) -> None:
        if self.open_until is not None:
            log.info("search provider answers again; its circuit is closed")
        self.failures = self.openings = 0
        self.open_until = None
        self.reason = None
        self.probing = False

    def failed(self, exc: SearchError) -> None:
        """A call failed: open (again) at once for a rate limit, a probe's failure, or an error that
        says so; after `failures_to_open` in a row for anything else."""
        probe = self.probing
        self.probing = False
        self.failures += 1
        if not (exc.opens_circuit or probe or self.failures >= self.policy.failures_to_open):
            return
        if exc.retry_after_s is not None:
            wait = min(exc.retry_after_s, MAX_WAIT_S)
        else:
            wait = min(self.policy.backoff_s * 2**self.openings, self.policy.backoff_max_s)
        self.openings += 1
        self.open_until = self.now() + wait
        self.reason = "rate_limited" if isinstance(exc, RateLimited) else "failed"
        self.cause = exc.message
        # A failure its provider has already told the operator about (SearXNG's JSON off) is not repeated loudly.
        level = logging.INFO if getattr(exc, "reported", False) else logging.WARNING
        log.log(level, "search provider %s skipped for %.0fs: %s", exc.provider, wait, exc.message)


class GuardedProvider:
    """A provider behind its circuit, counted. Errors pass through unchanged (the chain and the API
    name them); a skip is a `CircuitOpen`."""

    def __init__(self, provider: SearchProvider, circuit: Circuit | None = None) -> None:
        self.provider = provider
        self.name = provider.name
        self.circuit = circuit or Circuit()
        self.stats = ProviderStats()

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        circuit = self.circuit
        if not circuit.admit():
            self.stats.skipped += 1
            raise skip_error(self.name, circuit.reason or "failed", circuit.wait_s(), circuit.cause)
        self.stats.calls += 1
        try:
            results = await self.provider.search(query, options)
        except SearchError as exc:
            self._count(exc)
            circuit.failed(exc)
            raise
        except Exception as exc:  # a provider that let a foreign error out: still its failure
            error = SearchError(self.name, f"unexpected error: {type(exc).__name__}: {exc}")
            self._count(error)
            circuit.failed(error)
            raise error from exc
        except BaseException:  # cancelled mid-call: neither an answer nor a failure; a probe may go again
            circuit.probing = False
            raise
        circuit.succeeded()
        return results

    def __getattr__(self, name: str) -> object:  # the provider's own settings (retry, client, categories…)
        if name == "provider":
            raise AttributeError(name)
        return getattr(self.provider, name)

    def _count(self, exc: SearchError) -> None:
        reason = "rate_limited" if isinstance(exc, RateLimited) else "failed"
        self.stats.failures[reason] = self.stats.failures.get(reason, 0) + 1


def guarded(provider: object) -> list[GuardedProvider]:
    """The guarded providers inside a built provider (cache and chain unwrapped), in chain order."""
    if isinstance(provider, GuardedProvider):
        return [provider]
    inner = getattr(provider, "provider", None)
    if inner is not None:
        return guarded(inner)
    found: list[GuardedProvider] = []
    for each in getattr(provider, "providers", []) or []:
        found.extend(guarded(each))
    return found
