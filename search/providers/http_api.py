"""What the search APIs with keys (Brave, Tavily, Serper, Exa, Google) share: one JSON call on the
service's shared httpx client, and its failures named the same way for all of them.

- 429: `RateLimited`, for the `Retry-After` the API sent (or what `wait` reads from its own headers,
  Brave's `X-RateLimit-Reset`); the provider's circuit opens for that long.
- a spent quota or plan (Tavily's 432/433, Exa's 402…): `RateLimited` too, for `QUOTA_WAIT_S` unless
  the API said how long: it will not come back within the query.
- a refused key (401/403, or what `key_refused` recognises): `KeyRefused`, naming the setting to fix.
- anything else over 399, a timeout, an unreachable host, a body that is not JSON: `SearchError`.

Keys travel in headers (Google's in the query string, as its API wants); every message here is
redacted (core/redact.py) and never quotes a request, so a key is never in an error, a log or a 503.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from core.redact import redact
from search.config import SEARCH_TIMEOUT_S
from search.models import SearchOptions, SearchResult
from search.providers.base import RateLimited, SearchError, web_results

QUOTA_WAIT_S = 3600.0  # a spent quota or plan: asked again after an hour (or the API's own Retry-After)
_DETAIL_CHARS = 200


class KeyRefused(SearchError):
    """The API refused the key (missing, wrong, revoked, or not allowed this API): a setting to fix."""

    opens_circuit = True


def retry_after(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    """`Retry-After` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent or unreadable."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def where(url: str) -> str:
    """The host a call went to, for messages (never the query string: Google's key is there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _detail(response: httpx.Response, message: Callable[[Any], str | None]) -> str:
    try:
        body = response.json()
    except ValueError:
        text = response.text
    else:
        try:
            text = message(body) or ""
        except (AttributeError, KeyError, TypeError, IndexError):
            text = ""
        text = text or str(body)
    return redact(" ".join(text.split()))[:_DETAIL_CHARS]


async def call_json(
    client: httpx.AsyncClient,
    provider: str,
    method: str,
    url: str,
    *,
    key_setting: str,
    headers: Mapping[str, str],
    params: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    timeout_s: float,
    message: Callable[[Any], str | None] = lambda body: None,
    key_refused: Callable[[int, Any], bool] = lambda status, body: False,
    quota: Callable[[int, Any], bool] = lambda status, body: False,
    wait: Callable[[httpx.Response], float | None] | None = None,
) -> Any:
    """One call; the decoded JSON of a 2xx answer, or the failure as one of this package's errors.

    `message` picks the human text out of the API's error body; `key_refused` recognises a key
    problem sent with another status (Brave's 422), `quota` a spent quota or plan (Tavily's 432 and
    433, Exa's 402, Serper's "Not enough credits"); `wait` reads how long a 429 asks for when the
    API says it in its own headers."""
    try:
        response = await client.request(
            method,
            url,
            headers=dict(headers),
            params=dict(params) if params else None,
            json=dict(body) if body is not None else None,
            timeout=timeout_s,
        )
    except httpx.TimeoutException as exc:
        raise SearchError(provider, f"timed out after {timeout_s:g}s") from exc
    except httpx.HTTPError as exc:
        raise SearchError(provider, f"cannot reach {where(url)}: {type(exc).__name__}: {redact(str(exc))}") from exc
    status = response.status_code
    if status >= 400:
        detail = _detail(response, message)
        said = retry_after(response.headers)
        if said is None and wait is not None:
            said = wait(response)
        try:
            decoded = response.json()
        except ValueError:
            decoded = None
        if status == 429:
            raise RateLimited(provider, f"rate limited (HTTP 429: {detail})", retry_after_s=said)
        if quota(status, decoded):
            raise RateLimited(
                provider, f"quota or plan limit reached (HTTP {status}: {detail})", retry_after_s=said or QUOTA_WAIT_S
            )
        if status in (401, 403) or key_refused(status, decoded):
            raise KeyRefused(provider, f"the API key was refused (HTTP {status}: {detail}); check {key_setting}")
        raise SearchError(provider, f"HTTP {status}: {detail}")
    try:
        return response.json()
    except ValueError as exc:
        raise SearchError(provider, f"bad JSON answer from {where(url)}: {exc}") from exc


def results_list(data: Any, provider: str, *path: str) -> list[Any]:
    """`data[path[0]][path[1]]…` when it is a list; [] when a level is absent (no results: Google
    leaves `items` out); a SearchError when the answer is not the API's shape at all."""
    node: Any = data
    for key in path:
        if not isinstance(node, dict):
            raise SearchError(provider, f"unexpected answer: no object holding {key!r}")
        node = node.get(key)
        if node is None:
            return []
    if not isinstance(node, list):
        raise SearchError(provider, f"unexpected answer: {'.'.join(path)} is not a list")
    return node


@dataclass
class ApiCall:
    """One search as an API wants it: the auth header(s), and the query string or the JSON body."""

    headers: dict[str, str]
    params: dict[str, str] | None = None
    body: dict[str, Any] | None = None


class ApiProvider:
    """What the search APIs with keys share: a key, the shared client, the full URL of the call, a
    timeout; `call` (each API's own fields) and how each reads its answer and its errors."""

    name: str
    method: str  # GET or POST
    key_setting: str  # the setting a refused key names
    results_path: tuple[str, ...]  # where the hits are in the answer
    fields: dict[str, Any]  # hit field names: url (a tuple), title, snippet, date
    default_url: str  # the API's own URL of the call

    def __init__(
        self, api_key: str, client: httpx.AsyncClient, *, url: str | None = None, timeout_s: float = SEARCH_TIMEOUT_S
    ) -> None:
        self._key = api_key
        self.client = client
        self.url = url or self.default_url
        self.timeout_s = timeout_s

    def call(self, query: str, options: SearchOptions) -> ApiCall:
        raise NotImplementedError

    @staticmethod
    def message(body: Any) -> str | None:
        return None

    @staticmethod
    def key_refused(status: int, body: Any) -> bool:
        return False

    @staticmethod
    def quota(status: int, body: Any) -> bool:
        return False

    wait: Callable[[httpx.Response], float | None] | None = None

    def hits(self, data: Any) -> list[Any]:
        return results_list(data, self.name, *self.results_path)

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        call = self.call(query, options)
        data = await call_json(
            self.client,
            self.name,
            self.method,
            self.url,
            key_setting=self.key_setting,
            headers=call.headers,
            params=call.params,
            body=call.body,
            timeout_s=self.timeout_s,
            message=self.message,
            key_refused=self.key_refused,
            quota=self.quota,
            wait=type(self).wait,
        )
        return web_results(
            self.hits(data),
            options.max_results,
            options.domains,
            provider=self.name,
            exclude=options.exclude_domains,
            **self.fields,
        )
