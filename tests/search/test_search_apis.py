"""The search APIs with keys (Brave, Tavily, Serper, Exa, Google Programmable Search) against their
local fakes (testkit/search_apis): the auth header each sends, the filters in the API's own fields,
results mapped, and each API's failures (429 and how long, a spent quota, a refused key, an outage)
as the errors the chain and the circuits act on, never with the key in them."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from search.models import SearchOptions
from search.providers import BraveProvider, ExaProvider, GoogleProvider, SerperProvider, TavilyProvider
from search.providers.base import RateLimited, SearchError
from search.providers.http_api import QUOTA_WAIT_S, KeyRefused, retry_after
from testkit.search_apis import SearchAPIs
from testkit.search_apis.google import CX

NAMES = ["brave", "tavily", "serper", "exa", "google"]
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def fakes(web):
    with SearchAPIs(web) as served:
        yield served


@pytest.fixture
def apis(fakes):
    fakes.clear()
    yield fakes
    fakes.clear()


def provider(name: str, apis: SearchAPIs, client: httpx.AsyncClient, key: str | None = None):
    key = key or apis.keys[name]
    url = apis.url(name)
    if name == "brave":
        return BraveProvider(key, client, url=url)
    if name == "tavily":
        return TavilyProvider(key, client, url=url)
    if name == "serper":
        return SerperProvider(key, client, url=url)
    if name == "exa":
        return ExaProvider(key, client, url=url, now=lambda: NOW)
    return GoogleProvider(key, CX, client, url=url)


def auth_of(name: str, request) -> str:
    """The key as the call carried it, where each API wants it."""
    if name == "brave":
        return request.headers["x-subscription-token"]
    if name == "tavily":
        return request.headers["authorization"].removeprefix("Bearer ")
    if name == "serper":
        return request.headers["x-api-key"]
    if name == "exa":
        return request.headers["x-api-key"]
    return request.params["key"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "query, language, page", [("Aurora Bridge Veldmark cost", "en", "aurora-bridge"), ("青川大桥 通车", "zh", "qingchuan-bridge")]
)
async def test_each_api_answers_with_the_local_webs_pages(web, apis, client, name, query, language, page):
    results = await provider(name, apis, client).search(query, SearchOptions(language=language, max_results=5))
    assert results and results[0].url == web.url(page)
    assert all(r.provider == name and r.title and r.snippet for r in results)
    (request,) = apis.requests(name)
    assert auth_of(name, request) == apis.keys[name]


# Each API's own fields for: only 127.0.0.1, never example.com, the past week, in the US, in Chinese.
EXPECTED = {
    "brave": lambda r: r.params["q"] == "青川大桥 site:127.0.0.1 -site:example.com"
    and r.params["freshness"] == "pw"
    and r.params["country"] == "US"
    and r.params["search_lang"] == "zh-hans"
    and r.params["count"] == "5",
    "tavily": lambda r: r.body["query"] == "青川大桥"
    and r.body["include_domains"] == ["127.0.0.1"]
    and r.body["exclude_domains"] == ["example.com"]
    and r.body["time_range"] == "week"
    and r.body["country"] == "united states"
    and r.body["max_results"] == 5,
    "serper": lambda r: r.body["q"] == "青川大桥 site:127.0.0.1 -site:example.com"
    and r.body["tbs"] == "qdr:w"
    and r.body["gl"] == "us"
    and r.body["hl"] == "zh-cn",
    "exa": lambda r: r.body["query"] == "青川大桥"
    and r.body["includeDomains"] == ["127.0.0.1"]
    and r.body["excludeDomains"] == ["example.com"]
    and r.body["startPublishedDate"] == "2026-11-29T12:00:00.000Z"
    and r.body["userLocation"] == "US"
    and r.body["numResults"] == 5,
    "google": lambda r: r.params["siteSearch"] == "127.0.0.1"
    and r.params["siteSearchFilter"] == "i"
    and r.params["q"] == "青川大桥 -site:example.com"
    and r.params["dateRestrict"] == "w1"
    and r.params["gl"] == "us"
    and r.params["lr"] == "lang_zh-CN"
    and r.params["num"] == "5",
}


@pytest.mark.parametrize("name", NAMES)
async def test_filters_reach_each_apis_own_fields(web, apis, client, name):
    options = SearchOptions(
        max_results=5, language="zh", domains=["127.0.0.1"], exclude_domains=["example.com"], recency="week", country="US"
    )
    results = await provider(name, apis, client).search("青川大桥", options)
    (request,) = apis.requests(name)
    assert EXPECTED[name](request), (request.params, request.body)
    assert results and all(r.url.startswith(web.base_url) for r in results)


@pytest.mark.parametrize("name", NAMES)
async def test_an_excluded_site_is_dropped_even_when_the_api_returns_it(web, apis, client, name):
    web.extra_results = [{"url": "https://spam.example/aurora", "title": "Aurora Bridge spam", "content": "Aurora"}]
    try:
        results = await provider(name, apis, client).search(
            "Aurora Bridge", SearchOptions(exclude_domains=["spam.example"], max_results=10)
        )
    finally:
        web.extra_results = []
    assert results and not any("spam.example" in r.url for r in results)


@pytest.mark.parametrize("name", NAMES)
async def test_a_429_is_a_rate_limit_for_as_long_as_the_api_said(apis, client, name):
    apis.fail(name, "rate_limited", retry_after=42)
    with pytest.raises(RateLimited) as caught:
        await provider(name, apis, client).search("Aurora Bridge", SearchOptions())
    # Brave says it in X-RateLimit-Reset, the others in Retry-After
    assert caught.value.retry_after_s == 42
    assert caught.value.opens_circuit and not caught.value.retryable  # the chain moves on, not waits
    assert "429" in caught.value.message and apis.keys[name] not in caught.value.message


@pytest.mark.parametrize("name", ["tavily", "exa", "serper"])
async def test_a_spent_quota_is_a_rate_limit_for_an_hour(apis, client, name):
    apis.fail(name, "quota")
    with pytest.raises(RateLimited) as caught:
        await provider(name, apis, client).search("Aurora Bridge", SearchOptions())
    assert caught.value.retry_after_s == QUOTA_WAIT_S
    assert "quota or plan limit" in caught.value.message


async def test_braves_spent_monthly_quota_waits_for_its_window(apis, client):
    apis.fail("brave", "quota", retry_after=86_400)  # the per-second window is fine, the month is spent
    with pytest.raises(RateLimited) as caught:
        await provider("brave", apis, client).search("Aurora Bridge", SearchOptions())
    assert caught.value.retry_after_s == 86_400


@pytest.mark.parametrize("name", NAMES)
async def test_a_refused_key_names_the_setting_and_never_the_key(apis, client, name):
    wrong = f"wrong-{name}-key-123456"
    with pytest.raises(KeyRefused) as caught:
        await provider(name, apis, client, key=wrong).search("Aurora Bridge", SearchOptions())
    message = caught.value.message
    assert f"WEBSEARCH_{name.upper()}_API_KEY" in message and "refused" in message
    assert wrong not in message and apis.keys[name] not in message
    assert caught.value.opens_circuit


@pytest.mark.parametrize("name", NAMES)
async def test_an_outage_or_an_unreachable_api_is_a_search_error(apis, client, name):
    apis.fail(name, "server_error")
    with pytest.raises(SearchError) as caught:
        await provider(name, apis, client).search("Aurora Bridge", SearchOptions())
    assert "HTTP 500" in caught.value.message and not isinstance(caught.value, RateLimited)
    gone = provider(name, apis, client)
    gone.url = "http://127.0.0.1:9/search"
    with pytest.raises(SearchError, match="cannot reach http://127.0.0.1:9/search"):
        await gone.search("Aurora Bridge", SearchOptions())


async def test_the_fakes_refuse_what_the_apis_refuse(apis, client):
    """The fakes check fields as the APIs do, so a wrong mapping fails here, not in production."""
    brave = await client.get(apis.url("brave"), params={"q": "x", "count": "50"}, headers={"X-Subscription-Token": apis.keys["brave"]})
    assert brave.status_code == 422 and brave.json()["type"] == "ErrorResponse"
    tavily = await client.post(apis.url("tavily"), json={"query": "x", "time_range": "fortnight"},
                               headers={"Authorization": f"Bearer {apis.keys['tavily']}"})
    assert tavily.status_code == 400 and "error" in tavily.json()["detail"]
    google = await client.get(apis.url("google"), params={"key": apis.keys["google"], "cx": CX, "q": "x", "num": "11"})
    assert google.status_code == 400 and google.json()["error"]["status"] == "INVALID_ARGUMENT"
    exa = await client.post(apis.url("exa"), json={"numResults": 3}, headers={"x-api-key": apis.keys["exa"]})
    assert exa.status_code == 400 and exa.json()["tag"] == "INVALID_REQUEST_BODY"
    serper = await client.post(apis.url("serper"), json={"q": "x"}, headers={"X-API-KEY": "nope"})
    assert serper.status_code == 403 and serper.json() == {"message": "Unauthorized.", "statusCode": 403}


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after({"retry-after": "120"}) == 120
    assert retry_after({"retry-after": "Sun, 06 Dec 2026 12:01:00 GMT"}, now=lambda: NOW.timestamp()) == 60
    assert retry_after({"retry-after": "soon"}) is None and retry_after({}) is None
