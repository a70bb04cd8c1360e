"""Read the top search results: fetch and extract them concurrently, in result order."""

from __future__ import annotations

import asyncio
import logging

from search.extract import extract, snippet_page
from search.fetch import Fetcher
from search.models import Page, SearchResult

log = logging.getLogger(__name__)


async def _read_one(result: SearchResult, fetcher: Fetcher) -> Page:
    try:
        return await extract(await fetcher.fetch(result.url), result)
    except Exception as exc:  # one bad page (or an extractor bug) must not sink the answer
        log.warning("reading %s failed: %r", result.url, exc)
        return snippet_page(result, f"{type(exc).__name__}: {exc}")


async def read(results: list[SearchResult], fetcher: Fetcher, limit: int) -> list[Page]:
    """The first `limit` results as Pages (same order); failures come back as snippet Pages."""
    return list(await asyncio.gather(*(_read_one(r, fetcher) for r in results[: max(0, limit)])))
