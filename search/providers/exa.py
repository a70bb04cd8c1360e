"""Exa: `POST https://api.exa.ai/search`, `x-api-key: …`.

Plain httpx on the shared client rather than exa-py 2.28.0: AsyncExa makes its own httpx client,
turns every HTTP error into `ValueError("Request failed with status code …")` (the 429's
`Retry-After` and the error's tag are lost), and brings openai, requests and python-dotenv along.

Followed: Exa's Search API reference (`/search`) and its error-codes page. Filters map to its own
fields: `includeDomains` / `excludeDomains`, `startPublishedDate` (ISO 8601, from the recency),
`userLocation` (two letters); the snippet is the start of the page's text (`contents.text` with
`maxCharacters`). Errors are `{"requestId", "error", "tag"}`: 401 a bad key, 402 credits or the key's
budget spent (NO_MORE_CREDITS, API_KEY_BUDGET_EXCEEDED), 429 the rate limit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from search.config import EXA_URL, SEARCH_TIMEOUT_S
from search.models import SearchOptions
from search.providers.http_api import ApiCall, ApiProvider

NAME = "exa"
URL = EXA_URL
MAX_RESULTS = 25  # above 25 results Exa bills a search at a higher rate
SNIPPET_CHARS = 400
_PERIOD = {"day": timedelta(days=1), "week": timedelta(weeks=1), "month": timedelta(days=31), "year": timedelta(days=366)}


def _message(body: Any) -> str | None:
    return f"{body.get('tag', '')}: {body.get('error', '')}".strip(": ")


class ExaProvider(ApiProvider):
    name = NAME
    default_url = URL
    method = "POST"
    key_setting = "WEBSEARCH_EXA_API_KEY"
    results_path = ("results",)
    fields = {"url": ("url",), "title": "title", "snippet": "text", "date": "publishedDate"}
    message = staticmethod(_message)

    def __init__(
        self,
        api_key: str,
        client: httpx.AsyncClient,
        *,
        url: str | None = None,
        timeout_s: float = SEARCH_TIMEOUT_S,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        super().__init__(api_key, client, url=url, timeout_s=timeout_s)
        self._now = now

    @staticmethod
    def quota(status: int, body: Any) -> bool:
        return status == 402  # NO_MORE_CREDITS, API_KEY_BUDGET_EXCEEDED

    def body(self, query: str, options: SearchOptions) -> dict[str, Any]:
        body: dict[str, Any] = {
            "query": query,
            "type": "auto",
            "numResults": min(options.max_results, MAX_RESULTS),
            "contents": {"text": {"maxCharacters": SNIPPET_CHARS}},
        }
        if options.domains:
            body["includeDomains"] = list(options.domains)
        if options.exclude_domains:
            body["excludeDomains"] = list(options.exclude_domains)
        if options.recency:
            since = self._now() - _PERIOD[options.recency]
            body["startPublishedDate"] = since.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if options.country:
            body["userLocation"] = options.country.upper()
        return body

    def call(self, query: str, options: SearchOptions) -> ApiCall:
        return ApiCall(headers={"x-api-key": self._key, "Content-Type": "application/json"}, body=self.body(query, options))
