"""Read the top search results: fetch and extract them concurrently, in result order.

Extracted pages are cached by URL (`ws:page:{hash}`), so a page read for one question is not fetched
again for the next one while the cache keeps it. The whole stage has a time budget: a page that is
not read by then (queued behind slow pages of the same host, or an extraction that hangs) is
represented by its search snippet, and the answer does not wait for it."""

from __future__ import annotations

import asyncio
import logging

from search.cache import Cache, cache_key
from search.extract import Extractor, extract, safe_line, snippet_page
from search.config import PAGE_TTL_S
from search.fetch import Fetcher
from search.models import Page, SearchResult
from core.workers import WorkerPool

log = logging.getLogger(__name__)

# On top of the fetch timeout and the parse deadline: handing bytes to a worker and the page back.
HANDOFF_MARGIN_S = 1.0


def page_key(url: str) -> str:
    return cache_key("page", url)


async def _cached(cache: Cache | None, result: SearchResult) -> Page | None:
    if cache is None:
        return None
    try:
        raw = await cache.get(page_key(result.url))
        if raw is None:
            return None
        page = Page.model_validate_json(raw)
    except Exception as exc:  # a broken entry or a failing cache is a miss, never a failed answer
        log.warning("page cache read for %s failed: %r", result.url, exc)
        return None
    # The page is the page; what the search engine says about it belongs to this search — and is
    # filtered like a fresh read's (a search title can carry an injection too).
    return page.model_copy(
        update={"url": result.url, "title": safe_line(result.title) or page.title, "snippet": safe_line(result.snippet)}
    )


async def _store(cache: Cache | None, page: Page, ttl_s: int) -> None:
    # Only real extractions are kept: a timeout or a 503 today may be a good page tomorrow.
    if cache is None or page.from_snippet or page.error or not page.text.strip():
        return
    try:
        await cache.set(page_key(page.url), page.model_dump_json().encode(), ttl_s)
    except Exception as exc:
        log.warning("page cache write for %s failed: %r", page.url, exc)


def _given_page(result: SearchResult) -> Page:
    """A result that brings its own text (the local index's documents) is read as it is."""
    return Page(url=result.url, title=result.title, text=result.content or "", snippet=result.snippet, date=result.date)


async def _read_one(
    result: SearchResult, fetcher: Fetcher, workers: WorkerPool, cache: Cache | None, ttl_s: int, extractor: Extractor
) -> Page:
    if result.content:
        return _given_page(result)
    try:
        if (page := await _cached(cache, result)) is not None:
            return page
        page = await extract(await fetcher.fetch(result.url), result, workers, extractor)
    except Exception as exc:  # one bad page (or an extractor bug) must not sink the answer
        log.warning("reading %s failed: %r", result.url, exc)
        return snippet_page(result, f"{type(exc).__name__}: {exc}")
    await _store(cache, page, ttl_s)
    return page


async def read(
    results: list[SearchResult],
    fetcher: Fetcher,
    limit: int,
    *,
    workers: WorkerPool,
    cache: Cache | None = None,
    cache_ttl_s: int = PAGE_TTL_S,
    budget_s: float | None = None,
    extractor: Extractor = "fast",
) -> list[Page]:
    """The first `limit` results as Pages (same order); failures come back as snippet Pages.

    Pages are parsed by `workers` (processes). `budget_s` (default: the fetcher's timeout plus the
    workers' parse deadline and a margin) bounds the whole stage. `extractor`: how HTML is read
    (search.extract.EXTRACTORS)."""
    chosen = results[: max(0, limit)]
    if not chosen:
        return []
    if cache_ttl_s <= 0:
        cache = None  # 0: pages are not cached (Redis refuses an expiry of 0 on every write)
    budget = budget_s if budget_s is not None else fetcher.timeout_s + workers.deadline_s + HANDOFF_MARGIN_S
    tasks = [asyncio.ensure_future(_read_one(r, fetcher, workers, cache, cache_ttl_s, extractor)) for r in chosen]
    try:
        await asyncio.wait(tasks, timeout=budget)
    finally:
        late = [t for t in tasks if not t.done()]
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
    pages: list[Page] = []
    for result, task in zip(chosen, tasks):
        if task.cancelled():
            log.info("reading %s: not done within the %.1fs budget", result.url, budget)
            pages.append(snippet_page(result, f"not read within the {budget:g}s budget", "not_read_in_time"))
        else:
            pages.append(task.result())
    return pages
