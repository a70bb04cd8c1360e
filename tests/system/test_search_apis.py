"""The search APIs with keys through the real app, against their local fakes (testkit/search_apis):
each answers a cited question in English and Chinese; a 429 with Retry-After moves the search to the
next provider and the limited one is not called again until the time passes (a moved clock, no
sleeping), then probed once; the reader is told in the answer and the stream; /metrics counts it
all; keys appear in no log, no /metrics and no error."""

from __future__ import annotations

import logging

import httpx
import pytest

import search.providers.circuit as circuit
from testkit import sse
from testkit.app_server import ServedApp
from testkit.settings import make_settings

QUESTIONS = [
    ("How much did the Aurora Bridge in Veldmark cost?", "420 million", "aurora-bridge"),
    ("青川大桥的总投资是多少？", "56 亿元", "qingchuan-bridge"),
]
NAMES = ["brave", "tavily", "serper", "exa", "google"]


def ask(app: ServedApp, question: str, **body) -> dict:
    response = httpx.post(f"{app.base_url}/v1/answer", json={"question": question, **body}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def stream(app: ServedApp, question: str) -> list[tuple[str, dict]]:
    return sse.stream_answer(app.base_url, question=question)


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(circuit, "monotonic", moved)
    return moved


@pytest.mark.parametrize("name", NAMES)
def test_each_api_answers_a_cited_question_in_both_languages(local_web, megrez, search_apis, name):
    settings = make_settings(local_web, megrez, search_provider=name, **search_apis.settings(name))
    with ServedApp(settings) as app:
        for question, fact, page in QUESTIONS:
            body = ask(app, question)
            assert fact in body["answer"], body["answer"]
            assert local_web.url(page) in [c["url"] for c in body["citations"]]
            assert body["search_provider"] == name and body["search_fallback"] == []
    assert search_apis.requests(name), "the API itself was searched"


def test_filters_from_the_request_reach_the_api(local_web, megrez, search_apis):
    settings = make_settings(local_web, megrez, search_provider="exa", search_country="CN", **search_apis.settings("exa"))
    with ServedApp(settings) as app:
        body = ask(app, "青川大桥的总投资是多少？", domains=["127.0.0.1"], exclude_domains=["spam.example"], recency="year")
    assert "56 亿元" in body["answer"]
    sent = search_apis.requests("exa")[0].body
    assert sent["includeDomains"] == ["127.0.0.1"] and sent["excludeDomains"] == ["spam.example"]
    assert sent["userLocation"] == "CN" and sent["startPublishedDate"].endswith("Z")


def test_perplexitys_domain_filter_over_the_openai_surface_reaches_the_api(local_web, megrez, search_apis):
    import openai

    settings = make_settings(local_web, megrez, search_provider="tavily", **search_apis.settings("tavily"))
    with ServedApp(settings) as app:
        client = openai.OpenAI(base_url=app.base_url + "/v1", api_key="none", max_retries=0, timeout=60)
        reply = client.chat.completions.create(
            model="sonar",
            messages=[{"role": "user", "content": QUESTIONS[0][0]}],
            extra_body={"search_domain_filter": ["127.0.0.1", "-spam.example"]},
        )
    assert QUESTIONS[0][1] in reply.choices[0].message.content
    sent = search_apis.requests("tavily")[0].body
    assert sent["include_domains"] == ["127.0.0.1"] and sent["exclude_domains"] == ["spam.example"]


def test_a_429_moves_on_and_the_limited_provider_waits_out_its_retry_after(local_web, megrez, search_apis, clock):
    settings = make_settings(
        local_web, megrez, search_provider="brave,tavily", search_cache_ttl_s=0, **search_apis.settings("brave", "tavily")
    )
    search_apis.fail("brave", "rate_limited", retry_after=120)
    question, fact, page = QUESTIONS[0]
    with ServedApp(settings) as app:
        first = ask(app, question)
        limited = len(search_apis.requests("brave"))
        assert fact in first["answer"] and local_web.url(page) in [c["url"] for c in first["citations"]]
        assert first["search_provider"] == "tavily"
        assert first["search_fallback"] == [{"provider": "brave", "reason": "rate_limited", "skipped": False}]
        assert limited >= 1

        clock.now += 119  # within Retry-After: Brave is not called at all
        events = stream(app, question)
        assert len(search_apis.requests("brave")) == limited
        told = [data for name, data in events if name == "search_provider"]
        assert told == [{"provider": "tavily", "passed_over": [{"provider": "brave", "reason": "rate_limited", "skipped": True}], "round": 1}]
        done = events[-1][1]
        assert done["search_provider"] == "tavily" and done["search_fallback"][0]["provider"] == "brave"

        metrics = httpx.get(f"{app.base_url}/metrics").text
        assert 'websearch_search_provider_circuit_open{provider="brave"} 1.0' in metrics
        assert 'websearch_search_provider_circuit_open{provider="tavily"} 0.0' in metrics
        assert f'websearch_search_provider_failures_total{{provider="brave",reason="rate_limited"}} {float(limited)}' in metrics
        assert 'websearch_search_provider_skipped_total{provider="brave"}' in metrics

        search_apis.recover("brave")
        clock.now += 2  # the time is up: one probe, it answers, Brave leads again
        third = ask(app, question)
        assert len(search_apis.requests("brave")) == limited + 1
        assert third["search_provider"] == "brave" and third["search_fallback"] == []
        assert fact in third["answer"]
        metrics = httpx.get(f"{app.base_url}/metrics").text
        assert 'websearch_search_provider_circuit_open{provider="brave"} 0.0' in metrics


def test_every_provider_rate_limiting_is_a_503_that_says_when_to_come_back(local_web, megrez, search_apis, clock):
    settings = make_settings(
        local_web, megrez, search_provider="brave,tavily", search_cache_ttl_s=0, **search_apis.settings("brave", "tavily")
    )
    search_apis.fail("brave", "rate_limited", retry_after=90)
    search_apis.fail("tavily", "rate_limited", retry_after=30)
    with ServedApp(settings) as app:
        first = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTIONS[0][0]}, timeout=60)
        calls = len(search_apis.requests())
        clock.now += 10
        second = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTIONS[0][0]}, timeout=60)
    assert first.status_code == second.status_code == 503
    assert first.json()["error"]["code"] == second.json()["error"]["code"] == "search_rate_limited"
    assert first.headers["Retry-After"] == "30" and second.headers["Retry-After"] == "20"
    assert len(search_apis.requests()) == calls, "neither provider was called while it asked to be left alone"
    assert "brave: skipped for 80s more: rate limited" in second.json()["error"]["message"]


def test_the_default_chain_puts_a_keyed_api_first_then_searxng_then_duckduckgo(local_web, megrez, search_apis):
    settings = make_settings(local_web, megrez, search_provider="auto", **search_apis.settings("serper"))
    with ServedApp(settings) as app:
        assert app.app.state.engine.deps.provider.name == "serper→searxng→duckduckgo"
        search_apis.fail("serper", "quota")
        body = ask(app, QUESTIONS[1][0])
    assert body["search_provider"] == "searxng"
    assert body["search_fallback"] == [{"provider": "serper", "reason": "rate_limited", "skipped": False}]
    assert "56 亿元" in body["answer"]


def test_keys_appear_in_no_log_no_metrics_and_no_error(local_web, megrez, search_apis, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    wrong = {"brave_api_key": "BSAwrong0brave0key0000000000000", "google_api_key": "AIzaWrongGoogleKey00000000000000000000"}
    settings = make_settings(
        local_web,
        megrez,
        search_provider="brave,google,tavily",
        search_cache_ttl_s=0,
        log_level="DEBUG",
        **{**search_apis.settings("brave", "google", "tavily"), **wrong},
    )
    search_apis.fail("tavily", "server_error")
    with ServedApp(settings) as app:
        refused = httpx.post(f"{app.base_url}/v1/answer", json={"question": QUESTIONS[0][0]}, timeout=60)
        metrics = httpx.get(f"{app.base_url}/metrics").text
    assert refused.status_code == 503
    message = refused.json()["error"]["message"]
    assert "WEBSEARCH_BRAVE_API_KEY" in message and "WEBSEARCH_GOOGLE_API_KEY" in message
    # the wrong keys were sent (the fakes saw them) …
    assert search_apis.requests("google")[0].params["key"] == wrong["google_api_key"]
    # … and are nowhere a person or a scraper can read
    out, err = capfd.readouterr()
    logged = "\n".join(r.getMessage() for r in caplog.records) + out + err
    assert "customsearch/v1?key=***" in logged  # httpx logged Google's URL: with the key masked
    for key in [*wrong.values(), search_apis.keys["tavily"]]:
        for where, text in (("503", refused.text), ("/metrics", metrics), ("logs", logged)):
            assert key not in text, f"a key in the {where}"
