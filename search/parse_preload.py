"""Imported once by the parse workers' fork server (`core.workers`): loads the parsers and runs each
on a small page, so that every worker forked from it starts warm. A fresh trafilatura's first page
costs about fifteen times its next (lazy regexes, date and language data): paid here once, not by
the first page of every worker after a restart."""

from __future__ import annotations

import gc
import logging

from search.documents import read_html  # noqa: F401  (the local index's readers, loaded)
from search.extract import EXTRACTORS, extract_page
from search.fetch import Fetched
from search.models import SearchResult

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Warm-up</title>
<meta property="article:published_time" content="2024-05-01"></head><body><nav><a href="/">Home</a></nav>
<article><h1>Warm-up</h1><p>The bridge opened in May 2024 after three years of work, the city said.</p>
<p>It cost 420 million euros and carries four lanes of traffic and two cycle paths.</p>
<p>青川大桥全长 1.2 千米，于 2024 年通车，总投资 56 亿元。</p></article>
<footer>© 2024</footer></body></html>"""


def _warm() -> None:
    url = "http://warm-up.invalid/page"
    fetched = Fetched(url=url, final_url=url, status=200, content_type="text/html", charset="utf-8", body=_PAGE.encode())
    for extractor in EXTRACTORS:  # each path's parsers (resiliparse's lexbor, trafilatura's data)
        extract_page(fetched, SearchResult(url=url, title="Warm-up"), extractor)


try:
    _warm()
except Exception as exc:  # a cold worker is slower, not broken
    logging.getLogger(__name__).warning("parse worker warm-up failed: %r", exc)

# What is alive now (the parsers, their data, the warm-up's caches) lives as long as every worker
# forked from here: frozen out of the collector's sight, a worker's full collections do not walk it
# (~0.1 ms a page of the workers' CPU on the corpus) nor write to its pages, which the workers then
# keep sharing with the fork server instead of copying.
gc.collect()
gc.freeze()
