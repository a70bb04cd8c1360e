"""Turn a fetched page into clean main text (title, date, site) with trafilatura.

Navigation, cookie banners, ads, related links and comments are dropped, so what reaches ranking
is the article. When a page yields too little, the search snippet stands in."""

from __future__ import annotations

import asyncio
import codecs
import re

import trafilatura
from charset_normalizer import from_bytes

from search.fetch import Fetched
from search.models import Page, SearchResult
from search.tokens import count_tokens

# Below this the "article" is usually a login wall, a consent page or a JS shell: the snippet
# (written by the search engine about the very page) is the better evidence. Counted in tokens so
# a short Chinese paragraph (dense: ~1 token per character) is not thrown away like 40 English chars.
MIN_TOKENS = 40

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# Legacy Chinese labels are decoded as GB18030, their superset: pages labelled gb2312 routinely
# contain characters only GBK/GB18030 have.
# Likewise Latin-1/ASCII labels mean windows-1252/UTF-8 in practice (as browsers treat them).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "iso8859-1": "cp1252", "ascii": "utf-8"}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def decode(body: bytes, header_charset: str | None) -> str:
    """Header charset, then <meta charset>, then UTF-8, then a statistical sniff."""
    meta = _META_CHARSET.search(body[:4096])
    for label in (header_charset, meta.group(1).decode("ascii", "ignore") if meta else None):
        if codec := _codec(label):
            try:
                return body.decode(codec)
            except UnicodeDecodeError:
                continue  # a lying label: fall through to the next clue
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()
    return body.decode(best.encoding if best else "utf-8", errors="replace")


def _clean_plain(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _trafilatura(html: str, url: str) -> dict[str, str | None]:
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        favor_precision=True,  # better to lose a marginal paragraph than to keep a cookie banner
    )
    if doc is None:
        return {}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return {key: data.get(key) for key in ("text", "title", "date", "sitename")}


def _extract_sync(fetched: Fetched, result: SearchResult) -> Page:
    text = decode(fetched.body, fetched.charset)
    meta: dict[str, str | None] = {}
    if fetched.content_type == "text/plain":
        body = _clean_plain(text)
    else:
        meta = _trafilatura(text, fetched.final_url)
        body = _clean_plain(meta.get("text") or "")
    page = Page(
        url=result.url,
        title=result.title or meta.get("title") or result.url,
        text=body,
        snippet=result.snippet,
        date=meta.get("date") or result.date,
        site_name=meta.get("sitename"),
    )
    size = count_tokens(body)
    if size < MIN_TOKENS and count_tokens(result.snippet) > size:
        page.text = result.snippet
        page.from_snippet = True
        page.error = "no readable main text" if body else "no text extracted"
    elif not body:
        page.error = "no text extracted"
    return page


def snippet_page(result: SearchResult, error: str | None) -> Page:
    """The page as far as the search engine described it."""
    return Page(
        url=result.url,
        title=result.title or result.url,
        text=result.snippet,
        snippet=result.snippet,
        date=result.date,
        from_snippet=True,
        error=error,
    )


async def extract(fetched: Fetched, result: SearchResult) -> Page:
    if fetched.error:
        return snippet_page(result, fetched.error)
    # trafilatura is CPU-bound lxml work (tens of ms per page): keep the event loop free.
    return await asyncio.to_thread(_extract_sync, fetched, result)
