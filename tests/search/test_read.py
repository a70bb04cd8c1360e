from __future__ import annotations

import time

from search.fetch import Fetcher
from search.models import SearchResult
from search.read import read
from tests.fixtures.web import LocalWeb
from tests.search.conftest import result_for


async def test_broken_page_among_good_ones(fetcher: Fetcher, web: LocalWeb) -> None:
    results = [
        result_for(web, "aurora-bridge"),
        SearchResult(url=web.url("/500"), title="Broken", snippet="The Aurora Bridge has 164 metre pylons."),
        result_for(web, "veldmark-metro"),
        result_for(web, "qingchuan-bridge"),
    ]
    pages = await read(results, fetcher, limit=4)
    assert [p.url for p in pages] == [r.url for r in results]
    assert "420 million euros" in pages[0].text and not pages[0].from_snippet
    assert pages[1].from_snippet and pages[1].error == "HTTP 500"
    assert pages[1].text == "The Aurora Bridge has 164 metre pylons."
    assert "14 stations" in pages[2].text
    assert "总投资 56 亿元" in pages[3].text


async def test_only_the_top_results_are_read(fetcher: Fetcher, web: LocalWeb) -> None:
    results = [result_for(web, n) for n in ("aurora-bridge", "zephyr-9-battery", "larkspur-observatory")]
    web.clear_requests()
    pages = await read(results, fetcher, limit=2)
    assert len(pages) == 2
    assert not any("larkspur" in path for path in web.requests)


async def test_pages_are_read_concurrently(client, web: LocalWeb) -> None:
    fetcher = Fetcher(client, allow_hosts=[web.host_port], timeout_s=0.8, per_host=4)
    results = [
        SearchResult(url=web.url(f"/slow?s=3&i={i}"), title=f"slow {i}", snippet=f"snippet {i}") for i in range(4)
    ]
    started = time.monotonic()
    pages = await read(results, fetcher, limit=4)
    assert time.monotonic() - started < 1.6, "four 0.8 s timeouts should overlap, not add up"
    assert [p.text for p in pages] == [f"snippet {i}" for i in range(4)]
    assert all(p.error and "timed out" in p.error for p in pages)


async def test_extractor_crash_does_not_sink_the_batch(fetcher: Fetcher, web: LocalWeb, monkeypatch) -> None:
    import search.read as read_module

    real_extract = read_module.extract

    async def flaky(fetched, result):
        if "zephyr" in result.url:
            raise RuntimeError("parser exploded")
        return await real_extract(fetched, result)

    monkeypatch.setattr(read_module, "extract", flaky)
    results = [result_for(web, "zephyr-9-battery"), result_for(web, "aurora-bridge")]
    pages = await read(results, fetcher, limit=5)
    assert pages[0].from_snippet and "parser exploded" in (pages[0].error or "")
    assert "420 million euros" in pages[1].text
