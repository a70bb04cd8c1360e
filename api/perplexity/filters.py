"""Perplexity's search filters as the service's own: the sites as `domains` and `exclude_domains`,
the rest as a `search.filters.ResultFilter` (one date window, languages) and a provider recency.

Each result has one date here (the page's own, else the provider's), so the publication filters
(`search_*_date_filter`) and the `last_updated_*` ones narrow the same window. A recency filter is
a window too (from its first day on); `hour` asks the provider for the last day and keeps results
dated from the hour's day on (dates are days)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from api.perplexity.schemas import PerplexityFilters
from search.filters import ResultFilter, since
from search.models import Recency


def _latest(*days: date | None) -> date | None:
    given = [d for d in days if d is not None]
    return max(given) if given else None


def _earliest(*days: date | None) -> date | None:
    given = [d for d in days if d is not None]
    return min(given) if given else None


def result_filter(body: PerplexityFilters, now: datetime | None = None) -> ResultFilter:
    now = now or datetime.now(timezone.utc)
    # The provider is asked for the window too; results it dates outside it still go (not every engine honours it).
    recency_start = since(body.search_recency_filter, now) if body.search_recency_filter else None
    return ResultFilter(
        after=_latest(body.search_after_date_filter, body.last_updated_after_filter, recency_start),
        before=_earliest(body.search_before_date_filter, body.last_updated_before_filter),
        languages=body.search_language_filter,
    )


def provider_recency(body: PerplexityFilters) -> Recency | None:
    """The recency the provider is asked for: Perplexity's `hour` is its narrowest window, a day."""
    value = body.search_recency_filter
    return "day" if value == "hour" else value

