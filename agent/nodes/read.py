"""Read: the first results fetched and parsed into pages (parse workers, page cache)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent import telemetry
from agent.deps import Deps
from agent.events import Stage, Status, emit
from agent.budget import pages_per_round
from agent.state import AgentState
from search.filters import keep_pages
from search.models import Page, SearchResult
from search.providers.merge import normalize_url
from search.read import read


async def read_results(deps: Deps, results: list[SearchResult], limit: int) -> list[Page]:
    """The first `limit` results fetched and parsed (parse workers, page cache); every page whose
    snippet stood in is counted by why. Also the MCP tools' reader."""
    pages = await read(
        results,
        deps.fetcher,
        limit=limit,
        workers=deps.workers,
        cache=deps.cache,
        cache_ttl_s=deps.settings.page_cache_ttl_s,
        extractor=deps.settings.extractor,
    )
    for page in pages:
        if page.fallback is not None:
            telemetry.observe_fallback(page.fallback)
    return pages


async def read_pages(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    limit = pages_per_round(deps.settings, state.depth)
    # The same new pages as ever are fetched (the first `limit` not read before); a page an earlier
    # round read, found again, is taken from memory (never fetched twice) and ranked beside them.
    # Read pages outside the caller's date window (by the page's own date) or languages go.
    seen = set(state.read_urls)
    fresh = [result for result in state.results if normalize_url(result.url) not in seen][:limit]
    emit(Status(stage=Stage.READING, pages=len(fresh), round=state.round))
    fetched = keep_pages(await read_results(deps, fresh, len(fresh)), state.filters) if fresh else []
    known = {normalize_url(page.url): page for page in [*state.read_pages, *fetched]}
    pages = list({url: page for result in state.results if (page := known.get(url := normalize_url(result.url)))}.values())
    read_urls = [*state.read_urls, *(normalize_url(result.url) for result in fresh)]
    return {"pages": pages, "read_urls": read_urls, "read_pages": [*state.read_pages, *fetched]}
