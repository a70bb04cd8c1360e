"""Search results as the search stage would produce them, pointing at the local web's pages."""

from __future__ import annotations

from search.models import SearchResult
from testkit.web import LocalWeb


def result_for(web: LocalWeb, name: str, snippet: str = "") -> SearchResult:
    """A search result pointing at a LocalWeb page, as the search stage would produce it."""
    page = web.pages.get(name)
    return SearchResult(
        url=web.url(name),
        title=page.title if page else name,
        snippet=snippet or (page.description if page else ""),
        provider="searxng",
    )
