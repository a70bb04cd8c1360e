"""The web chat at `/`, used as a person would: in real headless Chromium, against the real app.

The browser is Debian's `chromium` (/usr/bin/chromium) driven by Playwright for Python; Playwright
never downloads a browser here. One browser for the module, a fresh context (profile) per test.
Screenshots go to the test's tmp dir; with WEBSEARCH_WEBCHAT_SCREENSHOTS=1 they are also written
to docs/webchat.png and docs/webchat-phone.png (what the README shows).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import httpx
import pytest

from testkit.browser import ANSWER_TIMEOUT_MS, DOCS, STATIC, ask, conversation_id, expect, sse_body, status, wait_answered
from testkit.settings import make_settings
from testkit.app_server import ServedApp

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
FOLLOW_UP = "And who was the lead engineer?"


def screenshot(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    page.mouse.move(0, 0)  # no hover state in the picture
    page.screenshot(path=str(shot), animations="disabled", caret="hide")
    assert shot.stat().st_size > 10_000
    if os.environ.get("WEBSEARCH_WEBCHAT_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS / name)
    return shot


# ----------------------------------------------------------------------------------------------
# The page itself (no browser needed)
# ----------------------------------------------------------------------------------------------


def modules() -> dict[str, str]:
    """The web chat's own ES modules (not the vendored scripts), by file name."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(STATIC.glob("*.js"))}


IMPORT = re.compile(r"""^import\b[^'"]*['"]([^'"]+)['"];$""", re.M)


def test_the_page_and_its_files_are_served_with_a_strict_policy(app):
    page = httpx.get(f"{app.base_url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    for path, kind in [
        ("static/app.js", "text/javascript"),
        ("static/app.css", "text/css"),
        ("static/vendor/marked.umd.js", "text/javascript"),
        ("static/vendor/purify.min.js", "text/javascript"),
    ]:
        assert f'"{path}"' in page.text  # referenced relative: works behind a path prefix too
        response = httpx.get(f"{app.base_url}/{path}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind), path
        assert response.headers["x-content-type-options"] == "nosniff"
    for bad in ["static/nope.js", "static/%2e%2e/webchat.py", "static/..%2Fapp.py", "static/vendor/LICENSE.marked"]:
        response = httpx.get(f"{app.base_url}/{bad}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", bad


def test_the_script_is_es_modules_each_served_as_javascript_and_each_short(app):
    """app.js is the page's entry module; the modules it imports are fetched beside it (a browser
    runs a module only if it comes as JavaScript, and with nosniff nothing else is guessed)."""
    page = httpx.get(f"{app.base_url}/").text
    assert '<script src="static/app.js" type="module"></script>' in page
    found = modules()
    assert len(found) > 5 and "app.js" in found
    reached, todo = set(), ["app.js"]
    while todo:  # every module app.js reaches, each import a file beside it
        name = todo.pop()
        reached.add(name)
        for target in IMPORT.findall(found[name]):
            assert target.startswith("./") and target[2:] in found, f"{name} imports {target}"
            todo += [target[2:]] if target[2:] not in reached else []
    assert reached | {"claims.js"} == set(found), "a module nothing loads"
    for name, source in found.items():
        response = httpx.get(f"{app.base_url}/static/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript"), name
        assert response.text == source
        assert len(source.splitlines()) <= 600, f"{name}: one job a module"


def test_nothing_is_fetched_from_elsewhere_and_vendored_code_keeps_its_licence():
    for name in ["index.html", "app.css", *modules()]:
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href|import)\s*[=(]?\s*["']?(?:https?:)?//""", text), name
        assert "@import" not in text and "url(http" not in text, name
    assert "marked v" in (STATIC / "vendor" / "marked.umd.js").read_text(encoding="utf-8")[:300]
    assert "@license DOMPurify" in (STATIC / "vendor" / "purify.min.js").read_text(encoding="utf-8")[:300]
    assert (STATIC / "vendor" / "LICENSE.marked").exists() and (STATIC / "vendor" / "LICENSE.dompurify").exists()


def test_every_interface_string_exists_in_english_and_chinese():
    source = (STATIC / "i18n.js").read_text(encoding="utf-8")
    blocks = re.search(r"const I18N = \{\s*en: \{(.*?)\n  \},\s*zh: \{(.*?)\n  \},\n\};", source, re.S)
    assert blocks, "i18n.js keeps the strings in I18N = {en: {...}, zh: {...}}"
    en, zh = (dict(re.findall(r"^\s*(\w+): '(.*)',$", block, re.M)) for block in blocks.groups())
    assert len(en) > 40 and set(en) == set(zh)
    assert all(re.search(r"[\u4e00-\u9fff]", text) for key, text in zh.items() if key != "listSep")
    said = {key for name, text in modules().items() if name != "claims.js" for key in re.findall(r"\bt\('(\w+)'", text)}
    assert len(said) > 30  # the walk found the modules' strings (not vacuous)
    used = said | set(re.findall(r"data-i18n(?:-\w+)*=\"(\w+)\"", (STATIC / "index.html").read_text()))
    assert used <= set(en), used - set(en)


def test_the_page_is_public_when_the_api_needs_a_key(local_web, megrez):
    with ServedApp(make_settings(local_web, megrez, api_keys=["k"])) as served:
        assert httpx.get(f"{served.base_url}/").status_code == 200
        assert httpx.get(f"{served.base_url}/static/app.js").status_code == 200
        assert httpx.post(f"{served.base_url}/v1/answer", json={"question": QUESTION}).status_code == 401


# ----------------------------------------------------------------------------------------------
# In the browser
# ----------------------------------------------------------------------------------------------


def test_ask_follow_up_reload_and_delete(app, local_web, open_page, tmp_path):
    page = open_page(f"{app.base_url}/")
    expect(page.get_by_role("heading", name="What do you want to know?")).to_be_visible()
    expect(page.locator("#history-empty")).to_have_text("Your conversations appear here.")

    ask(page, QUESTION)
    first = page.locator(".turn").nth(0)
    expect(first.locator(".question")).to_have_text(QUESTION)
    expect(first.locator(".answer")).to_contain_text("420 million", timeout=ANSWER_TIMEOUT_MS)
    wait_answered(first)

    # the steps the stream reported, each done
    steps = first.locator(".step")
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_have_text("Deciding whether to search")
    expect(steps.nth(1)).to_contain_text("Searched for “")
    expect(steps.nth(2)).to_have_text(re.compile(r"Reading \d+ sources"))
    expect(steps.nth(3)).to_have_text(re.compile(r"Writing the answer from \d+ sources"))

    # source cards above the answer, and a citation chip that opens the cited page
    aurora = local_web.url("aurora-bridge")
    cards = first.locator(".source-card")
    assert cards.count() >= 1
    card = first.locator(f'.source-card[href="{aurora}"]')
    expect(card).to_have_count(1)
    expect(card.locator(".source-title")).to_contain_text("Aurora Bridge opens to traffic")
    expect(card.locator(".source-domain")).to_have_text("127.0.0.1")
    assert first.locator(".sources").bounding_box()["y"] < first.locator(".answer").bounding_box()["y"]
    chip = first.locator(".answer a.cite").first
    expect(chip).to_have_text("1")
    assert chip.get_attribute("href").split("#:~:")[0] == aurora  # opened at the quote (a text fragment)
    assert chip.get_attribute("target") == "_blank"
    assert "Aurora Bridge opens to traffic" in chip.get_attribute("aria-label")  # its quote is its tooltip (claims.js)
    assert "[1]" not in first.locator(".answer").inner_text()  # markers became chips
    with page.context.expect_page() as opened:
        chip.click()
    assert opened.value.url.split("#")[0] == aurora  # the page, opened at the quote
    opened.value.close()

    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, tmp_path, "webchat.png")

    # copy the answer
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app.base_url)
    first.locator("button.copy").click()
    expect(first.locator("button.copy")).to_contain_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    # the answer as shown, its [1] kept next to the figure, then the sources it cites, [1] first
    answer_part, _, listed = copied.partition("\n\nSources:\n")
    assert re.search(r"420 million[^\n]*\[1\]", answer_part), copied
    assert re.search(rf"^\[1\] [^\n]*Aurora Bridge opens to traffic[^\n]* — {re.escape(aurora)}$", listed, re.M), copied

    # a related question, one click, in the same conversation
    cid = conversation_id(page)
    related = first.locator(".related-chip")
    expect(related).to_have_count(3)
    suggestion = related.first.inner_text().rstrip("+").strip()
    related.first.click()
    second = page.locator(".turn").nth(1)
    expect(second.locator(".question")).to_have_text(suggestion)
    wait_answered(second)
    expect(first.locator(".related")).to_be_hidden()  # only the last answer offers follow-ups

    # a typed follow-up: the model writes the query from the conversation
    expect(page.locator("#question")).to_have_attribute("placeholder", "Ask a follow-up…")
    ask(page, FOLLOW_UP)
    third = page.locator(".turn").nth(2)
    expect(third.locator(".answer")).to_contain_text("Ingrid Solberg", timeout=ANSWER_TIMEOUT_MS)
    wait_answered(third)
    assert conversation_id(page) == cid
    stored = httpx.get(f"{app.base_url}/v1/conversations/{cid}").json()
    assert [t["question"] for t in stored["turns"]] == [QUESTION, suggestion, FOLLOW_UP]

    # the history list keeps id + first question; a reload restores the turns from the store
    entry = page.locator(f'.history-entry[data-id="{cid}"]')
    expect(entry.locator(".history-open")).to_have_text(QUESTION)
    page.reload()
    expect(page.locator(".turn")).to_have_count(3)
    expect(page.locator(".turn .question")).to_have_text([QUESTION, suggestion, FOLLOW_UP])
    restored = page.locator(".turn").nth(0)
    expect(restored.locator(".answer")).to_contain_text("420 million")
    assert restored.locator("a.cite").first.get_attribute("href").split("#:~:")[0] == aurora
    expect(restored.locator(".source-card")).to_have_count(cards.count())

    # a new chat empties the page; the history entry opens the conversation again
    page.locator("#new-chat").click()
    expect(page.locator(".turn")).to_have_count(0)
    expect(page.get_by_role("heading", name="What do you want to know?")).to_be_visible()
    entry.locator(".history-open").click()
    expect(page.locator(".turn")).to_have_count(3)
    expect(page.locator(".turn").nth(2).locator(".answer")).to_contain_text("Ingrid Solberg")

    # delete it: gone from the store, the list and the page
    entry.hover()
    entry.locator(".history-delete").click()
    expect(page.locator(".history-entry")).to_have_count(0)
    expect(page.locator(".turn")).to_have_count(0)
    assert httpx.get(f"{app.base_url}/v1/conversations/{cid}").status_code == 404
    assert page.evaluate("localStorage.getItem('megrez-websearch.conversations')") == "[]"


def test_a_chinese_browser_gets_a_chinese_interface_and_answer(app, open_page):
    page = open_page(f"{app.base_url}/", locale="zh-CN")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    expect(page.get_by_role("heading", name="你想了解什么？")).to_be_visible()
    expect(page.locator("#question")).to_have_attribute("placeholder", "有问题，尽管问…")
    expect(page.locator("#new-chat")).to_have_text("新对话")

    ask(page, "青川大桥的总投资是多少？")
    turn = page.locator(".turn").first
    expect(turn.locator(".answer")).to_contain_text("56 亿元", timeout=ANSWER_TIMEOUT_MS)
    wait_answered(turn)
    expect(turn.locator(".step").first).to_have_text("判断是否需要搜索")
    expect(turn.locator(".step").nth(1)).to_contain_text("已搜索")
    expect(turn.locator(".sources .section-title")).to_have_text("来源")
    expect(turn.locator(".answer-section .section-title")).to_have_text("回答")
    expect(turn.locator("button.copy")).to_have_text("复制")
    assert turn.locator("a.cite").count() >= 1
    # every piece of interface text on the page is Chinese (the brand keeps its name, "API" stays)
    texts = page.evaluate(
        """() => [...document.querySelectorAll('[data-i18n]')].map(e => e.textContent)
             .concat([...document.querySelectorAll('[data-i18n-placeholder]')].map(e => e.placeholder))
             .concat([...document.querySelectorAll('[data-i18n-aria-label]')].map(e => e.getAttribute('aria-label')))"""
    )
    assert texts and all(re.search(r"[\u4e00-\u9fff]", text) for text in texts), texts


def test_a_failing_model_shows_an_error_in_place_and_retry_answers(app, megrez, open_page):
    page = open_page(f"{app.base_url}/")
    megrez.fail_with = 500
    ask(page, QUESTION)
    turn = page.locator(".turn").first
    error = turn.locator(".error")
    expect(error).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(error).to_contain_text("The answer could not be completed")
    expect(error).to_contain_text("The model backend failed to answer.")
    expect(turn.locator(".step.failed")).to_have_text("Deciding whether to search")  # where it stopped
    expect(error.locator(".error-detail")).to_contain_text("model backend")
    expect(turn.locator(".question")).to_have_text(QUESTION)  # the page is still there, not blank
    expect(page.locator("#send")).to_be_visible()

    megrez.fail_with = None
    error.get_by_role("button", name="Try again").click()
    expect(turn.locator(".answer")).to_contain_text("420 million", timeout=ANSWER_TIMEOUT_MS)
    expect(turn.locator(".error")).to_be_hidden()


TYPED_STEPS = {
    "en-US": [
        "Deciding whether to search",
        "Searching for “Aurora Bridge cost”, “Veldmark bridge”",
        "Condensing 3 long pages",
        "Writing the answer from 2 sources",
        "Searching again for “Aurora Bridge engineer”",
        "Reading 4 sources (round 2)",
        "The model took too long to answer.",
    ],
    "zh-CN": [
        "判断是否需要搜索",
        "正在搜索 “Aurora Bridge cost”、“Veldmark bridge”",
        "正在精简 3 个长网页",
        "根据 2 个来源撰写回答",
        "再次搜索 “Aurora Bridge engineer”",
        "正在阅读 4 个来源（第 2 轮）",
        "模型响应超时。",
    ],
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_steps_and_errors_are_worded_from_the_events_typed_fields(app, open_page, locale):
    queries = ["Aurora Bridge cost", "Veldmark bridge"]
    body = sse_body(
        status("deciding"),
        status("searching", queries=queries),
        ("queries", {"queries": queries, "round": 1}),
        status("condensing", pages=3),  # a stage of its own, not a kind of reading
        status("answering", sources=2),
        # the model searched again: the list grows by the new round's steps
        status("searching", queries=["Aurora Bridge engineer"], round=2),
        status("reading", pages=4, round=2),
        # Only the kind says this was slowness: the code is one the page has never heard of.
        ("error", {"kind": "timeout", "code": "upstream_slow", "message": "too slow", "backend": "x", "status": 503}),
    )
    page = open_page(f"{app.base_url}/", locale=locale)
    page.route(
        "**/v1/answer",
        lambda route: route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body),
    )
    ask(page, QUESTION)
    turn = page.locator(".turn").first
    *steps, explained = TYPED_STEPS[locale]
    expect(turn.locator(".error")).to_contain_text(explained)
    expect(turn.locator(".step")).to_have_text(steps)
    expect(turn.locator(".step.failed")).to_have_count(1)  # where it stopped: reading round 2's pages


def test_a_non_200_json_error_is_shown_in_place(app, open_page):
    page = open_page(f"{app.base_url}/")
    # a JSON error body before any event: the part that failed as the server names it (api/errors.py)
    body = {"error": {"code": "search_unavailable", "message": "search provider searxng failed: boom", "part": "search"}}
    page.route("**/v1/answer", lambda route: route.fulfill(status=503, json=body))
    ask(page, QUESTION)
    error = page.locator(".turn .error")
    expect(error).to_contain_text("The search provider could not be reached.")
    expect(error.locator(".error-detail")).to_have_text("search provider searxng failed: boom (search_unavailable)")
    page.unroute("**/v1/answer")
    # a conversation the store no longer has (404 JSON): said in place, and dropped from the list
    page.evaluate(  # one this browser made (only those open from a link), since expired
        "localStorage.setItem('megrez-websearch.conversations',"
        " JSON.stringify([{id: 'no-such-conversation', title: 'gone', at: 1}]))"
    )
    page.evaluate("location.hash = '#c=no-such-conversation'")
    expect(page.locator("#notice")).to_contain_text("no longer stored")
    expect(page.locator(".turn")).to_have_count(0)


def test_stop_ends_a_slow_answer_and_the_model_request(app, megrez, open_page):
    megrez.chunk_delay_s = 0.05
    megrez.chunk_chars = 1
    page = open_page(f"{app.base_url}/")
    ask(page, "Hello there!")
    turn = page.locator(".turn").first
    expect(turn.locator(".answer")).not_to_be_empty(timeout=ANSWER_TIMEOUT_MS)  # the first words are in
    expect(page.locator("#send")).to_be_hidden()
    page.locator("#stop").click()
    assert megrez.wait_for_disconnects(1, timeout=10)
    assert not megrez.streams[-1]["completed"]
    expect(turn.locator(".error")).to_contain_text("Stopped")
    expect(page.locator("#send")).to_be_visible()
    expect(page.locator("#stop")).to_be_hidden()


def test_model_markup_is_sanitized_never_run(app, megrez, open_page):
    megrez.script = [
        "Hi! <img src=x onerror=\"window.__pwned=1\"> <script>window.__pwned=2</script>"
        " [click](javascript:window.__pwned=3) **bold** [ok](https://example.org/)"
    ]
    page = open_page(f"{app.base_url}/")
    ask(page, "Hello there!")
    turn = page.locator(".turn").first
    wait_answered(turn)
    answer = turn.locator(".answer")
    expect(answer.locator("strong")).to_have_text("bold")
    assert answer.locator("img, script, [onerror]").count() == 0
    assert answer.locator("a[href^='javascript']").count() == 0
    assert answer.locator("a[href='https://example.org/']").count() == 0  # not a source: text (issue 17)
    answer.get_by_text("click").first.click(force=True)
    assert page.evaluate("window.__pwned") is None
    expect(answer).to_contain_text("<img")  # shown as text, not markup


def test_a_phone_width_screen_has_no_horizontal_scroll(app, open_page, tmp_path):
    page = open_page(
        f"{app.base_url}/", viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    no_overflow = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_overflow)
    expect(page.locator("#sidebar")).to_be_hidden()  # the history list collapses behind a button
    ask(page, QUESTION)
    turn = page.locator(".turn").first
    wait_answered(turn)
    assert page.evaluate(no_overflow)
    box = turn.locator(".source-cards").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, tmp_path, "webchat-phone.png")

    page.locator("#open-sidebar").click()
    expect(page.locator("#sidebar")).to_be_visible()
    expect(page.locator(".history-open")).to_have_text([QUESTION])
    assert page.evaluate(no_overflow)
    page.locator("#close-sidebar").click()
    expect(page.locator("#sidebar")).to_be_hidden()


def test_with_api_keys_the_page_asks_for_one_then_answers(local_web, megrez, open_page):
    with ServedApp(make_settings(local_web, megrez, api_keys=["k"])) as served:
        page = open_page(f"{served.base_url}/")
        expect(page.locator("#key-panel")).to_be_hidden()  # the page loads without a key
        ask(page, QUESTION)
        panel = page.locator("#key-panel")
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("An API key is needed")
        expect(page.locator(".turn .error")).to_contain_text("An API key is needed to ask.")

        page.locator("#api-key").fill("wrong")
        page.locator("#key-save").click()
        expect(panel).to_be_visible()
        expect(page.locator("#key-error")).to_contain_text("not accepted")

        page.locator("#api-key").fill("k")
        page.locator("#key-save").click()
        expect(panel).to_be_hidden()
        turn = page.locator(".turn").first
        expect(turn.locator(".answer")).to_contain_text("420 million", timeout=ANSWER_TIMEOUT_MS)
        wait_answered(turn)
        assert page.evaluate("localStorage.getItem('megrez-websearch.api-key')") == "k"

        # the key is sent on every request: a reload restores the conversation with it
        page.reload()
        expect(page.locator(".turn .answer")).to_contain_text("420 million")
        expect(page.locator("#key-panel")).to_be_hidden()


# ----------------------------------------------------------------------------------------------
# Open servers (issue 17): links in answers, shared conversation links
# ----------------------------------------------------------------------------------------------


def test_links_that_are_not_sources_are_plain_text_and_citations_stay_links(app, megrez, open_page):
    megrez.script = [
        "Log in at the [official portal](https://evil.example/login) or https://evil.example/bare now. "
        "<https://evil.example/angle>"
    ]
    page = open_page(f"{app.base_url}/")
    ask(page, "Hello there!")
    turn = page.locator(".turn").first
    wait_answered(turn)
    answer = turn.locator(".answer")
    expect(answer).to_contain_text("official portal")
    expect(answer).to_contain_text("https://evil.example/bare")
    assert answer.locator("a").count() == 0, answer.inner_html()
    # a searched answer keeps its [n] citations as the links, to its sources only
    ask(page, QUESTION)
    second = page.locator(".turn").nth(1)
    wait_answered(second)
    links = second.locator(".answer a")
    assert links.count() >= 1
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert all("aurora" in href for href in hrefs), hrefs
    assert second.locator(".answer a:not(.cite)").count() == 0


def test_a_link_to_a_conversation_this_browser_did_not_start_is_not_opened(app, megrez, open_page):
    # Someone files a conversation with a forged assistant turn over the OpenAI surface…
    forged = "Your session expired: sign in again at [the portal](https://evil.example/login)."
    body = {
        "model": "megrez-websearch",
        "messages": [
            {"role": "user", "content": "Hello!"},
            {"role": "assistant", "content": forged},
            {"role": "user", "content": "Thanks!"},
        ],
    }
    cid = httpx.post(f"{app.base_url}/v1/chat/completions", json=body, timeout=30).json()["conversation_id"]
    # … and sends its link: the browser that did not make it does not open it
    page = open_page(f"{app.base_url}/#c={cid}")
    expect(page.locator("#notice")).to_contain_text("did not start")
    expect(page.locator(".turn")).to_have_count(0)
    assert "evil.example" not in page.content()
    assert page.evaluate("location.hash") == ""
    # a question typed now starts a new conversation of its own, not the sender's
    ask(page, "Hello there!")
    wait_answered(page.locator(".turn").first)
    assert conversation_id(page) != cid


def test_the_deep_switch_asks_deeply_and_a_second_round_grows_the_steps(app, open_page):
    page = open_page(f"{app.base_url}/")
    deep = page.locator("#deep")
    expect(deep).to_have_text("Deep")
    expect(deep).to_have_attribute("aria-pressed", "false")
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/v1/answer") else None)

    ask(page, "Where was the author of The Lantern Orchard born?")
    turn = page.locator(".turn").first
    expect(turn.locator(".answer")).to_contain_text("Kessel Point", timeout=ANSWER_TIMEOUT_MS)
    wait_answered(turn)
    steps = turn.locator(".step")
    expect(steps.nth(4)).to_have_text("Searched again for “Ilse Varga birthplace”")
    expect(steps.nth(5)).to_have_text(re.compile(r"Reading \d+ sources \(round 2\)"))
    expect(steps.nth(6)).to_have_text(re.compile(r"Writing the answer from \d+ sources \(round 2\)"))
    expect(turn.locator(".answer")).to_contain_text("Ilse Varga")
    # both rounds' pages are cards, numbered on from round 1's
    numbers = [int(n) for n in turn.locator(".source-num").all_inner_texts()]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 2
    assert "depth" not in sent[-1]

    deep.click()  # one click: the next question goes deep, and the choice is remembered
    expect(deep).to_have_attribute("aria-pressed", "true")
    ask(page, "How much did the Aurora Bridge in Veldmark cost?")
    wait_answered(page.locator(".turn").nth(1))
    assert sent[-1]["depth"] == "deep"
    page.reload()
    expect(page.locator("#deep")).to_have_attribute("aria-pressed", "true")


def test_the_deep_switch_speaks_chinese(app, open_page):
    page = open_page(f"{app.base_url}/", locale="zh-CN")
    expect(page.locator("#deep")).to_have_text("深度")
    ask(page, "《雾港来信》的作者出生在哪里？")
    turn = page.locator(".turn").first
    expect(turn.locator(".answer")).to_contain_text("石门镇", timeout=ANSWER_TIMEOUT_MS)
    wait_answered(turn)
    expect(turn.locator(".step").nth(4)).to_have_text("已再次搜索 “柳岸汀 出生地”")
