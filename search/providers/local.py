"""The local index (`websearch index DIR`) as a search provider: a team's own documents, offline.

Results carry links the app serves (`/documents/<path in the indexed folder>`, see
`search.doc_links`: a browser cannot open a server's `file://` path) and the document's full text
in `SearchResult.content`, so the read stage takes the text from there instead of fetching.
`domains` are read as folder prefixes relative to the indexed folder (`["handbook"]` searches
handbook/…); `recency` keeps files modified within the period."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from search.doc_links import document_link
from search.index import IndexHandle, LocalIndexError
from search.models import SearchOptions, SearchResult
from search.providers.base import SearchError

NAME = "local"


class LocalProvider:
    name = NAME

    def __init__(self, index_dir: str | os.PathLike, *, link_secret: bytes | None = None) -> None:
        self.handle = IndexHandle(index_dir)
        self.link_secret = link_secret  # signs document links when the service has API keys

    def _search_sync(self, query: str, options: SearchOptions) -> list[SearchResult]:
        try:
            index = self.handle.get()
        except FileNotFoundError:
            where = self.handle.directory
            message = f"no index at {where}; build it with `websearch index DIR --index {where}`"
            raise SearchError(NAME, message) from None
        except (LocalIndexError, OSError, ValueError, KeyError) as exc:
            raise SearchError(NAME, f"cannot load the index at {self.handle.directory}: {exc}") from exc
        results = index.search(query, options.max_results, path_prefixes=options.domains, recency=options.recency)
        root = Path(index.meta.get("source") or "/")
        return [r.model_copy(update={"url": self._link(r.url, root)}) for r in results]

    def _link(self, file_url: str, root: Path) -> str:
        try:
            relative = Path(unquote(urlsplit(file_url).path)).relative_to(root).as_posix()
        except ValueError:  # not under the indexed folder (cannot happen for a built index): keep the path
            return file_url
        return document_link(relative, self.link_secret)

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        try:
            return await asyncio.to_thread(self._search_sync, query, options)
        except SearchError:
            raise
        except Exception as exc:
            raise SearchError(NAME, f"unexpected error: {type(exc).__name__}: {exc}") from exc
