"""Google Programmable Search Engine (Custom Search JSON API):
`GET https://www.googleapis.com/customsearch/v1?key=…&cx=…&q=…`.

Followed: the Custom Search JSON API reference (`cse.list`, v1). The key goes in the query string,
as the API wants (it is redacted wherever a URL is written down). Filters map to its own fields:
`lr` (lang_en, lang_zh-CN), `gl` (country), `dateRestrict` (d1/w1/m1/y1), `safe` (active/off), one
wanted or one excluded site as `siteSearch` + `siteSearchFilter` (i/e), more as `site:` operators.
`num` is at most 10. Errors are Google's `{"error": {"code", "message", "errors": [{"reason"}],
"status"}}`: an invalid key is a 400 API_KEY_INVALID, a spent daily quota a 429 RESOURCE_EXHAUSTED."""

from __future__ import annotations

from typing import Any

import httpx

from core.language import detect_language
from search.config import GOOGLE_URL, SEARCH_TIMEOUT_S
from search.models import SearchOptions, SearchResult
from search.providers.base import bare_domain, site_query, web_results
from search.providers.http_api import call_json, results_list

NAME = "google"
URL = GOOGLE_URL
MAX_NUM = 10
_DATE = {"day": "d1", "week": "w1", "month": "m1", "year": "y1"}
_LR = {"zh": "lang_zh-CN", "en": "lang_en"}


def _message(body: Any) -> str | None:
    error = body.get("error") or {}
    return f"{error.get('status', '')}: {error.get('message', '')}".strip(": ")


def _key_invalid(status: int, body: Any) -> bool:
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return False
    text = str(body["error"])
    return status == 400 and ("API_KEY_INVALID" in text or "API key not valid" in text)


class GoogleProvider:
    name = NAME

    def __init__(
        self,
        api_key: str,
        cx: str,
        client: httpx.AsyncClient,
        *,
        url: str = URL,
        timeout_s: float = SEARCH_TIMEOUT_S,
    ) -> None:
        self._key = api_key
        self.cx = cx
        self.client = client
        self.url = url
        self.timeout_s = timeout_s

    def params(self, query: str, options: SearchOptions) -> dict[str, str]:
        language = options.language or detect_language(query)
        wanted = [bare_domain(d) for d in options.domains if d.strip()]
        unwanted = [bare_domain(d) for d in options.exclude_domains if d.strip()]
        params = {"cx": self.cx, "num": str(min(options.max_results, MAX_NUM))}
        if len(wanted) == 1:  # the API's own site field takes one site
            params.update(siteSearch=wanted.pop(), siteSearchFilter="i")
        elif not wanted and len(unwanted) == 1:
            params.update(siteSearch=unwanted.pop(), siteSearchFilter="e")
        params["q"] = site_query(query, wanted, unwanted)
        if language in _LR:
            params["lr"] = _LR[language]
        if options.country:
            params["gl"] = options.country.lower()
        if options.recency:
            params["dateRestrict"] = _DATE[options.recency]
        params["safe"] = "off" if options.safesearch == "off" else "active"
        return params

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        data = await call_json(
            self.client,
            NAME,
            "GET",
            self.url,
            key_setting="WEBSEARCH_GOOGLE_API_KEY (and WEBSEARCH_GOOGLE_CX)",
            headers={"Accept": "application/json"},
            params={"key": self._key, **self.params(query, options)},
            timeout_s=self.timeout_s,
            message=_message,
            key_refused=_key_invalid,
        )
        items = results_list(data, NAME, "items")
        for item in items:
            if isinstance(item, dict):
                tags = ((item.get("pagemap") or {}).get("metatags") or [{}])[0]
                item.setdefault("_date", tags.get("article:published_time") if isinstance(tags, dict) else None)
        fields = {"url": ("link",), "title": "title", "snippet": "snippet", "date": "_date"}
        return web_results(
            items, options.max_results, options.domains, provider=NAME, exclude=options.exclude_domains, **fields
        )
