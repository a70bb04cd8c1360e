"""Brave Search API (web search): `GET https://api.search.brave.com/res/v1/web/search`.

Followed: Brave's Web Search API reference (v1 endpoint, `X-Subscription-Token` auth). Filters map
to its own fields: `search_lang` (en, zh-hans), `country` (two letters), `freshness` (pd/pw/pm/py),
`safesearch` (off/moderate/strict); sites as `site:` / `-site:` in `q` (Brave has no domain field
outside Goggles). A 429 carries no Retry-After: Brave says how long in `X-RateLimit-Reset` (seconds
per window, matching `X-RateLimit-Remaining`), which is read instead; a bad token is a 422
`SUBSCRIPTION_TOKEN_INVALID`."""

from __future__ import annotations

from typing import Any

import httpx

from core.language import detect_language
from search.config import BRAVE_URL, SEARCH_TIMEOUT_S
from search.models import SearchOptions, SearchResult
from search.providers.base import site_query, web_results
from search.providers.http_api import call_json, results_list

NAME = "brave"
URL = BRAVE_URL
MAX_COUNT = 20  # Brave's cap on `count`
_FRESHNESS = {"day": "pd", "week": "pw", "month": "pm", "year": "py"}
_SAFESEARCH = {"off": "off", "moderate": "moderate", "on": "strict"}
_LANG = {"zh": "zh-hans", "en": "en"}


def reset_wait(response: httpx.Response) -> float | None:
    """Seconds until the exhausted window resets: `X-RateLimit-Reset: 1, 1419704` pairs with
    `X-RateLimit-Remaining: 0, 1500` (per second, per month); the longest exhausted one wins."""
    try:
        resets = [float(v) for v in response.headers.get("x-ratelimit-reset", "").split(",") if v.strip()]
        left = [float(v) for v in response.headers.get("x-ratelimit-remaining", "").split(",") if v.strip()]
    except ValueError:
        return None
    spent = [reset for reset, remaining in zip(resets, left) if remaining <= 0]
    if spent:
        return max(spent)
    return resets[0] if resets else None


def _message(body: Any) -> str | None:
    error = body.get("error") or {}
    return f"{error.get('code', '')}: {error.get('detail', '')}".strip(": ")


def _token_invalid(status: int, body: Any) -> bool:
    code = str(((body or {}).get("error") or {}).get("code", "")) if isinstance(body, dict) else ""
    return "TOKEN" in code.upper()


class BraveProvider:
    name = NAME

    def __init__(
        self, api_key: str, client: httpx.AsyncClient, *, url: str = URL, timeout_s: float = SEARCH_TIMEOUT_S
    ) -> None:
        self._key = api_key
        self.client = client
        self.url = url
        self.timeout_s = timeout_s

    def params(self, query: str, options: SearchOptions) -> dict[str, str]:
        language = options.language or detect_language(query)
        params = {
            "q": site_query(query, options.domains, options.exclude_domains),
            "count": str(min(options.max_results, MAX_COUNT)),
            "safesearch": _SAFESEARCH[options.safesearch],
            "search_lang": _LANG.get(language, language),
            "text_decorations": "false",  # snippets without <strong> markup
        }
        if options.country:
            params["country"] = options.country.upper()
        if options.recency:
            params["freshness"] = _FRESHNESS[options.recency]
        return params

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        data = await call_json(
            self.client,
            NAME,
            "GET",
            self.url,
            key_setting="WEBSEARCH_BRAVE_API_KEY",
            headers={"X-Subscription-Token": self._key, "Accept": "application/json"},
            params=self.params(query, options),
            timeout_s=self.timeout_s,
            message=_message,
            key_refused=_token_invalid,
            wait=reset_wait,
        )
        items = results_list(data, NAME, "web", "results")
        for item in items:
            if isinstance(item, dict):
                item.setdefault("_date", item.get("page_age") or item.get("age"))
        fields = {"url": ("url",), "title": "title", "snippet": "description", "date": "_date"}
        return web_results(
            items, options.max_results, options.domains, provider=NAME, exclude=options.exclude_domains, **fields
        )
