"""What a caller may ask of the results beyond the query and its sites: a date window, languages.

A result's date is what its provider gives (SearXNG's `publishedDate`; DuckDuckGo's text results
give none) and, once read, the page's own date from extraction (`Page.date`, which wins). A result
dated outside the window is dropped, at search time by the provider's date and again after reading
by the page's; a result with no date at all cannot be placed and is kept (callers say so). Languages
are checked where the service can tell them apart (Chinese and English, `core.language`); any other
language is passed to the provider and trusted.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field

from core.language import detect_language
from search.models import Page, Recency, SearchResult

_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CHECKED_LANGUAGES = {"en", "zh"}  # what detect_language can tell apart
# A provider's time window, narrowest first, and how far back each reaches.
_WINDOWS: tuple[tuple[Recency, int], ...] = (("day", 1), ("week", 7), ("month", 31), ("year", 366))


class ResultFilter(BaseModel):
    """Result filters beyond the sites (`SearchOptions.domains`, `exclude_domains`)."""

    after: date | None = None  # published on or after
    before: date | None = None  # published on or before
    languages: list[str] = Field(default_factory=list)  # ISO 639-1 codes, lower case

    @property
    def active(self) -> bool:
        return bool(self.after or self.before or self.languages)


def parse_date(text: str | None) -> date | None:
    """A result's date from what providers and extraction write (ISO dates and datetimes); None when
    there is none or it cannot be read."""
    if not text:
        return None
    text = str(text).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    match = _ISO_DAY.search(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    return None


def dated_within(text: str | None, after: date | None, before: date | None) -> bool:
    """Whether a result dated `text` may be shown; an undated one cannot be placed and is kept."""
    when = parse_date(text)
    if when is None:
        return True
    return (after is None or when >= after) and (before is None or when <= before)


def keep_results(results: list[SearchResult], rule: ResultFilter) -> list[SearchResult]:
    """Search results inside the date window (by the provider's date)."""
    if not rule.active:
        return results
    return [r for r in results if dated_within(r.date, rule.after, rule.before)]


def page_language_ok(page: Page, languages: list[str]) -> bool:
    """A read page in one of the languages, where the service can tell (zh/en); else kept."""
    wanted = {code.lower() for code in languages}
    if not wanted or not wanted <= _CHECKED_LANGUAGES or page.from_snippet:
        return True  # a language we cannot detect, or a snippet too short to judge: the provider's word stands
    return detect_language(page.text[:2000]) in wanted


def keep_pages(pages: list[Page], rule: ResultFilter) -> list[Page]:
    """Read pages inside the date window by the page's own date, and in the requested languages."""
    if not rule.active:
        return pages
    return [
        p
        for p in pages
        if dated_within(p.date, rule.after, rule.before) and page_language_ok(p, rule.languages)
    ]


def provider_recency(after: date | None, today: date) -> Recency | None:
    """The narrowest time window a provider knows that still reaches back to `after` (None: older)."""
    if after is None:
        return None
    days = (today - after).days
    return next((name for name, reach in _WINDOWS if days <= reach), None)


def since(recency: str, now: datetime) -> date:
    """The first day a recency filter (Perplexity's words, `hour` included) lets through."""
    reach = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7),
             "month": timedelta(days=31), "year": timedelta(days=366)}[recency]
    return (now - reach).date()
