"""Search results kept in the store (Redis or memory) for `search_cache_ttl_s`: the same query with
the same options within the TTL makes no request to any provider."""

from __future__ import annotations

import json
import logging

from pydantic import ValidationError

from search.cache import Cache, cache_key
from search.models import SearchOptions, SearchReport, SearchResult
from search.providers.base import SearchProvider, search_report

log = logging.getLogger("websearch.search")


class CachedProvider:
    def __init__(self, provider: SearchProvider, cache: Cache, ttl_s: int) -> None:
        self.provider = provider
        self.cache = cache
        self.ttl_s = ttl_s
        self.name = provider.name  # errors and logs name the provider(s) behind the cache

    def key(self, query: str, options: SearchOptions) -> str:
        return cache_key("search", self.provider.name, query, options.model_dump_json())

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        return (await self.report(query, options)).results

    async def report(self, query: str, options: SearchOptions) -> SearchReport:
        """A cached answer names the provider that gave it (each result carries it); nothing was passed over now."""
        key = self.key(query, options)
        cached = await self.cache.get(key)
        if cached is not None:
            try:
                results = [SearchResult.model_validate(item) for item in json.loads(cached)]
            except (ValueError, TypeError, ValidationError) as exc:  # an old or foreign entry: a miss
                log.warning("ignoring unreadable cached search results: %s", exc)
            else:
                return SearchReport(results=results, provider=results[0].provider if results else self.name)
        report = await search_report(self.provider, query, options)
        results = report.results
        if results:  # an empty answer may be a hiccup: ask again next time
            payload = json.dumps([r.model_dump(exclude_none=True) for r in results], ensure_ascii=False)
            await self.cache.set(key, payload.encode("utf-8"), self.ttl_s)
        return report
