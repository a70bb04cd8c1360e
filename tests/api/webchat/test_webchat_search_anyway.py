"""The web chat's "answered without searching — search?": one click asks again, searching (real Chromium)."""

from __future__ import annotations

import httpx

from testkit.browser import ANSWER_TIMEOUT_MS, ask, conversation_id, expect, wait_answered


def test_a_direct_answer_offers_a_search_in_one_click(app, local_web, open_page):
    page = open_page(f"{app.base_url}/")
    ask(page, "Hello there!")
    first = page.locator(".turn").nth(0)
    wait_answered(first)
    step = first.locator(".step")
    expect(step).to_have_count(1)
    expect(step).to_have_text("Answered without searching — search?")
    searches_before = sum(1 for path in list(local_web.requests) if path.startswith("/search"))

    first.locator("button.search-anyway").click()
    second = page.locator(".turn").nth(1)
    expect(second.locator(".question")).to_have_text("Hello there!")
    wait_answered(second)
    expect(second.locator(".step").nth(1)).to_contain_text("Searched for “", timeout=ANSWER_TIMEOUT_MS)
    expect(second.locator("button.search-anyway")).to_have_count(0)
    assert sum(1 for path in list(local_web.requests) if path.startswith("/search")) > searches_before

    turns = httpx.get(f"{app.base_url}/v1/conversations/{conversation_id(page)}", timeout=10).json()["turns"]
    assert [t["searched"] for t in turns] == [False, True]  # the same conversation, the second turn searched


def test_the_offer_is_in_chinese_for_a_chinese_browser(app, open_page):
    page = open_page(f"{app.base_url}/", locale="zh-CN")
    ask(page, "你好！")
    first = page.locator(".turn").nth(0)
    wait_answered(first)
    expect(first.locator(".step")).to_have_text("无需搜索，直接回答 — 要搜索吗？")
