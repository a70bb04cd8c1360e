"""Serper (Google results): `POST https://google.serper.dev/search`, `X-API-KEY: …`.

Followed: Serper's documented search call (the playground's request and its JSON). Filters map to
Google's own fields as Serper passes them: `gl` (country, two letters, lower case), `hl` (interface
language: en, zh-cn), `tbs` (qdr:d/w/m/y for the past day…year); sites as `site:` / `-site:` in `q`.
Errors are `{"message": "…", "statusCode": N}`; an exhausted balance is a 400 "Not enough credits"."""

from __future__ import annotations

from typing import Any

import httpx

from core.language import detect_language
from search.config import SERPER_URL, SEARCH_TIMEOUT_S
from search.models import SearchOptions, SearchResult
from search.providers.base import site_query, web_results
from search.providers.http_api import call_json, results_list

NAME = "serper"
URL = SERPER_URL
_TBS = {"day": "qdr:d", "week": "qdr:w", "month": "qdr:m", "year": "qdr:y"}
_HL = {"zh": "zh-cn", "en": "en"}


def _message(body: Any) -> str | None:
    return str(body.get("message") or "")


def _credits_spent(status: int, body: Any) -> bool:
    return status in (400, 402) and "credit" in str((body or {}).get("message", "") if isinstance(body, dict) else "").lower()


class SerperProvider:
    name = NAME

    def __init__(
        self, api_key: str, client: httpx.AsyncClient, *, url: str = URL, timeout_s: float = SEARCH_TIMEOUT_S
    ) -> None:
        self._key = api_key
        self.client = client
        self.url = url
        self.timeout_s = timeout_s

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

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        data = await call_json(
            self.client,
            NAME,
            "POST",
            self.url,
            key_setting="WEBSEARCH_SERPER_API_KEY",
            headers={"X-API-KEY": self._key, "Content-Type": "application/json"},
            body=self.body(query, options),
            timeout_s=self.timeout_s,
            message=_message,
            quota=_credits_spent,
        )
        items = results_list(data, NAME, "organic")
        fields = {"url": ("link",), "title": "title", "snippet": "snippet", "date": "date"}
        return web_results(
            items, options.max_results, options.domains, provider=NAME, exclude=options.exclude_domains, **fields
        )
