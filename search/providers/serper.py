"""Serper (Google results): `POST https://google.serper.dev/search`, `X-API-KEY: …`.

Followed: Serper's documented search call (the playground's request and its JSON). Filters map to
Google's own fields as Serper passes them: `gl` (country, two letters, lower case), `hl` (interface
language: en, zh-cn), `tbs` (qdr:d/w/m/y for the past day…year); sites as `site:` / `-site:` in `q`.
Errors are `{"message": "…", "statusCode": N}`; an exhausted balance is a 400 "Not enough credits"."""

from __future__ import annotations

from typing import Any


from core.language import detect_language
from search.config import SERPER_URL
from search.models import SearchOptions
from search.providers.base import site_query
from search.providers.http_api import ApiCall, ApiProvider

NAME = "serper"
URL = SERPER_URL
_TBS = {"day": "qdr:d", "week": "qdr:w", "month": "qdr:m", "year": "qdr:y"}
_HL = {"zh": "zh-cn", "en": "en"}


def _message(body: Any) -> str | None:
    return str(body.get("message") or "")


def _credits_spent(status: int, body: Any) -> bool:
    return status in (400, 402) and "credit" in str((body or {}).get("message", "") if isinstance(body, dict) else "").lower()


class SerperProvider(ApiProvider):
    name = NAME
    default_url = URL
    method = "POST"
    key_setting = "WEBSEARCH_SERPER_API_KEY"
    results_path = ("organic",)
    fields = {"url": ("link",), "title": "title", "snippet": "snippet", "date": "date"}
    message = staticmethod(_message)
    quota = staticmethod(_credits_spent)


    def body(self, query: str, options: SearchOptions) -> dict[str, Any]:
        language = options.language or detect_language(query)
        body: dict[str, Any] = {
            "q": site_query(query, options.domains, options.exclude_domains),
            "num": max(10, options.max_results),  # Serper bills per 10 results: 10 costs what fewer does
            "hl": _HL.get(language, language),
        }
        if options.country:
            body["gl"] = options.country.lower()
        if options.recency:
            body["tbs"] = _TBS[options.recency]
        return body

    def call(self, query: str, options: SearchOptions) -> ApiCall:
        return ApiCall(headers={"X-API-KEY": self._key, "Content-Type": "application/json"}, body=self.body(query, options))
