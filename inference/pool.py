"""Several vLLM servers behind one `LLM`: `WEBSEARCH_LLM_BASE_URL=http://gpu1:8000/v1,http://gpu2:8000/v1`.

A request of a conversation (a `RouteKey`) goes where the conversation's prefix is cached: its
endpoint on a consistent-hash ring, unless that one is down or would carry more than `load_factor` ×
the mean outstanding requests (and `min_load` at least), and then the next on the ring
(`inference/routing.py`). `affinity=False` turns that off: least outstanding for every request. A request of
no conversation goes to the endpoint with the fewest requests outstanding from this process (ties
take turns). An endpoint that cannot be reached, answers 502/503/504, times out or no longer serves the
model is marked down for `cooldown_s` and the request is retried on the next endpoint — for a stream,
only while nothing has been streamed yet. Once the cool-down is over, a health check (GET /v1/models)
runs in the background and brings the endpoint back when it answers; until then it is tried only when
every healthy endpoint has failed the request too.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from inference.base import (
    LLM,
    Completion,
    GenerationParams,
    LLMError,
    LLMTimeout,
    LLMUnavailable,
    EndpointStats,
    Message,
    ModelNotFound,
    RouteKey,
    StreamResult,
    TextStream,
    Usage,
)
from inference.config import (
    CONNECT_TIMEOUT_S,
    POOL_AFFINITY,
    POOL_COOLDOWN_S,
    ROUTE_LOAD_FACTOR,
    ROUTE_MIN_LOAD,
    LLMConfig,
)
from inference.openai_server import OpenAIServerLLM
from inference.routing import AffinityRing, load_bound

from core.redact import redact

log = logging.getLogger("websearch.llm.pool")
T = TypeVar("T")

# What OpenAIServerLLM says for a server-side status that means "this server, not this request".
_SERVER_DOWN_STATUS = re.compile(r"^HTTP (502|503|504)\b")


def split_urls(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def build_openai(config: LLMConfig) -> LLM:
    """The `openai` backend: one server as before, or a pool when the base URL is a comma list."""
    urls = split_urls(config.base_url)
    if len(urls) <= 1:
        # The one URL without the spaces and commas around it; none at all (","): from_config names the setting.
        return OpenAIServerLLM.from_config(config.model_copy(update={"base_url": urls[0] if urls else None}))
    return PooledLLM(
        [OpenAIServerLLM.from_config(config.model_copy(update={"base_url": url})) for url in urls],
        cooldown_s=config.pool_cooldown_s,
        check_timeout_s=config.connect_timeout_s,
        load_factor=config.route_load_factor,
        affinity=config.pool_affinity,
        min_load=config.route_min_load,
    )


def endpoint_failure(exc: BaseException) -> bool:
    """Whether the error says the server is unusable (so another one may do), not the request."""
    if isinstance(exc, (LLMUnavailable, LLMTimeout, ModelNotFound)):
        return True
    return type(exc) is LLMError and bool(_SERVER_DOWN_STATUS.match(exc.message))


@dataclass(eq=False)
class Endpoint:
    llm: LLM  # an OpenAIServerLLM
    outstanding: int = 0  # requests from this process in flight there
    requests: int = 0
    failures: int = 0
    error: str | None = None  # why it is down; None = healthy
    exc: BaseException | None = None  # the error that put it down
    down_until: float = 0.0  # no health check before this (monotonic clock)
    checking: bool = False

    @property
    def url(self) -> str:
        """The endpoint as shown (`/readyz`, `/metrics` labels, the pool's name): no credentials."""
        return redact(self.llm.base_url or self.llm.name)

    @property
    def healthy(self) -> bool:
        return self.error is None


class PooledLLM:
    def __init__(
        self,
        llms: list[LLM],
        *,
        cooldown_s: float = POOL_COOLDOWN_S,
        check_timeout_s: float = CONNECT_TIMEOUT_S,
        load_factor: float = ROUTE_LOAD_FACTOR,
        affinity: bool = POOL_AFFINITY,
        min_load: int = ROUTE_MIN_LOAD,
    ):
        if not llms:
            raise ValueError("a pool needs at least one endpoint")
        if load_factor < 1:
            raise ValueError("load_factor must be at least 1 (1 = perfectly even, no affinity under load)")
        self._endpoints = [Endpoint(llm) for llm in llms]
        self.ring = AffinityRing(self._endpoints, [e.url for e in self._endpoints])
        self.load_factor = load_factor
        self.min_load = min_load  # below this many in flight, a conversation's endpoint is never passed over
        self.affinity = affinity  # False: every request least-outstanding (keys still go to the servers)
        self.spilled = 0  # conversation requests sent past their endpoint because it was too busy
        self.name = f"vLLM pool ({', '.join(e.url for e in self._endpoints)})"
        self.cooldown_s = cooldown_s
        self.check_timeout_s = check_timeout_s
        self._turn = 0
        self._checks: set[asyncio.Task] = set()
        self.base_url: str | None = None  # not one server: `endpoints` has theirs
        self.shared_cpu = False

    # Every endpoint serves the same model: the first one speaks for all.
    @property
    def model_name(self) -> str:
        return self._endpoints[0].llm.model_name

    @property
    def supports_tools(self) -> bool | None:
        return self._endpoints[0].llm.supports_tools

    @property
    def usage_total(self) -> Usage:
        """Every token this process asked any endpoint for."""
        total = Usage()
        for endpoint in self._endpoints:
            total.add(endpoint.llm.usage_total)
        return total

    @property
    def endpoints(self) -> list[EndpointStats]:
        return [
            EndpointStats(
                url=e.url,
                base_url=e.llm.base_url or e.url,
                healthy=e.healthy,
                outstanding=e.outstanding,
                requests=e.requests,
                failures=e.failures,
            )
            for e in self._endpoints
        ]

    def down(self) -> dict[str, str]:
        """The endpoints marked down, with why."""
        return {e.url: e.error for e in self._endpoints if e.error is not None}

    # --- the LLM protocol ----------------------------------------------------------------------

    async def chat(
        self, messages: list[Message], params: GenerationParams, route: RouteKey | None = None
    ) -> Completion:
        return await self._call(lambda llm: llm.chat(messages, params, route), route)

    async def chat_batch(
        self, conversations: list[list[Message]], params: GenerationParams, route: RouteKey | None = None
    ) -> list[Completion]:
        return await self._call(lambda llm: llm.chat_batch(conversations, params, route), route)

    def chat_stream(
        self,
        messages: list[Message],
        params: GenerationParams,
        route: RouteKey | None = None,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> TextStream:
        # `tools` go through untouched: every endpoint serves the same model.
        options = {"tools": tools} if tools else {}
        return TextStream(
            lambda result: self._stream(lambda llm: llm.chat_stream(messages, params, route, **options), result, route)
        )

    async def health(self) -> None:
        """Check every endpoint now; ready while at least one answers (`down()` names the others)."""
        await asyncio.gather(*(self._check(e) for e in self._endpoints))
        if not any(e.healthy for e in self._endpoints):
            raise self._all_failed([(e, e.exc) for e in self._endpoints if e.exc is not None])

    async def aclose(self) -> None:
        for task in list(self._checks):
            task.cancel()
        await asyncio.gather(*self._checks, return_exceptions=True)
        await asyncio.gather(*(e.llm.aclose() for e in self._endpoints), return_exceptions=True)

    # --- routing -------------------------------------------------------------------------------

    def _order(self, route: RouteKey | None = None) -> list[Endpoint]:
        """Healthy endpoints in the order to try them; then the down ones.

        With a conversation: its ring order, starting from the first endpoint within the load
        bound. Without: fewest outstanding first (ties take turns).
        """
        now = time.monotonic()
        for endpoint in self._endpoints:
            if not endpoint.healthy and not endpoint.checking and now >= endpoint.down_until:
                self._check_in_background(endpoint)
        down = sorted((e for e in self._endpoints if not e.healthy), key=lambda e: e.down_until)
        if route is not None and self.affinity:
            walk = [e for e in self.ring.walk(route) if e.healthy]
            if walk:
                bound = load_bound(sum(e.outstanding for e in walk), len(walk), self.load_factor, self.min_load)
                first = next((e for e in walk if e.outstanding + 1 <= bound), walk[0])
                if first is not walk[0]:
                    self.spilled += 1
                return [first] + [e for e in walk if e is not first] + down
        count = len(self._endpoints)
        start, self._turn = self._turn, (self._turn + 1) % count
        ranked = sorted(range(count), key=lambda i: (self._endpoints[i].outstanding, (i - start) % count))
        healthy = [self._endpoints[i] for i in ranked if self._endpoints[i].healthy]
        return healthy + down  # a down endpoint is a last resort: it may be back before its check says so

    async def _call(self, call: Callable[[LLM], Awaitable[T]], route: RouteKey | None) -> T:
        failed: list[tuple[Endpoint, LLMError]] = []
        for endpoint in self._order(route):
            endpoint.outstanding += 1
            endpoint.requests += 1
            try:
                result = await call(endpoint.llm)
            except LLMError as exc:
                if not endpoint_failure(exc):
                    raise
                self._mark_down(endpoint, exc)
                failed.append((endpoint, exc))
                continue
            finally:
                endpoint.outstanding -= 1
            self._mark_up(endpoint)
            return result
        raise self._all_failed(failed)

    async def _stream(
        self, open_stream: Callable[[LLM], TextStream], result: StreamResult, route: RouteKey | None
    ) -> AsyncIterator[str]:
        failed: list[tuple[Endpoint, LLMError]] = []
        for endpoint in self._order(route):
            endpoint.outstanding += 1
            endpoint.requests += 1
            stream = open_stream(endpoint.llm)
            try:
                try:
                    first: str | None = await stream.__anext__()
                except StopAsyncIteration:
                    first = None
                except LLMError as exc:  # nothing streamed yet: another endpoint may answer instead
                    if not endpoint_failure(exc):
                        raise
                    self._mark_down(endpoint, exc)
                    failed.append((endpoint, exc))
                    continue
                self._mark_up(endpoint)
                if first is not None:
                    yield first
                    try:
                        async for chunk in stream:
                            yield chunk
                    except LLMError as exc:  # too late to retry: the reader has text already
                        if endpoint_failure(exc):
                            self._mark_down(endpoint, exc)
                        raise
                result.usage, result.finish_reason = stream.usage, stream.finish_reason
                result.tool_calls = stream.tool_calls
                return
            finally:
                endpoint.outstanding -= 1
                await stream.aclose()
        raise self._all_failed(failed)

    # --- health --------------------------------------------------------------------------------

    def _mark_down(self, endpoint: Endpoint, exc: BaseException) -> None:
        endpoint.failures += 1
        message = exc.message if isinstance(exc, LLMError) else (str(exc) or type(exc).__name__)
        if endpoint.healthy:
            log.warning("LLM endpoint %s is down for %gs: %s", endpoint.url, self.cooldown_s, message)
        endpoint.error = message
        endpoint.exc = exc
        endpoint.down_until = time.monotonic() + self.cooldown_s

    def _mark_up(self, endpoint: Endpoint) -> None:
        if not endpoint.healthy:
            log.warning("LLM endpoint %s is back", endpoint.url)
        endpoint.error = None
        endpoint.down_until = 0.0

    async def _check(self, endpoint: Endpoint) -> None:
        endpoint.checking = True
        try:
            await asyncio.wait_for(endpoint.llm.health(), self.check_timeout_s)
        except (LLMError, TimeoutError) as exc:
            if isinstance(exc, TimeoutError):
                exc = LLMTimeout(endpoint.llm.name, f"health check took over {self.check_timeout_s:g}s")
            self._mark_down(endpoint, exc)
        else:
            self._mark_up(endpoint)
        finally:
            endpoint.checking = False

    def _check_in_background(self, endpoint: Endpoint) -> None:
        endpoint.checking = True  # at once: one check at a time per endpoint
        task = asyncio.get_running_loop().create_task(self._check(endpoint))
        self._checks.add(task)
        task.add_done_callback(self._checks.discard)

    def _all_failed(self, failed: list[tuple[Endpoint, BaseException]]) -> LLMError:
        """One error naming every endpoint and why; of their common kind when they agree."""
        if not failed:
            return LLMUnavailable(self.name, "no endpoint to send the request to")
        kinds = {type(exc) for _, exc in failed}
        kind = kinds.pop() if len(kinds) == 1 else LLMUnavailable
        if not issubclass(kind, LLMError) or kind is LLMError:
            kind = LLMUnavailable  # e.g. every server answered 503: the model backend is unavailable
        reasons = "; ".join(f"{endpoint.url}: {getattr(exc, 'message', exc)}" for endpoint, exc in failed)
        return kind(self.name, f"no endpoint could serve the request ({reasons})")
