"""Perplexity's Search API: `POST /search` (and `/v1/search`) — ranked web results, no answer.

`query` is a string or a list of up to 5, searched together; the results are one list (as the
official SDK reads them: `results: List[Result]`), each query's in turn, a page found twice once. Each result's `snippet` is the evidence, not the engine's blurb: the
page is fetched and read by the service's own reader, its passages ranked for the query by the
answer's ranker, and the best of them kept within `max_tokens_per_page` (and `max_tokens` across
all results). A page that could not be read offers the engine's snippet instead. The domain,
recency, date and language filters are Sonar's (`api/perplexity/filters.py`); `search_context_size`
sets the per-page budget when `max_tokens_per_page` is not given. Fields not used here (`country`,
`search_mode`, `search_type`, …) are accepted and ignored.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from pydantic import Field, field_validator

from agent.deps import Deps
from agent.nodes.read import read_results
from api import limits
from api.perplexity.filters import provider_recency, result_filter
from api.perplexity.schemas import MAX_QUERIES, ContextSize, PerplexityFilters, PerplexityRoute
from core.language import detect_language
from core.tokens import count_tokens, truncate_tokens
from search.excerpts import best_passages
from search.filters import ResultFilter, keep_pages, keep_results
from search.models import SearchOptions
from search.providers.base import keep_domains
from search.rank import rank_passages

router = APIRouter(tags=["perplexity"], route_class=PerplexityRoute)
PAGE_TOKENS = {"low": 256, "medium": 512, "high": 1024}  # search_context_size, per result


class SearchRequest(PerplexityFilters):
    query: str | list[str]
    max_results: int = Field(default=10, ge=1, le=20)
    max_tokens_per_page: int = Field(default=1024, ge=1, le=8192)
    max_tokens: int = Field(default=25_000, ge=1, le=1_000_000)  # all results' snippets together
    display_server_time: bool = False
    search_context_size: ContextSize | None = None  # without max_tokens_per_page: its size (default high)

    @field_validator("query")
    @classmethod
    def _queries(cls, value: str | list[str]) -> str | list[str]:
        queries = [value] if isinstance(value, str) else value
        if not queries or len(queries) > MAX_QUERIES:
            raise ValueError(f"give one query or a list of 1 to {MAX_QUERIES}")
        if any(not q.strip() for q in queries):
            raise ValueError("a query must contain some text")
        return value.strip() if isinstance(value, str) else [q.strip() for q in value]

    @property
    def page_budget(self) -> int:
        if "max_tokens_per_page" in self.model_fields_set or self.search_context_size is None:
            return self.max_tokens_per_page
        return PAGE_TOKENS[self.search_context_size]

    @property
    def queries(self) -> list[str]:
        return [self.query] if isinstance(self.query, str) else self.query


async def search_one(deps: Deps, body: SearchRequest, query: str, rule: ResultFilter) -> list[dict]:
    """One query's results, each page read and its best passages for the query kept."""
    settings = deps.settings
    options = SearchOptions(
        max_results=body.max_results,
        language=rule.languages[0] if rule.languages else detect_language(query),
        domains=body.allowed_domains,
        exclude_domains=body.excluded_domains,
        country=settings.search_country,
        recency=provider_recency(body),
        safesearch=settings.search_safesearch,
    )
    found = await deps.provider.search(query, options)
    results = keep_results(keep_domains(found, body.allowed_domains, body.excluded_domains), rule)[: body.max_results]
    pages = keep_pages(await read_results(deps, results, len(results)), rule)
    # Ranking is CPU work (tens of ms on long pages): off the event loop, so other requests flow.
    ranked = await asyncio.to_thread(rank_passages, pages, query)
    return [
        {
            "title": page.title,
            "url": page.url,
            "snippet": "\n\n".join(best_passages(page, ranked, body.page_budget)) or page.snippet,
            "date": page.date,
            "last_updated": page.date,  # one date per page here (its own, else the provider's)
        }
        for page in pages
    ]


def merged(groups: list[list[dict]], budget: int) -> list[dict]:
    """Each query's results in turn, a URL once; snippets cut to `max_tokens` over all of them, in
    order (the first results keep theirs whole)."""
    results, seen, left = [], set(), budget
    for result in (r for group in groups for r in group):
        if result["url"] in seen:
            continue
        seen.add(result["url"])
        tokens = count_tokens(result["snippet"])
        if tokens > left:
            result["snippet"] = truncate_tokens(result["snippet"], left) if left > 0 else ""
            tokens = left
        left -= max(tokens, 0)
        results.append(result)
    return results


@router.post("/search")
async def search(body: SearchRequest, request: Request):
    deps: Deps = request.app.state.engine.deps
    for n, query in enumerate(body.queries):
        limits.check_question(query, deps.settings, f"query[{n}]")  # the same caps as every surface
    rule = result_filter(body)
    groups = await asyncio.gather(*(search_one(deps, body, query, rule) for query in body.queries))
    response: dict = {"id": str(uuid.uuid4()), "results": merged(list(groups), body.max_tokens)}
    if body.display_server_time:
        response["server_time"] = datetime.now(timezone.utc).isoformat()
    return response
