"""The web chat tells the reader when a fallback search provider answered (real Chromium, the real
app, DuckDuckGo rate limiting through the real ddgs exception, Brave's local fake answering)."""

from __future__ import annotations

import pytest
from ddgs.exceptions import RatelimitException

from search.providers import PROVIDERS
from testkit.app_server import ServedApp
from testkit.settings import make_settings
from testkit.browser import ask, expect, wait_answered
from testkit.offline_ddgs import DownDDGS, offline_duckduckgo

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"

NOTICE = {
    "en-US": "DuckDuckGo is rate-limiting; searched with Brave",
    "zh-CN": "DuckDuckGo 正在限流；已改用 Brave 搜索",
}


@pytest.fixture
def fallback_app(local_web, megrez, search_apis, monkeypatch):
    monkeypatch.setattr(DownDDGS, "calls", [])
    monkeypatch.setattr(DownDDGS, "error", RatelimitException("202 Ratelimit"))
    monkeypatch.setitem(PROVIDERS, "duckduckgo", offline_duckduckgo)
    settings = make_settings(
        local_web, megrez, search_provider="duckduckgo,brave", search_retries=0, **search_apis.settings("brave")
    )
    with ServedApp(settings) as app:
        yield app


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_fallback_answer_carries_a_short_notice(fallback_app, open_page, locale):
    page = open_page(f"{fallback_app.base_url}/", locale=locale)
    ask(page, QUESTION)
    turn = page.locator(".turn").nth(0)
    wait_answered(turn)
    expect(turn.locator(".provider-notice")).to_have_text(NOTICE[locale])
    expect(turn.locator(".answer")).to_contain_text("420 million")
    assert DownDDGS.calls, "DuckDuckGo was asked first"


def test_no_notice_when_the_first_provider_answers(app, open_page):
    page = open_page(f"{app.base_url}/")
    ask(page, QUESTION)
    turn = page.locator(".turn").nth(0)
    wait_answered(turn)
    expect(turn.locator(".answer")).to_contain_text("420 million")
    expect(turn.locator(".provider-notice")).to_have_count(0)
