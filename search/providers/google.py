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
from search.models import SearchOptions
from search.providers.base import bare_domain, site_query
from search.providers.http_api import ApiCall, ApiProvider

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


class GoogleProvider(ApiProvider):
    name = NAME
    default_url = URL
    method = "GET"
    key_setting = "WEBSEARCH_GOOGLE_API_KEY (and WEBSEARCH_GOOGLE_CX)"
    results_path = ("items",)  # absent when nothing was found
    fields = {"url": ("link",), "title": "title", "snippet": "snippet", "date": "_date"}
    message = staticmethod(_message)
    key_refused = staticmethod(_key_invalid)

    def __init__(
        self, api_key: str, cx: str, client: httpx.AsyncClient, *, url: str | None = None, timeout_s: float = SEARCH_TIMEOUT_S
    ) -> None:
        super().__init__(api_key, client, url=url, timeout_s=timeout_s)
        self.cx = cx

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

    def call(self, query: str, options: SearchOptions) -> ApiCall:
        return ApiCall(headers={"Accept": "application/json"}, params={"key": self._key, **self.params(query, options)})

    def hits(self, data: Any) -> list[Any]:
        items = super().hits(data)
        for item in items:  # the page's own date, when its metadata has one
            if isinstance(item, dict):
                tags = ((item.get("pagemap") or {}).get("metatags") or [{}])[0]
                item.setdefault("_date", tags.get("article:published_time") if isinstance(tags, dict) else None)
        return items
