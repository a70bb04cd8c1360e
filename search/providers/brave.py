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
from search.config import BRAVE_URL
from search.models import SearchOptions
from search.providers.base import site_query
from search.providers.http_api import ApiCall, ApiProvider

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


class BraveProvider(ApiProvider):
    name = NAME
    default_url = URL
    method = "GET"
    key_setting = "WEBSEARCH_BRAVE_API_KEY"
    results_path = ("web", "results")
    fields = {"url": ("url",), "title": "title", "snippet": "description", "date": "page_age"}
    message = staticmethod(_message)
    key_refused = staticmethod(_token_invalid)
    wait = staticmethod(reset_wait)


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

    def call(self, query: str, options: SearchOptions) -> ApiCall:
        headers = {"X-Subscription-Token": self._key, "Accept": "application/json"}
        return ApiCall(headers=headers, params=self.params(query, options))
