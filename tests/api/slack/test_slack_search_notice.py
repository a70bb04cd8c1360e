"""Slack tells the reader when a fallback search provider answered: a short context line between
the answer and its sources, in the question's language (Slack's Web API fake, the real app,
DuckDuckGo rate limiting through the real ddgs exception, Brave's local fake answering)."""

from __future__ import annotations

import pytest
from ddgs.exceptions import RatelimitException

from api.slack.bot import fallback_notice
from agent.state import AgentOutput
from search.models import PassedOver
from search.providers import PROVIDERS
from testkit.app_server import ServedApp
from testkit.slack_api import BOT_USER_ID
from testkit.slack_events import all_text, answered, event_body, send, slack_settings
from testkit.offline_ddgs import DownDDGS, offline_duckduckgo


@pytest.fixture
def fallback_bot(local_web, megrez, slack, search_apis, monkeypatch):
    monkeypatch.setattr(DownDDGS, "calls", [])
    monkeypatch.setattr(DownDDGS, "error", RatelimitException("202 Ratelimit"))
    monkeypatch.setitem(PROVIDERS, "duckduckgo", offline_duckduckgo)
    settings = slack_settings(
        local_web, megrez, slack, search_provider="duckduckgo,brave", search_retries=0, **search_apis.settings("brave")
    )
    with ServedApp(settings) as app:
        yield app


@pytest.mark.parametrize(
    "question, fact, notice",
    [
        ("How much did the Aurora Bridge in Veldmark cost?", "420 million", "DuckDuckGo is rate-limiting; searched with Brave"),
        ("青川大桥的总投资是多少？", "56 亿元", "DuckDuckGo 正在限流；已改用 Brave 搜索"),
    ],
)
def test_a_fallback_answer_says_which_provider_searched(fallback_bot, slack, question, fact, notice):
    body = event_body(f"<@{BOT_USER_ID}> {question}")
    assert send(fallback_bot, body).status_code == 200
    (reply,) = answered(slack, body)
    assert fact in reply["blocks"][0]["text"]["text"]
    contexts = [b for b in reply["blocks"] if b["type"] == "context"]
    assert contexts[0]["elements"][0]["text"] == f":information_source: _{notice}_"
    assert "Sources" in contexts[1]["elements"][0]["text"] or "来源" in contexts[1]["elements"][0]["text"]
    assert notice in all_text(reply)
    assert DownDDGS.calls, "DuckDuckGo was asked first"


def test_no_notice_when_the_first_provider_answered_or_only_a_skipped_one_is_named():
    plain = AgentOutput(conversation_id="c", search_provider="searxng")
    assert fallback_notice(plain, "en") is None
    several = AgentOutput(
        conversation_id="c",
        search_provider="local",
        search_fallback=[PassedOver(provider="brave", reason="rate_limited", skipped=True), PassedOver(provider="searxng", reason="failed")],
    )
    assert fallback_notice(several, "en") == "Brave is rate-limiting, SearXNG is unavailable; searched with the local index"
    assert fallback_notice(several, "zh") == "Brave 正在限流，SearXNG 暂时不可用；已改用 本地索引 搜索"
