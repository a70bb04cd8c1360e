"""Data that crosses the boundaries of the search stages."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from search.config import SAFESEARCH, SEARCH_MAX_RESULTS

Recency = Literal["day", "week", "month", "year"]
# Why a page's snippet stands in for its text (counted in /metrics).
Fallback = Literal[
    "fetch_failed",  # the fetch failed (status, size, address policy, timeout)
    "unreadable",  # binary, undecodable, a broken PDF, or the parser raised
    "no_text",  # a JavaScript shell, a consent wall: too little main text
    "worker_crash",  # the parse worker died while holding the page
    "worker_deadline",  # parsing ran past its deadline; the worker was replaced
    "worker_memory",  # parsing ran past the worker's memory cap
    "not_read_in_time",  # the read stage's time budget ran out first
    "error",  # anything else
]


class SearchOptions(BaseModel):
    max_results: int = SEARCH_MAX_RESULTS
    language: str | None = None  # "en", "zh" (from the question's language)
    region: str | None = None  # provider-specific region, e.g. "cn-zh", "us-en"
    domains: list[str] = Field(default_factory=list)  # search only these sites
    exclude_domains: list[str] = Field(default_factory=list)  # never these sites
    country: str | None = None  # ISO 3166-1 alpha-2 ("US", "CN"): the market the API providers search
    recency: Recency | None = None
    safesearch: Literal["on", "moderate", "off"] = SAFESEARCH
    categories: list[str] = Field(default_factory=list)  # SearXNG categories ("general", "news", ...)


class SearchResult(BaseModel):
    """One hit as a search engine returned it."""

    url: str
    title: str
    snippet: str = ""
    provider: str = ""
    date: str | None = None
    # The document's full text when the provider already has it (the local index): the read stage
    # uses it instead of fetching the URL (a file:// URL is never fetched).
    content: str | None = None


PassReason = Literal["rate_limited", "failed"]


class PassedOver(BaseModel):
    """A provider of the chain that did not answer, and why: it was rate limiting (a 429, DuckDuckGo's
    ratelimit page, a spent quota) or failing (errors, timeouts, a refused key, SearXNG's JSON off);
    its circuit may have been open, in which case it was not called at all."""

    provider: str
    reason: PassReason
    skipped: bool = False  # its circuit was open: not called


class SearchReport(BaseModel):
    """One search's results, the provider that answered, and the ones passed over before it."""

    results: list[SearchResult]
    provider: str
    passed_over: list[PassedOver] = Field(default_factory=list)


class Page(BaseModel):
    """A result after reading: the extracted main text, or the snippet when the page gave nothing."""

    url: str
    title: str
    text: str
    snippet: str = ""
    date: str | None = None
    site_name: str | None = None
    from_snippet: bool = False  # True when fetching/extraction failed and the snippet stands in
    fallback: Fallback | None = None  # why, when from_snippet
    error: str | None = None  # why the page itself could not be used, in words


class Passage(BaseModel):
    """A paragraph-bounded piece of a page, scored against the question."""

    url: str
    title: str
    text: str
    position: int  # order within its page
    score: float = 0.0
    tokens: int = 0


class Source(BaseModel):
    """A numbered source given to the model: `index` is N in [[citation:N]] and in the answer's [N]."""

    index: int
    url: str
    title: str
    snippet: str = ""
    date: str | None = None
    context: str = ""  # the selected passages, the text the model reads for this source
    # Which of its page's passages (`Passage.position`) `context` holds: a later round that finds the
    # page again offers only the others. Internal: never serialised (API, saved turns).
    positions: list[int] = Field(default_factory=list, exclude=True)
