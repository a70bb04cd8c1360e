from __future__ import annotations

import time

import httpx
import pytest

from search.fetch import Fetcher
from tests.fixtures.web import LocalWeb


async def test_fetches_an_allowed_local_page(fetcher: Fetcher, web: LocalWeb) -> None:
    got = await fetcher.fetch(web.url("aurora-bridge"))
    assert got.ok, got.error
    assert got.status == 200
    assert got.content_type == "text/html"
    assert got.charset == "utf-8"
    assert b"420 million euros" in got.body
    assert web.requests  # it really went over HTTP


async def test_sends_the_configured_user_agent(client: httpx.AsyncClient, web: LocalWeb) -> None:
    seen: list[str] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request.headers["user-agent"])

    client.event_hooks["request"].append(record)
    fetcher = Fetcher(client, allow_hosts=[web.host_port], user_agent="megrez-websearch-test/1")
    await fetcher.fetch(web.url("larkspur-observatory"))
    assert seen == ["megrez-websearch-test/1"]


async def test_loopback_refused_without_allow_list(client: httpx.AsyncClient, web: LocalWeb) -> None:
    web.clear_requests()
    got = await Fetcher(client, allow_hosts=[]).fetch(web.url("aurora-bridge"))
    assert got.error and "refused" in got.error and "127.0.0.1" in got.error
    assert got.body == b""
    assert not web.requests, "a refused URL must not be requested at all"


async def test_allow_list_is_per_port(client: httpx.AsyncClient, web: LocalWeb) -> None:
    got = await Fetcher(client, allow_hosts=["127.0.0.1:1"]).fetch(web.url("aurora-bridge"))
    assert got.error and "refused" in got.error


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/file.txt",
        "http://10.1.2.3/admin",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]:8080/",
        "http://[::ffff:192.168.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://localhost/",
    ],
)
async def test_private_and_odd_urls_refused(client: httpx.AsyncClient, url: str) -> None:
    started = time.monotonic()
    got = await Fetcher(client, timeout_s=2).fetch(url)
    assert got.error and "refused" in got.error
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("route", "words"),
    [
        ("/redirect-loop", "redirects"),
        ("/redirect-private", "10.0.0.1"),
        ("/slow", "timed out"),
        ("/binary", "binary"),
        ("/404", "HTTP 404"),
        ("/500", "HTTP 500"),
        ("/empty", "empty"),
        ("/image", "content type image/png"),
    ],
)
async def test_bad_pages_return_errors_quickly(
    client: httpx.AsyncClient, web: LocalWeb, route: str, words: str
) -> None:
    fetcher = Fetcher(client, allow_hosts=[web.host_port], timeout_s=1.0)
    started = time.monotonic()
    got = await fetcher.fetch(web.url(route))
    assert got.error and words in got.error
    assert got.body == b""
    assert time.monotonic() - started < 1.8


async def test_redirects_followed_and_rechecked(fetcher: Fetcher, web: LocalWeb) -> None:
    got = await fetcher.fetch(web.url("/redirect?to=qingchuan-bridge"))
    assert got.ok, got.error
    assert got.final_url == web.url("qingchuan-bridge")
    assert "总投资 56 亿元".encode() in got.body


async def test_huge_body_capped(client: httpx.AsyncClient, web: LocalWeb) -> None:
    fetcher = Fetcher(client, allow_hosts=[web.host_port], timeout_s=5, max_bytes=200_000)
    started = time.monotonic()
    got = await fetcher.fetch(web.url("/huge"))
    assert got.truncated
    assert 0 < len(got.body) <= 200_000
    assert time.monotonic() - started < 2, "must stop reading at the cap, not download 50 MB"


async def test_unresolvable_host_is_an_error_not_an_exception(client: httpx.AsyncClient) -> None:
    got = await Fetcher(client, timeout_s=2).fetch("http://no-such-host.invalid/")
    assert got.error


async def test_malformed_url_is_an_error(client: httpx.AsyncClient) -> None:
    got = await Fetcher(client).fetch("http://[not-an-ip/")
    assert got.error


async def test_at_most_per_host_requests_in_flight(client: httpx.AsyncClient, web: LocalWeb) -> None:
    import asyncio

    fetcher = Fetcher(client, allow_hosts=[web.host_port], timeout_s=0.5, per_host=2)
    started = time.monotonic()
    pages = await asyncio.gather(*(fetcher.fetch(web.url(f"/slow?s=2&i={i}")) for i in range(4)))
    elapsed = time.monotonic() - started
    assert all(p.error and "timed out" in p.error for p in pages)
    assert 0.95 < elapsed < 1.6, "two waves of two, each cut at 0.5 s"
    assert not fetcher._host_slots, "idle hosts are forgotten"
