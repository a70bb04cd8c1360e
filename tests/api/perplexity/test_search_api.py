"""Perplexity's Search API (`client.search.create`), driven by the official `perplexityai` SDK: ranked
results whose snippets are the pages' best passages as the service's own reader and ranker found them."""

from __future__ import annotations

import perplexity
import pytest

from testkit.clients import sonar_client as client
from core.tokens import count_tokens


def test_a_query_gets_the_pages_best_passages_as_snippets(app, local_web):
    search = client(app).search.create(query="How much did the Aurora Bridge cost?", max_results=3)
    assert search.id and 1 <= len(search.results) <= 3
    top = search.results[0]
    assert "aurora-bridge" in top.url and top.title
    # the evidence from the page itself, not the engine's one-line description
    description = local_web.pages["aurora-bridge"].description
    assert "420 million euros" in top.snippet and top.snippet != description
    assert top.date == "2021-05-15" and top.last_updated == top.date


def test_max_tokens_per_page_bounds_each_snippet(app):
    short = client(app).search.create(query="Aurora Bridge Veldmark cost", max_tokens_per_page=40)
    assert short.results and all(count_tokens(r.snippet) <= 40 for r in short.results if r.snippet)


def test_search_context_size_sizes_the_snippets_when_no_budget_is_given(app):
    low = client(app).search.create(query="Aurora Bridge Veldmark cost", search_context_size="low")
    high = client(app).search.create(query="Aurora Bridge Veldmark cost", search_context_size="high")
    assert all(count_tokens(r.snippet) <= 256 for r in low.results)
    assert sum(count_tokens(r.snippet) for r in high.results) > sum(count_tokens(r.snippet) for r in low.results)


def test_a_list_of_queries_comes_back_in_one_list(app):
    search = client(app, "/v1").search.create(query=["Aurora Bridge cost", "青川大桥 总投资"], max_results=2)
    urls = [r.url for r in search.results]  # each query's results in turn, as the SDK types them
    assert len(urls) == len(set(urls)) and "aurora" in urls[0]
    chinese = next(r for r in search.results if "qingchuan-bridge" in r.url)
    assert "亿元" in chinese.snippet


async def test_async_client_chinese_query_with_filters(app):
    async with perplexity.AsyncPerplexity(base_url=app.base_url, api_key="unused", max_retries=0, timeout=60) as pplx:
        search = await pplx.search.create(
            query="青川大桥 总投资", search_after_date_filter="1/1/2022", search_language_filter=["zh"], max_results=5
        )
    assert search.results and all(r.date >= "2022-01-01" for r in search.results)
    assert all("qingchuan" in r.url for r in search.results)


def test_domain_deny_and_date_window_apply(app):
    denied = client(app).search.create(query="Aurora Bridge cost", search_domain_filter=["-127.0.0.1"])
    assert denied.results == []
    old = client(app).search.create(query="Aurora Bridge cost", search_before_date_filter="1/1/2022")
    assert old.results and all(r.date < "2022-01-01" for r in old.results)


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"query": ""}, "query"),
        ({"query": [f"q{i}" for i in range(6)]}, "1 to 5"),
        ({"query": "x", "max_results": 21}, "max_results"),
        ({"query": "x", "max_results": 0}, "max_results"),
        ({"query": "x", "last_updated_after_filter": "yesterday"}, "%m/%d/%Y"),
        ({"query": "x", "search_domain_filter": ["not a domain"]}, "domain"),
    ],
)
def test_bad_values_are_400s_in_perplexitys_shape(app, fields, words):
    with pytest.raises(perplexity.BadRequestError) as caught:
        client(app).search.create(**fields)
    error = caught.value.body["error"]
    assert error["code"] == 400 and words in error["message"]


def test_unknown_fields_are_ignored(app):
    search = client(app).search.create(query="Aurora Bridge cost", extra_body={"country": "US", "future_field": 1})
    assert search.results
