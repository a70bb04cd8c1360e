"""Search that survives the web, end to end through the real app: a fallback chain past a failing
DuckDuckGo, a clear 503 when every provider is down, the search cache, two queries merged, the
domains filter, and the local index answering from a team's own files.

DuckDuckGo never reaches the internet here: `ddgs.DDGS` is replaced inside the provider module by a
stand-in that raises the real ddgs exceptions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

from search.providers import PROVIDERS
from search.index import build_index
from testkit.settings import make_settings
from testkit.app_server import ServedApp
from testkit.documents import write_corpus
from testkit.offline_ddgs import DownDDGS, offline_duckduckgo

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"


def ask(app: ServedApp, **body: Any) -> httpx.Response:
    return httpx.post(f"{app.base_url}/v1/answer", json=body, timeout=60)


def search_paths(web) -> list[str]:
    return [path for path in list(web.requests) if path.startswith("/search")]


SERVICE_DUCKDUCKGO = PROVIDERS["duckduckgo"]  # the registry's own, before a test swaps it


@pytest.fixture(autouse=True)
def ddgs_offline(monkeypatch) -> type[DownDDGS]:
    monkeypatch.setattr(DownDDGS, "calls", [])
    monkeypatch.setitem(PROVIDERS, "duckduckgo", offline_duckduckgo)
    return DownDDGS


@pytest.fixture
def web(local_web):
    yield local_web
    local_web.search_status = None
    local_web.extra_results = []


def chain_settings(web, megrez, **overrides):
    values = dict(
        search_provider="duckduckgo,searxng", search_retries=2, search_backoff_s=0.01, search_backoff_max_s=0.05
    )
    values.update(overrides)
    return make_settings(web, megrez, **values)


@pytest.mark.parametrize(
    "error",
    [
        RatelimitException("202 Ratelimit"),
        DDGSException("No results found."),
        TimeoutException("timed out"),
        OSError("down"),
    ],
    ids=["ratelimit", "ratelimit-as-no-results", "timeout", "outage"],
)
def test_duckduckgo_failing_falls_back_to_searxng(web, megrez, ddgs_offline, error):
    ddgs_offline.error = error
    before = len(search_paths(web))
    with ServedApp(chain_settings(web, megrez)) as app:
        response = ask(app, question=QUESTION)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "420 million" in body["answer"]
    assert any(c["url"] == web.url("aurora-bridge") for c in body["citations"])
    assert ddgs_offline.calls, "DuckDuckGo was asked first"
    if not isinstance(error, (TimeoutException, OSError)):  # rate limits (however ddgs words them) are retried
        assert len(ddgs_offline.calls) == 3 * len(set(ddgs_offline.calls))  # retried twice per query
    assert len(search_paths(web)) > before  # then SearXNG answered


def test_the_services_own_duckduckgo_searches_in_a_worker_and_falls_back_when_it_cannot(
    web, megrez, monkeypatch, caplog
):
    """No stand-in: the real ddgs runs in a parse worker, finds no internet here, and SearXNG answers."""
    monkeypatch.setitem(PROVIDERS, "duckduckgo", SERVICE_DUCKDUCKGO)
    caplog.set_level("INFO", logger="websearch.search")
    before = len(search_paths(web))
    with ServedApp(chain_settings(web, megrez, search_retries=0)) as app:
        response = ask(app, question=QUESTION)
    assert response.status_code == 200, response.text
    assert any(c["url"] == web.url("aurora-bridge") for c in response.json()["citations"])
    assert len(search_paths(web)) > before  # SearXNG answered after DuckDuckGo failed
    # ddgs itself failed, in the worker (no internet): not a stand-in, not a crash of the worker
    fell_back = [r.getMessage() for r in caplog.records if "fell back to searxng" in r.getMessage()]
    assert fell_back and all("duckduckgo: search failed" in m for m in fell_back), fell_back


def test_every_provider_down_is_a_503_naming_each(web, megrez, ddgs_offline):
    ddgs_offline.error = RatelimitException("202 Ratelimit")
    web.search_status = 500
    with ServedApp(chain_settings(web, megrez)) as app:
        response = ask(app, question=QUESTION)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "search_unavailable"
    assert "duckduckgo→searxng" in error["message"]
    assert "duckduckgo: rate limited" in error["message"]
    assert "searxng: HTTP 500" in error["message"]


def test_every_provider_rate_limited_says_so(web, megrez, ddgs_offline):
    ddgs_offline.error = RatelimitException("202 Ratelimit")
    web.search_status = 429
    with ServedApp(chain_settings(web, megrez)) as app:
        response = ask(app, question=QUESTION)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "search_rate_limited"
    assert "duckduckgo" in error["message"] and "searxng" in error["message"]


def test_a_cached_search_makes_no_second_request(web, megrez):
    with ServedApp(make_settings(web, megrez)) as app:
        before = len(search_paths(web))
        first = ask(app, question=QUESTION).json()
        middle = len(search_paths(web))
        second = ask(app, question=QUESTION).json()
        after = len(search_paths(web))
    assert middle > before
    assert after == middle, "the second question was answered from cached search results"
    assert second["answer"] == first["answer"] and "420 million" in second["answer"]


def test_the_question_as_typed_is_searched_too_and_results_merge(web, megrez):
    question = "Can you tell me how much the Aurora Bridge in Veldmark cost?"
    tracked = web.url("aurora-bridge") + "?utm_source=feed&utm_medium=rss#comments"
    web.extra_results = [{"url": tracked, "title": "Aurora Bridge (feed)", "content": "The Aurora Bridge, again."}]
    web.clear_requests()
    with ServedApp(make_settings(web, megrez)) as app:
        response = ask(app, question=question)
    assert response.status_code == 200, response.text
    body = response.json()
    sent = sorted(httpx.URL(path).params["q"] for path in search_paths(web))
    assert sent == sorted([body["queries"][0], question]) and body["queries"][0] != question
    assert "420 million" in body["answer"]
    urls = [s["url"] for s in body["sources"]]
    assert len(urls) == len(set(urls))
    assert not any("utm_" in url for url in urls)
    assert not any("utm_" in path for path in web.requests), "the duplicate was never fetched"


def test_domains_keep_only_the_requested_site(web, megrez):
    # The same page under another name for the host (localhost): only it is on the requested site.
    port = web.host_port.rsplit(":", 1)[1]
    elsewhere = f"http://localhost:{port}/pages/aurora-bridge.html"
    web.extra_results = [{"url": elsewhere, "title": "Aurora Bridge opens to traffic", "content": "Veldmark."}]
    web.clear_requests()
    settings = make_settings(web, megrez, fetch_allow_hosts=[web.host_port, f"localhost:{port}"])
    with ServedApp(settings) as app:
        response = ask(app, question=QUESTION, domains=["localhost"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert {s["url"] for s in body["sources"]} == {elsewhere}
    assert [c["url"] for c in body["citations"]] == [elsewhere]
    assert "420 million" in body["answer"]
    assert all("site:localhost" in httpx.URL(path).params["q"] for path in search_paths(web))


@pytest.fixture
def local_index(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    files = write_corpus(tmp_path / "docs")
    build_index(tmp_path / "docs", tmp_path / "index")
    return tmp_path / "index", files


def test_local_index_answers_with_the_file_cited(web, megrez, local_index):
    index_dir, files = local_index
    before = len(search_paths(web))
    settings = make_settings(web, megrez, search_provider="local", local_index=str(index_dir))
    with ServedApp(settings) as app:
        english = ask(app, question="How tall is the Ostrava Lighthouse?")
        chinese = ask(app, question="银杏水库的总库容是多少？")
    assert english.status_code == 200, english.text
    body = english.json()
    pdf = "/documents/lighthouse.pdf"  # served by the app (tests/api/rest/test_documents.py)
    assert "48 metres" in body["answer"]
    assert [c["url"] for c in body["citations"]] == [pdf]
    assert body["citations"][0]["title"] == "Ostrava Lighthouse fact sheet"
    assert f"[{body['citations'][0]['index']}]" in body["answer"]

    assert chinese.status_code == 200, chinese.text
    zh = chinese.json()
    assert "3.2 亿立方米" in zh["answer"]
    assert "/documents/handbook/%E9%93%B6%E6%9D%8F%E6%B0%B4%E5%BA%93.md" in [c["url"] for c in zh["citations"]]
    assert len(search_paths(web)) == before, "the web was not searched"


def test_local_provider_without_an_index_is_a_503(web, megrez, tmp_path):
    settings = make_settings(web, megrez, search_provider="local", local_index=str(tmp_path / "none"))
    with ServedApp(settings) as app:
        response = ask(app, question=QUESTION)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "search_unavailable"
    assert "local" in error["message"] and "websearch index" in error["message"]
