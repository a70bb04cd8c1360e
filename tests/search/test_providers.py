from __future__ import annotations

from typing import Any

import httpx
import pytest
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

from agent.deps import provider_config
from agent.settings import Settings
from search.cache import MemoryCache, RedisCache
from search.models import SearchOptions, SearchResult
from search.providers import PROVIDERS, build_provider, provider_names
from search.providers.base import RateLimited, RetryPolicy, SearchError, SearchProvider, host_in, keep_domains
from search.providers.cached import CachedProvider
from search.providers.circuit import GuardedProvider
from search.providers.duckduckgo import DuckDuckGoProvider
from search.providers.fallback import FallbackProvider
from search.providers.local import LocalProvider
from search.providers.merge import merge_results, normalize_url, search_queries
from search.providers.searxng import SearxngProvider
from testkit.web import LocalWeb

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


async def test_duckduckgo_searches_in_a_parse_worker_and_names_its_failure(workers, monkeypatch) -> None:
    """The service's ddgs runs in a worker process (its lxml parsing of result pages never in the
    server's threads): offline here, the real ddgs fails there and the failure comes back typed."""

    class NotHere:
        def __init__(self, **kwargs: Any) -> None:
            raise AssertionError("ddgs ran in the server process")

    monkeypatch.setattr("search.providers.duckduckgo.DDGS", NotHere)
    provider = DuckDuckGoProvider(timeout_s=3, workers=workers)
    with pytest.raises(SearchError) as caught:
        await provider.search("Aurora Bridge Veldmark", SearchOptions(max_results=3))
    assert caught.value.provider == "duckduckgo" and "search failed" in caught.value.message


async def test_a_lost_search_worker_is_a_search_failure_not_a_crash() -> None:
    """A pool that cannot take the search (closed, or its worker died) costs this search only: a
    SearchError the fallback chain moves on from."""
    from core.workers import WorkerPool

    pool = WorkerPool(1, deadline_s=3.0, memory_mb=1024).start()
    pool.close()
    with pytest.raises(SearchError) as caught:
        await DuckDuckGoProvider(timeout_s=3, workers=pool).search("Aurora Bridge", SearchOptions())
    assert "search worker lost" in caught.value.message and caught.value.retryable


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


async def test_duckduckgo_drops_results_off_the_requested_sites() -> None:
    fake = FakeDDGS(DDG_RESULTS)
    results = await DuckDuckGoProvider(ddgs_factory=lambda: fake).search(
        "Aurora Bridge", SearchOptions(domains=["example.org"])
    )
    assert [r.url for r in results] == ["https://en.example.org/wiki/Aurora_Bridge"]


# --- bounded retries with backoff -----------------------------------------------------------------


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class FlakyDDGS(FakeDDGS):
    """Fails with `errors` in turn, then answers."""

    def __init__(self, errors: list[Exception], results: list[dict[str, Any]] | None = None) -> None:
        super().__init__(results or DDG_RESULTS)
        self.errors = list(errors)

    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append((query, kwargs))
        if self.errors:
            raise self.errors.pop(0)
        return self.results


def test_retry_delays_grow_exponentially_with_jitter_and_a_total_cap() -> None:
    policy = RetryPolicy(retries=4, backoff_s=1.0, max_wait_s=100.0)
    assert list(policy.delays(rng=lambda: 0.5)) == [1.0, 2.0, 4.0, 8.0]  # no jitter at the middle
    low, high = list(policy.delays(rng=lambda: 0.0)), list(policy.delays(rng=lambda: 0.999))
    assert low == [0.5, 1.0, 2.0, 4.0] and all(h > 1.49 * d for h, d in zip(high, [1, 2, 4, 8]))
    capped = list(RetryPolicy(retries=10, backoff_s=1.0, max_wait_s=5.0).delays(rng=lambda: 0.5))
    assert sum(capped) == pytest.approx(5.0) and len(capped) == 3  # 1 + 2 + (the 2 left of 4)
    assert list(RetryPolicy(retries=0).delays()) == []


@pytest.mark.parametrize(
    "error", [RatelimitException("202 Ratelimit"), DDGSException("No results found.")], ids=["ratelimit", "no-results"]
)
async def test_duckduckgo_retries_rate_limits_then_answers(error: Exception) -> None:
    fake, sleeps = FlakyDDGS([error, error]), Sleeps()
    provider = DuckDuckGoProvider(
        ddgs_factory=lambda: fake, retry=RetryPolicy(retries=2, backoff_s=0.2, max_wait_s=5), sleep=sleeps
    )
    results = await provider.search("Aurora Bridge", SearchOptions())
    assert [r.url for r in results][:1] == ["https://en.example.org/wiki/Aurora_Bridge"]
    assert len(fake.calls) == 3
    assert len(sleeps.waits) == 2
    assert 0.1 <= sleeps.waits[0] < 0.3 and 0.2 <= sleeps.waits[1] < 0.6  # 0.2, then 0.4, each ×0.5–1.5


async def test_duckduckgo_retries_are_bounded() -> None:
    fake, sleeps = FlakyDDGS([RatelimitException("429")] * 10), Sleeps()
    provider = DuckDuckGoProvider(
        ddgs_factory=lambda: fake, retry=RetryPolicy(retries=3, backoff_s=1.0, max_wait_s=2.5), sleep=sleeps
    )
    with pytest.raises(RateLimited, match="duckduckgo: rate limited"):
        await provider.search("Aurora Bridge", SearchOptions())
    assert sum(sleeps.waits) <= 2.5 + 1e-9
    assert len(fake.calls) == len(sleeps.waits) + 1 <= 4


async def test_duckduckgo_does_not_retry_what_a_retry_cannot_fix() -> None:
    fake, sleeps = FlakyDDGS([TimeoutException("read timed out"), RuntimeError("boom")]), Sleeps()
    provider = DuckDuckGoProvider(ddgs_factory=lambda: fake, retry=RetryPolicy(retries=3), sleep=sleeps)
    with pytest.raises(SearchError, match="timed out"):
        await provider.search("Aurora Bridge", SearchOptions())
    assert len(fake.calls) == 1 and sleeps.waits == []


async def test_searxng_retries_429_then_answers(web: LocalWeb, client: httpx.AsyncClient) -> None:
    sleeps = Sleeps()

    async def recover(seconds: float) -> None:  # the instance stops throttling during the backoff
        await sleeps(seconds)
        web.search_status = None

    provider = SearxngProvider(web.searxng_url, client, retry=RetryPolicy(retries=2, backoff_s=0.01), sleep=recover)
    web.search_status = 429
    try:
        web.clear_requests()
        results = await provider.search("Aurora Bridge Veldmark", SearchOptions())
    finally:
        web.search_status = None
    assert results[0].url == web.url("aurora-bridge")
    assert len(web.search_requests) == 2 and len(sleeps.waits) == 1


# --- SearXNG options ------------------------------------------------------------------------------


async def test_searxng_categories_from_settings_or_request(web: LocalWeb, client: httpx.AsyncClient) -> None:
    provider = SearxngProvider(web.searxng_url, client, categories=["general", "science"])
    web.clear_requests()
    await provider.search("Aurora Bridge", SearchOptions())
    await provider.search("Aurora Bridge", SearchOptions(categories=["news"], recency="day", language="en"))
    first, second = (httpx.URL(p).params for p in web.search_requests)
    assert first["categories"] == "general,science" and "time_range" not in first
    assert first["language"] == "en"
    assert second["categories"] == "news" and second["time_range"] == "day"


async def test_searxng_keeps_only_results_on_the_requested_sites(web: LocalWeb, client: httpx.AsyncClient) -> None:
    # The local web ignores `site:` (as some engines behind SearXNG do): the filter still holds.
    web.extra_results = [{"url": "https://docs.example.org/aurora", "title": "Aurora notes", "content": "x"}]
    try:
        provider = SearxngProvider(web.searxng_url, client)
        unfiltered = await provider.search("Aurora Bridge", SearchOptions())
        filtered = await provider.search("Aurora Bridge", SearchOptions(domains=["example.org"]))
    finally:
        web.extra_results = []
    assert len(unfiltered) > 1
    assert [r.url for r in filtered] == ["https://docs.example.org/aurora"]


def test_host_matching() -> None:
    assert host_in("https://www.who.int/news", ["who.int"])
    assert host_in("https://news.who.int/x", ["WHO.int"])
    assert host_in("https://who.int/x", ["https://www.who.int/"])
    assert not host_in("https://notwho.int/x", ["who.int"])
    assert not host_in("https://who.int.evil.com/x", ["who.int"])
    results = [SearchResult(url="file:///docs/a.md", title="a"), SearchResult(url="https://b.com/", title="b")]
    assert [r.url for r in keep_domains(results, ["who.int"])] == ["file:///docs/a.md"]
    assert keep_domains(results, []) == results


# --- fallback chain -------------------------------------------------------------------------------


class StubProvider:
    def __init__(self, name: str, results: list[SearchResult] | None = None, error: Exception | None = None):
        self.name, self.results, self.error = name, results or [], error
        self.queries: list[str] = []

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        self.queries.append(query)
        if self.error:
            raise self.error
        return self.results


@pytest.mark.parametrize(
    "error",
    [
        RatelimitException("202 Ratelimit"),
        DDGSException("No results found."),
        TimeoutException("timed out"),
        OSError("down"),
    ],
    ids=["ratelimit", "no-results", "timeout", "outage"],
)
async def test_fallback_to_searxng_when_duckduckgo_fails(
    web: LocalWeb, client: httpx.AsyncClient, error: Exception
) -> None:
    fake = FlakyDDGS([error] * 5)
    ddg = DuckDuckGoProvider(ddgs_factory=lambda: fake, retry=RetryPolicy(retries=1, backoff_s=0.001))
    chain = FallbackProvider([ddg, SearxngProvider(web.searxng_url, client)])
    assert chain.name == "duckduckgo→searxng" and isinstance(chain, SearchProvider)
    web.clear_requests()
    results = await chain.search("Aurora Bridge Veldmark", SearchOptions())
    assert fake.calls, "DuckDuckGo was asked first"
    assert results[0].url == web.url("aurora-bridge") and results[0].provider == "searxng"
    assert len(web.search_requests) == 1


@pytest.mark.parametrize("status", [429, 500])
async def test_fallback_past_a_failing_searxng(web: LocalWeb, client: httpx.AsyncClient, status: int) -> None:
    backup = StubProvider("backup", [SearchResult(url="https://backup.example/x", title="x")])
    chain = FallbackProvider([SearxngProvider(web.searxng_url, client), backup])
    web.search_status = status
    try:
        results = await chain.search("Aurora Bridge", SearchOptions())
    finally:
        web.search_status = None
    assert [r.url for r in results] == ["https://backup.example/x"]
    assert backup.queries == ["Aurora Bridge"]


async def test_first_provider_that_answers_wins() -> None:
    first = StubProvider("first", [SearchResult(url="https://a.example/", title="a")])
    second = StubProvider("second", [SearchResult(url="https://b.example/", title="b")])
    results = await FallbackProvider([first, second]).search("q", SearchOptions())
    assert [r.url for r in results] == ["https://a.example/"] and second.queries == []


async def test_all_providers_failing_names_each(web: LocalWeb, client: httpx.AsyncClient) -> None:
    ddg = DuckDuckGoProvider(ddgs_factory=lambda: FakeDDGS(error=RatelimitException("202 Ratelimit")))
    chain = FallbackProvider([ddg, SearxngProvider(web.searxng_url, client), StubProvider("odd", error=KeyError("k"))])
    web.search_status = 500
    try:
        with pytest.raises(SearchError) as info:
            await chain.search("Aurora Bridge", SearchOptions())
    finally:
        web.search_status = None
    error = info.value
    assert type(error) is SearchError and error.provider == "duckduckgo→searxng→odd"
    assert "duckduckgo: rate limited" in error.message
    assert "searxng: HTTP 500" in error.message
    assert "odd: unexpected error: KeyError" in error.message


async def test_all_providers_rate_limited_is_a_rate_limit(web: LocalWeb, client: httpx.AsyncClient) -> None:
    ddg = DuckDuckGoProvider(ddgs_factory=lambda: FakeDDGS(error=RatelimitException("202 Ratelimit")))
    chain = FallbackProvider([ddg, SearxngProvider(web.searxng_url, client)])
    web.search_status = 429
    try:
        with pytest.raises(RateLimited) as info:
            await chain.search("Aurora Bridge", SearchOptions())
    finally:
        web.search_status = None
    assert "duckduckgo" in info.value.message and "searxng" in info.value.message


# --- cache ----------------------------------------------------------------------------------------


async def test_cache_hit_makes_no_request(web: LocalWeb, client: httpx.AsyncClient) -> None:
    provider = CachedProvider(SearxngProvider(web.searxng_url, client), MemoryCache(), ttl_s=60)
    assert provider.name == "searxng"
    web.clear_requests()
    first = await provider.search("Aurora Bridge Veldmark", SearchOptions())
    again = await provider.search("Aurora Bridge Veldmark", SearchOptions())
    assert again == first and first
    assert len(web.search_requests) == 1
    await provider.search("Aurora Bridge Veldmark", SearchOptions(recency="year"))  # other options: a miss
    await provider.search("Aurora Bridge", SearchOptions())  # another query: a miss
    assert len(web.search_requests) == 3


async def test_cache_entries_expire() -> None:
    stub = StubProvider("stub", [SearchResult(url="https://a.example/", title="a")])
    now = [1000.0]
    provider = CachedProvider(stub, MemoryCache(clock=lambda: now[0]), ttl_s=60)
    await provider.search("q", SearchOptions())
    now[0] += 60
    await provider.search("q", SearchOptions())  # at the TTL: still kept
    assert stub.queries == ["q"]
    now[0] += 1
    await provider.search("q", SearchOptions())  # past it: searched again
    assert stub.queries == ["q", "q"]


async def test_errors_and_empty_answers_are_not_cached() -> None:
    stub = StubProvider("stub", error=SearchError("stub", "down"))
    provider = CachedProvider(stub, MemoryCache(), ttl_s=60)
    with pytest.raises(SearchError):
        await provider.search("q", SearchOptions())
    stub.error = None
    assert await provider.search("q", SearchOptions()) == []
    stub.results = [SearchResult(url="https://a.example/", title="a")]
    assert len(await provider.search("q", SearchOptions())) == 1
    assert stub.queries == ["q", "q", "q"]


async def test_cache_in_redis_is_shared_between_processes(
    web: LocalWeb, client: httpx.AsyncClient, redis_url: str
) -> None:
    settings = Settings(_env_file=None, search_provider="searxng", searxng_url=web.searxng_url, redis_url=redis_url)
    one, two = RedisCache(redis_url), RedisCache(redis_url)
    try:
        web.clear_requests()
        first = await build_provider(provider_config(settings), client, cache=one).search("青川大桥", SearchOptions(language="zh"))
        second = await build_provider(provider_config(settings), client, cache=two).search("青川大桥", SearchOptions(language="zh"))
    finally:
        await one.aclose()
        await two.aclose()
    assert second == first and first[0].title.startswith("青川大桥")
    assert len(web.search_requests) == 1


# --- several queries: which, and how they merge ---------------------------------------------------


def test_search_queries_add_the_question_when_it_differs() -> None:
    assert search_queries(["Aurora Bridge cost"], "How much did the Aurora Bridge cost?") == [
        "Aurora Bridge cost",
        "How much did the Aurora Bridge cost?",
    ]
    assert search_queries(["aurora  BRIDGE cost"], "Aurora Bridge cost?") == ["aurora BRIDGE cost"]
    assert search_queries(["青川大桥 总投资"], "青川大桥总投资？") == ["青川大桥 总投资", "青川大桥总投资？"]
    assert search_queries(["青川大桥的总投资是多少"], "青川大桥的总投资是多少？") == ["青川大桥的总投资是多少"]
    assert search_queries([], "Aurora Bridge") == ["Aurora Bridge"]


def test_normalize_url() -> None:
    same = [
        "https://Example.COM/a/b/",
        "https://example.com/a/b",
        "HTTPS://example.com:443/a/b#section",
        "https://example.com/a/b?utm_source=x&utm_medium=y",
    ]
    assert len({normalize_url(u) for u in same}) == 1
    assert normalize_url("https://example.com/a?id=1&utm_campaign=z") == "https://example.com/a?id=1"
    assert normalize_url("https://example.com/A") != normalize_url("https://example.com/a")  # paths keep case
    assert normalize_url("http://example.com:8080/") != normalize_url("http://example.com/")


def test_merge_interleaves_by_rank_and_drops_duplicates() -> None:
    def results(*urls: str) -> list[SearchResult]:
        return [SearchResult(url=u, title=u) for u in urls]

    model = results("https://a.com/1", "https://a.com/2", "https://a.com/3")
    typed = results("https://b.com/1", "https://A.com/1/?utm_source=feed", "https://a.com/2#top", "https://b.com/4")
    merged = merge_results([model, typed])
    assert [r.url for r in merged] == [
        "https://a.com/1",
        "https://b.com/1",
        "https://a.com/2",
        "https://a.com/3",
        "https://b.com/4",
    ]
    assert len(merge_results([model, typed], limit=2)) == 2


# --- registry --------------------------------------------------------------------------------------


async def test_build_provider_by_name(web: LocalWeb, client: httpx.AsyncClient, tmp_path) -> None:
    ddg = build_provider(provider_config(Settings(_env_file=None, search_provider="duckduckgo")), client)
    sx = build_provider(provider_config(Settings(_env_file=None, search_provider="searxng", searxng_url=web.searxng_url)), client)
    local = build_provider(provider_config(Settings(_env_file=None, search_provider="local", local_index=str(tmp_path))), client)
    # Web providers sit behind their circuit (search/providers/circuit.py); the local index does not.
    assert isinstance(ddg, GuardedProvider) and isinstance(ddg.provider, DuckDuckGoProvider)
    assert isinstance(ddg, SearchProvider)
    assert isinstance(sx.provider, SearxngProvider) and sx.client is client
    assert isinstance(local, LocalProvider) and local.handle.directory == tmp_path.resolve()
    assert set(PROVIDERS) >= {"duckduckgo", "searxng", "local", "brave", "tavily", "serper", "exa", "google"}


async def test_build_provider_reads_retry_and_search_settings(web: LocalWeb, client: httpx.AsyncClient) -> None:
    settings = Settings(
        _env_file=None,
        search_provider="duckduckgo",
        search_retries=4,
        search_backoff_s=0.25,
        search_backoff_max_s=1.5,
        search_region="us-en",
    )
    ddg = build_provider(provider_config(settings), client)
    assert ddg.retry == RetryPolicy(retries=4, backoff_s=0.25, max_wait_s=1.5)
    assert ddg.region_for("青川大桥", SearchOptions()) == "us-en"
    env_like = Settings(
        _env_file=None, search_provider="searxng", searxng_url=web.searxng_url, searxng_categories="news, it"
    )
    assert build_provider(provider_config(env_like), client).categories == ["news", "it"]


async def test_build_provider_chain_and_cache(web: LocalWeb, client: httpx.AsyncClient, tmp_path) -> None:
    settings = Settings(_env_file=None, search_provider=" DuckDuckGo , searxng,duckduckgo", searxng_url=web.searxng_url)
    assert provider_names(settings.search_provider) == ["duckduckgo", "searxng"]
    chain = build_provider(provider_config(settings), client)
    assert isinstance(chain, FallbackProvider) and chain.name == "duckduckgo→searxng"
    assert [type(p.provider) for p in chain.providers] == [DuckDuckGoProvider, SearxngProvider]

    cached = build_provider(provider_config(settings), client, cache=MemoryCache())
    assert isinstance(cached, CachedProvider) and cached.name == "duckduckgo→searxng"
    no_ttl = settings.model_copy(update={"search_cache_ttl_s": 0})
    assert isinstance(build_provider(provider_config(no_ttl), client, cache=MemoryCache()), FallbackProvider)
    # The local index is not cached: nothing to spare, and a rebuilt index must show at once.
    local = Settings(_env_file=None, search_provider="local", local_index=str(tmp_path))
    assert isinstance(build_provider(provider_config(local), client, cache=MemoryCache()), LocalProvider)


async def test_build_provider_unknown_or_misconfigured(client: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="known: brave, duckduckgo, exa, google, local, searxng, serper, tavily"):
        build_provider(provider_config(Settings(_env_file=None, search_provider="bing")), client)
    with pytest.raises(ValueError, match="'bing' in 'duckduckgo,bing'"):
        build_provider(provider_config(Settings(_env_file=None, search_provider="duckduckgo,bing")), client)
    with pytest.raises(ValueError, match="names no search provider"):
        build_provider(provider_config(Settings(_env_file=None, search_provider=" , ")), client)
    with pytest.raises(ValueError, match="WEBSEARCH_SEARXNG_URL"):
        build_provider(provider_config(Settings(_env_file=None, search_provider="duckduckgo,searxng", searxng_url=None)), client)


async def test_the_auto_chain_is_built_from_what_is_configured(client: httpx.AsyncClient) -> None:
    bare = Settings(_env_file=None)
    assert bare.search_provider == "auto"
    assert build_provider(provider_config(bare), client).name == "duckduckgo"
    every = Settings(
        _env_file=None,
        brave_api_key="b-key-123456", tavily_api_key="tvly-123456", serper_api_key="s-key-123456",
        exa_api_key="e-key-123456", google_api_key="g-key-123456", google_cx="cx1", searxng_url="http://searxng:8080",
    )
    assert build_provider(provider_config(every), client).name == "brave→tavily→serper→exa→google→searxng→duckduckgo"
    no_cx = Settings(_env_file=None, google_api_key="g-key-123456", exa_api_key="  ")  # blank is unset
    assert build_provider(provider_config(no_cx), client).name == "duckduckgo"
    with pytest.raises(ValueError, match="'brave' needs WEBSEARCH_BRAVE_API_KEY"):
        build_provider(provider_config(Settings(_env_file=None, search_provider="brave,duckduckgo")), client)
    with pytest.raises(ValueError, match="needs WEBSEARCH_GOOGLE_API_KEY and WEBSEARCH_GOOGLE_CX"):
        build_provider(provider_config(Settings(_env_file=None, search_provider="google", google_api_key="g-key-123456")), client)
    routed = Settings(_env_file=None, search_provider="exa", exa_api_key="e-key-123456", exa_url="https://gw.example/exa")
    assert build_provider(provider_config(routed), client).url == "https://gw.example/exa"


def test_the_search_country_is_two_letters() -> None:
    assert Settings(_env_file=None, search_country="cn").search_country == "CN"
    assert Settings(_env_file=None, search_country="").search_country is None
    with pytest.raises(ValueError, match="two-letter country code"):
        Settings(_env_file=None, search_country="China")
    key = Settings(_env_file=None, brave_api_key="BSA-secret-value")
    assert "BSA-secret-value" not in repr(key) and "BSA-secret-value" not in str(key.model_dump())


# --- the agent's search node ----------------------------------------------------------------------


async def run_search_node(provider: SearchProvider, *, query: str, **state: Any) -> list[SearchResult]:
    """The real `search` node in a one-node graph (as the agent runs it), with a stand-in provider,
    searching round 1 for the model's `query`."""
    from datetime import date
    from types import SimpleNamespace

    from langgraph.graph import END, START, StateGraph

    from agent.nodes.search import search
    from agent.state import AgentState, SearchRound

    graph = StateGraph(AgentState)
    graph.add_node("search", search)
    graph.add_edge(START, "search")
    graph.add_edge("search", END)
    deps = SimpleNamespace(settings=Settings(_env_file=None, search_max_results=6), provider=provider, today=date.today)
    rounds = [SearchRound(query=query, call="")]
    out = await graph.compile().ainvoke({"conversation_id": "t", "rounds": rounds, **state}, context=deps)
    return out["results"]


class QueryProvider:
    name = "stub"

    def __init__(self, answers: dict[str, list[str] | Exception]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, SearchOptions]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def search(self, query: str, options: SearchOptions) -> list[SearchResult]:
        import asyncio

        self.calls.append((query, options))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        answer = self.answers[query]
        if isinstance(answer, Exception):
            raise answer
        return [SearchResult(url=u, title=u) for u in answer]


async def test_search_node_sends_query_and_question_in_parallel_and_merges() -> None:
    provider = QueryProvider(
        {
            "Aurora Bridge cost": ["https://a.com/1", "https://a.com/2", "https://b.com/shared"],
            "How much did the Aurora Bridge cost?": ["https://B.com/shared/?utm_source=x", "https://c.com/1"],
        }
    )
    results = await run_search_node(
        provider,
        question="How much did the Aurora Bridge cost?",
        query="Aurora Bridge cost",
        recency="week",
        language="en",
    )
    assert [q for q, _ in provider.calls] == ["Aurora Bridge cost", "How much did the Aurora Bridge cost?"]
    assert provider.max_in_flight == 2, "the queries run in parallel"
    assert provider.calls[0][1].recency == "week" and provider.calls[0][1].safesearch == "moderate"
    assert [r.url for r in results] == [
        "https://a.com/1",
        "https://B.com/shared/?utm_source=x",
        "https://a.com/2",
        "https://c.com/1",
    ]


async def test_search_node_searches_once_when_the_query_is_the_question() -> None:
    provider = QueryProvider({"aurora bridge cost": ["https://a.com/1"]})
    await run_search_node(provider, question="Aurora Bridge  cost?", query="aurora bridge cost")
    assert [q for q, _ in provider.calls] == ["aurora bridge cost"]


async def test_search_node_in_a_follow_up_searches_only_the_models_query() -> None:
    from agent.state import Turn

    provider = QueryProvider({"Aurora Bridge cost": ["https://a.com/1"]})
    earlier = Turn(question="When did the Aurora Bridge open?", answer="In 2021.", model_answer="In 2021.")
    await run_search_node(
        provider, question="And how much did it cost?", query="Aurora Bridge cost", history=[earlier]
    )
    assert [q for q, _ in provider.calls] == ["Aurora Bridge cost"]


async def test_search_node_keeps_results_on_the_requested_sites() -> None:
    provider = QueryProvider({"q": ["https://a.com/1", "https://www.who.int/x", "file:///docs/who.md"]})
    results = await run_search_node(provider, question="q", query="q", domains=["who.int"])
    assert [r.url for r in results] == ["https://www.who.int/x", "file:///docs/who.md"]
    assert provider.calls[0][1].domains == ["who.int"]


async def test_search_node_survives_one_failed_query_but_not_all() -> None:
    provider = QueryProvider({"q": ["https://a.com/1"], "question": SearchError("stub", "down")})
    assert [r.url for r in await run_search_node(provider, question="question", query="q")] == ["https://a.com/1"]
    provider.answers["q"] = SearchError("duckduckgo→searxng", "all search providers failed (…)")
    with pytest.raises(SearchError, match="duckduckgo→searxng"):
        await run_search_node(provider, question="question", query="q")
