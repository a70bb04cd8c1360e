"""The interface every search provider implements, and its errors."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from search.models import SearchOptions, SearchResult


class SearchError(Exception):
    """A provider could not answer. The API answers 503 naming the provider."""

    def __init__(self, provider: str, message: str):
        self.provider = provider
        self.message = message
        super().__init__(f"{provider}: {message}")


class RateLimited(SearchError):
    pass


@runtime_checkable
class SearchProvider(Protocol):
    name: str

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]: ...
