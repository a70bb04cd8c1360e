"""Tavily: `POST https://api.tavily.com/search`, `Authorization: Bearer tvly-…`.

Plain httpx on the service's shared client rather than tavily-python 0.8.5: its AsyncTavilyClient,
given an external client, writes its `Authorization` header into that client's default headers
(the shared client fetches every web page: the key would go to every site), it posts to a path
relative to a base URL (not the full, overridable URL of the call), and its exceptions drop the
429's `Retry-After`.

Followed: Tavily's Search API reference (`/search`). Filters map to its own fields:
`include_domains` / `exclude_domains`, `time_range` (day/week/month/year), `country` (a country's
English name, lower case, for `topic: general`). Errors are `{"detail": {"error": "…"}}`: 401 a bad
key, 429 the rate limit, 432 the plan's and 433 the pay-as-you-go limit."""

from __future__ import annotations

from typing import Any


from search.config import TAVILY_URL
from search.models import SearchOptions
from search.providers.http_api import ApiCall, ApiProvider

NAME = "tavily"
URL = TAVILY_URL
MAX_RESULTS = 20  # Tavily's cap on `max_results`
# Tavily names countries in words; the markets people ask for most (others: no `country` sent).
COUNTRIES = {
    "US": "united states", "GB": "united kingdom", "CN": "china", "TW": "taiwan", "HK": "hong kong",
    "SG": "singapore", "JP": "japan", "KR": "south korea", "DE": "germany", "FR": "france",
    "CA": "canada", "AU": "australia", "IN": "india", "ES": "spain", "IT": "italy", "NL": "netherlands",
    "BR": "brazil", "MX": "mexico", "SE": "sweden", "CH": "switzerland",
}


def _message(body: Any) -> str | None:
    detail = body.get("detail")
    return detail.get("error") if isinstance(detail, dict) else str(detail or "")


class TavilyProvider(ApiProvider):
    name = NAME
    default_url = URL
    method = "POST"
    key_setting = "WEBSEARCH_TAVILY_API_KEY"
    results_path = ("results",)
    fields = {"url": ("url",), "title": "title", "snippet": "content", "date": "published_date"}
    message = staticmethod(_message)


    @staticmethod
    def quota(status: int, body: Any) -> bool:
        return status in (432, 433)  # the plan's limit, the pay-as-you-go limit

    def body(self, query: str, options: SearchOptions) -> dict[str, Any]:
        body: dict[str, Any] = {
            "query": query,
            "topic": "general",
            "search_depth": "basic",  # one credit a search ("advanced" costs two)
            "max_results": min(options.max_results, MAX_RESULTS),
            "include_answer": False,  # the model answers; Tavily's own answer would cost and be unused
            "include_raw_content": False,  # pages are fetched and extracted here
        }
        if options.domains:
            body["include_domains"] = list(options.domains)
        if options.exclude_domains:
            body["exclude_domains"] = list(options.exclude_domains)
        if options.recency:
            body["time_range"] = options.recency
        if options.country and options.country.upper() in COUNTRIES:
            body["country"] = COUNTRIES[options.country.upper()]
        return body

    def call(self, query: str, options: SearchOptions) -> ApiCall:
        headers = {"Authorization": f"Bearer {self._key}", "Content-Type": "application/json"}
        return ApiCall(headers=headers, body=self.body(query, options))
