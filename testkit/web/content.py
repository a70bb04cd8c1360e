"""LocalWeb's ordinary web: the SearXNG-like /search, and the pages served the many ways real
servers send them (compressed, as PDF, mislabelled charsets, redirects, cookies)."""

from __future__ import annotations

import functools
import gzip
import json
import re
import zlib

from testkit.web.corpus import GBK_PAGE
from testkit.web.handler import Handler, Query, Route
from testkit.web.pdf import PDF_BYTES


def search(h: Handler, query: Query) -> None:
    web = h.web
    if web.search_status:
        h.send(web.search_status, b'{"error": "forced"}', "application/json")
        return
    if query.get("format", [""])[0] != "json":
        h.send(403, b"format not allowed", "text/plain")
        return
    q = query.get("q", [""])[0]
    if q == "badjson":
        h.send(200, b"<html>not json", "application/json")
        return
    results = web.search(q) + list(web.extra_results)
    for word, given in web.results_for.items():
        if word.lower() in q.lower():
            results = list(given)
    body = json.dumps({"query": q, "number_of_results": len(results), "results": results}, ensure_ascii=False)
    h.send(200, body.encode(), "application/json")


def compressed_page(path: str, h: Handler, query: Query) -> None:
    """aurora-bridge, compressed as /gzip-page, /deflate-page or /br-page say."""
    raw = h.web.pages["aurora-bridge"].raw
    if path == "/gzip-page":
        body, encoding = gzip.compress(raw), "gzip"
    elif path == "/br-page":
        import brotli

        body, encoding = brotli.compress(raw), "br"
    else:  # ?raw=1: raw deflate, as many servers send it; else zlib-wrapped as the RFC says
        wbits = -zlib.MAX_WBITS if query.get("raw") else zlib.MAX_WBITS
        c = zlib.compressobj(6, zlib.DEFLATED, wbits)
        body, encoding = c.compress(raw) + c.flush(), "deflate"
    h.send(200, body, "text/html; charset=utf-8", {"Content-Encoding": encoding})


def sniff(h: Handler, name: str) -> None:
    """A legacy page with its <meta charset> removed: only sniffing helps."""
    page = h.web.pages.get(name)
    if page is None:
        h.not_found()
    else:
        h.send(200, re.sub(rb"<meta charset=\"[^\"]+\">", b"", page.raw), "text/html")


def redirect_n(h: Handler, query: Query) -> None:
    """/redirect-n?n=K&to=page: K hops, then the page."""
    n = int(query.get("n", ["1"])[0])
    to = query.get("to", ["aurora-bridge"])[0]
    h.redirect(f"/redirect-n?n={n - 1}&to={to}" if n > 1 else f"/pages/{to}.html")


def _aurora(h: Handler, content_type: str, headers: dict[str, str] | None = None) -> None:
    h.send(200, h.web.pages["aurora-bridge"].raw, content_type, headers)


ROUTES: dict[str, Route] = {
    "/search": search,
    "/gbk": lambda h, q: h.page(GBK_PAGE),
    # one hop to a page: /redirect?to=aurora-bridge
    "/redirect": lambda h, q: h.redirect(f"/pages/{q.get('to', ['aurora-bridge'])[0]}.html"),
    "/redirect-n": redirect_n,
    # anywhere: /redirect-to?url=... (tests build the target)
    "/redirect-to": lambda h, q: h.redirect(q.get("url", ["/"])[0]),
    **{path: functools.partial(compressed_page, path) for path in ("/gzip-page", "/deflate-page", "/br-page")},
    "/report.pdf": lambda h, q: h.send(200, PDF_BYTES, "application/pdf"),
    "/download": lambda h, q: h.send(200, PDF_BYTES, "application/octet-stream"),  # the same PDF, generic
    "/no-type": lambda h, q: _aurora(h, ""),
    # a GBK page whose header claims UTF-8
    "/lying-header": lambda h, q: h.send(200, h.web.pages[GBK_PAGE].raw, "text/html; charset=utf-8"),
    "/set-cookie": lambda h, q: _aurora(h, "text/html; charset=utf-8", {"Set-Cookie": "track=1; Path=/"}),
    # the request headers, as JSON (what the fetcher really sent)
    "/echo-headers": lambda h, q: h.send(200, json.dumps(dict(h.headers.items())).encode(), "text/plain; charset=utf-8"),
    "/plain": lambda h, q: h.send(
        200, b"Plain text notes.\n\nThe Aurora Bridge has a cycle lane.\n", "text/plain; charset=utf-8"
    ),
}
