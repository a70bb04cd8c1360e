from __future__ import annotations

from typing import Any

import httpx
import pytest
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

from agent.settings import Settings
from search.models import SearchOptions
from search.providers import PROVIDERS, build_provider
from search.providers.base import RateLimited, SearchError, SearchProvider
from search.providers.duckduckgo import DuckDuckGoProvider
from search.providers.searxng import SearxngProvider
from tests.fixtures.web import LocalWeb

# --- SearXNG against the local web ----------------------------------------------------------------


async def test_searxng_maps_results(web: LocalWeb, client: httpx.AsyncClient) -> None:
    provider = SearxngProvider(web.searxng_url, client)
    results = await provider.search("Aurora Bridge Veldmark", SearchOptions())
    assert results, "the bridge page should be found"
    top = results[0]
    assert top.url == web.url("aurora-bridge")
    assert top.title.startswith("Aurora Bridge opens")
    assert "Esk estuary" in top.snippet
    assert top.provider == "searxng"
    assert top.date and top.date.startswith("2021-05-15")


async def test_searxng_sends_language_time_range_and_site(web: LocalWeb, client: httpx.AsyncClient) -> None:
    provider = SearxngProvider(web.searxng_url, client)
    web.clear_requests()
    await provider.search("青川大桥", SearchOptions(recency="month", domains=["example.org"], safesearch="off"))
    (path,) = web.search_requests
    params = httpx.URL(path).params
    assert params["format"] == "json"
    assert params["language"] == "zh"
    assert params["time_range"] == "month"
    assert params["safesearch"] == "0"
    assert params["q"] == "青川大桥 site:example.org"


async def test_searxng_respects_max_results(web: LocalWeb, client: httpx.AsyncClient) -> None:
    results = await SearxngProvider(web.searxng_url, client).search("bridge 大桥 battery", SearchOptions(max_results=1))
    assert len(results) == 1


@pytest.mark.parametrize(("status", "error"), [(500, SearchError), (429, RateLimited), (403, SearchError)])
async def test_searxng_http_errors(web: LocalWeb, client: httpx.AsyncClient, status: int, error: type) -> None:
    web.search_status = status
    try:
        with pytest.raises(error) as info:
            await SearxngProvider(web.searxng_url, client).search("Aurora Bridge", SearchOptions())
    finally:
        web.search_status = None
    assert info.value.provider == "searxng"
    assert str(status) in info.value.message


async def test_searxng_bad_json(web: LocalWeb, client: httpx.AsyncClient) -> None:
    with pytest.raises(SearchError, match="searxng: bad JSON"):
        await SearxngProvider(web.searxng_url, client).search("badjson", SearchOptions())


async def test_searxng_unreachable(client: httpx.AsyncClient) -> None:
    # Port 9 (discard) on loopback is closed: a connection refused, not a hang.
    with pytest.raises(SearchError, match="searxng: cannot reach"):
        await SearxngProvider("http://127.0.0.1:9", client, timeout_s=2).search("x", SearchOptions())


# --- DuckDuckGo through an injected ddgs ----------------------------------------------------------


class FakeDDGS:
    def __init__(self, results: list[dict[str, Any]] | None = None, error: Exception | None = None) -> None:
        self.results = results or []
        self.error = error
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append((query, kwargs))
        if self.error:
            raise self.error
        return self.results


DDG_RESULTS = [
    {
        "title": "Aurora Bridge - Wikipedia",
        "href": "https://en.example.org/wiki/Aurora_Bridge",
        "body": "A bridge in Veldmark.",
    },
    {"title": "No link", "href": "", "body": "dropped"},
    {"title": "Aurora Bridge - Wikipedia", "href": "https://en.example.org/wiki/Aurora_Bridge", "body": "duplicate"},
    {"title": "Veldmark news", "href": "https://news.example.com/aurora", "body": "Opened in 2021."},
]


async def test_duckduckgo_maps_results() -> None:
    fake = FakeDDGS(DDG_RESULTS)
    results = await DuckDuckGoProvider(ddgs_factory=lambda: fake).search("Aurora Bridge", SearchOptions())
    assert [r.url for r in results] == ["https://en.example.org/wiki/Aurora_Bridge", "https://news.example.com/aurora"]
    assert results[0].title == "Aurora Bridge - Wikipedia"
    assert results[0].snippet == "A bridge in Veldmark."
    assert {r.provider for r in results} == {"duckduckgo"}


async def test_duckduckgo_region_recency_and_sites() -> None:
    fake = FakeDDGS(DDG_RESULTS)
    provider = DuckDuckGoProvider(ddgs_factory=lambda: fake)
    await provider.search("青川大桥全长多少", SearchOptions(recency="week", safesearch="on"))
    await provider.search("Aurora Bridge", SearchOptions(domains=["a.com", "b.org"], max_results=3))
    await provider.search("Aurora Bridge", SearchOptions(region="de-de"))
    (zh_query, zh), (en_query, en), (_, explicit) = fake.calls
    assert zh["region"] == "cn-zh"
    assert zh["timelimit"] == "w"
    assert zh["safesearch"] == "on"
    assert en["region"] == "wt-wt"
    assert en["timelimit"] is None
    assert en["max_results"] == 3
    assert en_query == "Aurora Bridge site:a.com OR site:b.org"
    assert zh_query == "青川大桥全长多少"
    assert explicit["region"] == "de-de"


@pytest.mark.parametrize(
    ("error", "expected", "words"),
    [
        (RatelimitException("202 Ratelimit"), RateLimited, "rate limited"),
        (TimeoutException("read timed out"), SearchError, "timed out"),
        (DDGSException("No results found."), SearchError, "No results found"),
        (RuntimeError("boom"), SearchError, "boom"),
    ],
)
async def test_duckduckgo_errors(error: Exception, expected: type, words: str) -> None:
    provider = DuckDuckGoProvider(ddgs_factory=lambda: FakeDDGS(error=error))
    with pytest.raises(expected) as info:
        await provider.search("anything", SearchOptions())
    assert type(info.value) is expected
    assert info.value.provider == "duckduckgo"
    assert words in str(info.value)


# --- registry --------------------------------------------------------------------------------------


async def test_build_provider_by_name(web: LocalWeb, client: httpx.AsyncClient) -> None:
    ddg = build_provider(Settings(_env_file=None, search_provider="duckduckgo"), client)
    sx = build_provider(Settings(_env_file=None, search_provider="searxng", searxng_url=web.searxng_url), client)
    assert isinstance(ddg, DuckDuckGoProvider) and isinstance(ddg, SearchProvider)
    assert isinstance(sx, SearxngProvider) and sx.client is client
    assert set(PROVIDERS) >= {"duckduckgo", "searxng"}


async def test_build_provider_unknown_or_misconfigured(client: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="known: duckduckgo, searxng"):
        build_provider(Settings(_env_file=None, search_provider="bing"), client)
    with pytest.raises(ValueError, match="WEBSEARCH_SEARXNG_URL"):
        build_provider(Settings(_env_file=None, search_provider="searxng", searxng_url=None), client)
