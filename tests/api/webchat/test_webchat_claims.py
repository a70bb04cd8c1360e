"""Checked citations in the web chat (issue #23), in real Chromium against the real app: a chip shows
the quote its source holds (hover, keyboard focus, tap), the source card highlights it, a sentence
no source supports is marked with a note saying so, a line under the answer counts the claims, in
English and Chinese, for answers streamed and reopened from the store. And the page passes axe-core's
WCAG 2 A/AA rules (tests/api/webchat/data/axe.min.js, axe-core 4.14.1), light and dark.

The scripted Megrez cites carelessly on request (testkit/megrez/careless.py); with
WEBSEARCH_WEBCHAT_SCREENSHOTS=1 the picture of a quote and an unsupported sentence is also written to
docs/webchat-citations.png (what the README shows)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from testkit.browser import ANSWER_TIMEOUT_MS, DOCS, STATIC, ask, expect, sse_body, status, wait_answered

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"

AXE = Path(__file__).parent / "data" / "axe.min.js"
ZH_QUESTION = "青川大桥的总投资是多少？"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

UNSUPPORTED = {
    "en-US": {
        "flag": "Unsupported",
        "tip": "No source supports this sentence: its citation was removed.",
        "summary": "0 of 1 claim supported, 1 without a source",
        "words": "427 million euros",
    },
    "zh-CN": {
        "flag": "无来源支持",
        "tip": "没有来源支持这句话，其引用已被移除。",
        "summary": "1 条陈述中 0 条有来源支持，1 条没有来源",
        "words": "63 亿元",
    },
}


def tab_to(page, target, most: int = 80) -> None:
    """Press Tab from the top of the page until `target` has the focus (as a keyboard user would)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    handle = target.element_handle()
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
    raise AssertionError(f"{target} cannot be reached with the Tab key")


def description(page, target) -> str:
    """The accessible description a screen reader reads for `target` (aria-describedby)."""
    return page.evaluate(
        "(el) => (el.getAttribute('aria-describedby') || '').split(' ').map(id => document.getElementById(id)?.textContent || '').join(' ')",
        target.element_handle(),
    )


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))  # the test's context bypasses the page's CSP for this one script
    found = page.evaluate(
        """async (tags) => {
             const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
             const heading = await axe.run(document, {runOnly: {type: 'rule', values: ['page-has-heading-one']}});
             return [...result.violations, ...heading.violations].flatMap(v => v.nodes.map(n =>
               `${v.id}: ${n.target.join(' ')}: ${n.failureSummary.replace(/\\s+/g, ' ').slice(0, 240)}`));
           }""",
        WCAG_AA,
    )
    return found


# ----------------------------------------------------------------------------------------------
# The real app, a careless model
# ----------------------------------------------------------------------------------------------


def test_a_chip_shows_its_quote_on_hover_and_keyboard_focus_and_its_card_highlights_it(app, megrez, local_web, open_page):
    megrez.careless = ["wrong_page"]  # the model cites another page; the marker is re-pointed before it is shown
    page = open_page(f"{app.base_url}/")
    ask(page, QUESTION)
    turn = page.locator(".turn").first
    wait_answered(turn)
    aurora = local_web.url("aurora-bridge")
    chip = turn.locator(".answer a.cite")
    expect(chip).to_have_count(1)
    # the page that holds the claim, opened at the quote (a text fragment, as the API's quote_url)
    assert chip.get_attribute("href").startswith(aurora + "#:~:text=The%20Aurora%20Bridge%20cost")
    n = chip.inner_text()
    tip = page.locator(".claim-tip")
    expect(tip).to_be_hidden()

    chip.hover()
    expect(tip).to_be_visible()
    expect(tip.locator(".claim-tip-head")).to_have_text(f"Source {n} · 127.0.0.1")
    expect(tip.locator(".claim-tip-body")).to_contain_text("420 million euros")  # the page's own sentence
    card = turn.locator(f'.source-card[href="{aurora}"]')
    expect(card).to_have_class(re.compile(r"\bquoted\b"))
    expect(card.locator("mark.source-quote")).to_contain_text("420 million euros")
    expect(turn.locator(".source-card.quoted")).to_have_count(1)  # only the cited card
    tip.hover()  # the pointer moves onto the quote (to read or select it): it stays (WCAG 1.4.13)
    # a page timer due after the grace the page gives a pointer leaving the chip (250 ms) runs after it
    page.evaluate("() => new Promise((done) => setTimeout(done, 600))")
    expect(tip).to_be_visible()
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()
    expect(card).not_to_have_class(re.compile(r"\bquoted\b"))

    tab_to(page, chip)  # the keyboard reaches the chip, and focus shows the same quote
    expect(tip).to_be_visible()
    expect(tip.locator(".claim-tip-body")).to_contain_text("420 million euros")
    assert description(page, chip).startswith(f"Quote from source {n}: ") and "420 million euros" in description(page, chip)
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()

    expect(turn.locator(".claims-summary")).to_have_text("1 of 1 claim supported")
    expect(turn.locator(".claim-unsupported, .claim-flag")).to_have_count(0)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_unsupported_sentence_is_marked_with_a_note_also_when_reopened(app, megrez, open_page, locale):
    megrez.careless = ["unsupported"]  # a number changed: no page says it
    words = UNSUPPORTED[locale]
    page = open_page(f"{app.base_url}/", locale=locale)
    ask(page, QUESTION if locale == "en-US" else ZH_QUESTION)
    turn = page.locator(".turn").first
    wait_answered(turn)
    for reopened in (False, True):
        marked = turn.locator(".answer .claim-unsupported")
        expect(marked).to_have_count(1)
        expect(marked).to_contain_text(words["words"])  # the words stay, marked
        expect(turn.locator(".answer a.cite")).to_have_count(0)  # … without a citation
        flag = turn.locator(".answer .claim-flag")
        expect(flag).to_have_text(words["flag"])
        assert description(page, flag) == words["tip"]
        tab_to(page, flag)
        tip = page.locator(".claim-tip")
        expect(tip).to_be_visible()
        expect(tip).to_have_text(words["tip"])
        page.keyboard.press("Escape")
        flag.hover()
        expect(tip).to_have_text(words["tip"])
        expect(turn.locator(".claims-summary")).to_have_text(words["summary"])
        if not reopened:  # the conversation reopened from the store shows the same
            page.reload()
            turn = page.locator(".turn").first
            expect(turn.locator(".answer")).to_contain_text(words["words"], timeout=ANSWER_TIMEOUT_MS)


def test_a_tap_shows_the_quote_and_a_second_tap_opens_the_page(app, megrez, open_page):
    megrez.careless = ["paraphrase"]  # a correct citation, reworded: kept, with the page's own sentence
    page = open_page(
        f"{app.base_url}/", viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    ask(page, QUESTION)
    turn = page.locator(".turn").first
    wait_answered(turn)
    chip = turn.locator(".answer a.cite").first
    chip.tap()
    tip = page.locator(".claim-tip")
    expect(tip).to_be_visible()
    expect(tip.locator(".claim-tip-body")).to_contain_text("420 million euros")
    assert len(page.context.pages) == 1  # the first tap opened nothing
    box = tip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # on the screen of a phone
    with page.context.expect_page() as opened:
        chip.tap()
    assert "aurora-bridge" in opened.value.url
    opened.value.close()
    turn.locator(".question").tap()
    expect(tip).to_be_hidden()


# ----------------------------------------------------------------------------------------------
# An answer of several claims (a scripted stream): the marks land on the right words
# ----------------------------------------------------------------------------------------------

SOURCES = [
    {"index": 1, "url": "https://veldmark.example/news/aurora-bridge-opens", "title": "Aurora Bridge opens to traffic",
     "snippet": "The bridge opened on 26 April 2016."},
    {"index": 2, "url": "https://engineering.example/aurora", "title": "Engineering the Aurora Bridge",
     "snippet": "A cable-stayed bridge of 1,240 metres."},
    {"index": 3, "url": "https://veldmark.example/budget/2016", "title": "City budget 2016", "snippet": "Final accounts."},
]
PARTS = [  # (shown, citations, support, quotes)
    ("The Aurora Bridge opened on **26 April 2016**[1]", [1], "supported",
     {1: "The Aurora Bridge opened to traffic on 26 April 2016, after four years of work."}),
    ("It is 1,240 metres long[1][2]", [1, 2], "supported",
     {1: "The bridge is 1,240 metres long.", 2: "Its total length is 1,240 metres, its main span 310 metres."}),
    ("Its main span is 310 metres[2]", [2], "supported", {2: "Its total length is 1,240 metres, its main span 310 metres."}),
    ("It cost 420 million euros[3]", [3], "supported", {3: "The Aurora Bridge cost 420 million euros in all."}),
    ("It was designed by Halvard Brekke, who won the Ostberg Prize for it in 1987", [], "unsupported", {}),
]
TEMPLATE = "{0}. {1}.\n\n- {2}.\n- {3}.\n\n{4}."


def scripted_answer(parts: list = PARTS) -> dict:
    answer = TEMPLATE.format(*(shown for shown, *_ in parts))
    claims, at = [], 0
    for shown, citations, support, quotes in parts:
        start = answer.index(shown, at)
        at = start + len(shown)
        claims.append({
            "text": re.sub(r"\[\d+\]", "", shown), "start": start, "end": at, "citations": citations,
            "support": support, "quotes": [{"index": i, "text": t} for i, t in quotes.items()],
        })
    return {"answer": answer, "claims": claims, "sources": SOURCES, "citations": [], "related": [], "searched": True,
            "queries": ["Aurora Bridge"], "search_rounds": 1, "timings": {"total": 900}}


def route_scripted(page, parts: list = PARTS) -> dict:
    done = scripted_answer(parts)
    body = sse_body(
        status("deciding"), ("queries", {"queries": done["queries"], "round": 1}),
        ("sources", {"sources": SOURCES, "round": 1}), status("answering", sources=3),
        ("delta", {"text": done["answer"]}), ("claims", {"claims": done["claims"]}), ("done", done),
    )
    page.route("**/v1/answer", lambda route: route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body))
    return done


def test_each_claim_is_found_in_the_rendered_markdown_and_the_line_counts_them(app, open_page, tmp_path):
    page = open_page(f"{app.base_url}/")
    route_scripted(page)
    ask(page, QUESTION)
    turn = page.locator(".turn").first
    wait_answered(turn)
    expect(turn.locator(".claims-summary")).to_have_text("4 of 5 claims supported, 1 without a source")
    marked = turn.locator(".claim-unsupported")
    expect(marked).to_have_text(["It was designed by Halvard Brekke, who won the Ostberg Prize for it in 1987"])
    expect(turn.locator(".answer strong")).to_have_text("26 April 2016")  # the Markdown still rendered
    chips = turn.locator(".answer a.cite")
    expect(chips).to_have_text(["1", "1", "2", "2", "3"])
    # each chip shows the quote of the claim it sits in: source 1 quoted twice, differently
    expected = [PARTS[0][3][1], PARTS[1][3][1], PARTS[1][3][2], PARTS[2][3][2], PARTS[3][3][3]]
    for k, quote in enumerate(expected):
        chips.nth(k).hover()
        expect(page.locator(".claim-tip-body")).to_have_text(quote)
    chips.nth(1).hover()
    expect(turn.locator(".source-card.quoted .source-quote")).to_have_text(PARTS[1][3][1])  # that claim's quote on the card
    expect(turn.locator(".source-card.quoted")).to_have_count(1)
    page.mouse.move(0, 0)
    expect(turn.locator(".source-card.quoted")).to_have_count(0)
    expect(turn.locator(".source-quote")).to_have_text([PARTS[0][3][1], PARTS[1][3][2], PARTS[3][3][3]])  # each card's first

    # the picture for the README: a quote on a chip, an unsupported sentence marked
    page.mouse.move(0, 0)
    tab_to(page, chips.nth(4))
    page.evaluate("window.scrollTo(0, 0)")
    chips.nth(4).focus()
    shot = tmp_path / "webchat-citations.png"
    page.screenshot(path=str(shot), animations="disabled", caret="hide")
    assert shot.stat().st_size > 10_000
    if os.environ.get("WEBSEARCH_WEBCHAT_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS / shot.name)


def test_a_partly_supported_claim_is_counted_as_such_in_chinese(app, open_page):
    parts = [list(part) for part in PARTS]
    parts[2][2] = "partial"
    page = open_page(f"{app.base_url}/", locale="zh-CN")
    route_scripted(page, parts)
    ask(page, ZH_QUESTION)
    turn = page.locator(".turn").first
    wait_answered(turn)
    expect(turn.locator(".claims-summary")).to_have_text("5 条陈述中 3 条有来源支持，1 条部分支持，1 条没有来源")
    expect(turn.locator(".claim-flag")).to_have_text("无来源支持")
    turn.locator("a.cite").first.focus()
    expect(page.locator(".claim-tip-head")).to_have_text("来源 1 · veldmark.example")


# ----------------------------------------------------------------------------------------------
# Accessibility: axe-core's WCAG 2 A and AA rules, on the empty page and on an answer
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "scheme"), [("en-US", "light"), ("en-US", "dark"), ("zh-CN", "light")])
def test_the_page_has_no_wcag_aa_violation(app, megrez, open_page, locale, scheme):
    megrez.careless = ["unsupported"]
    page = open_page(f"{app.base_url}/", locale=locale, color_scheme=scheme, bypass_csp=True)
    assert axe_violations(page) == []
    ask(page, QUESTION if locale == "en-US" else ZH_QUESTION)
    wait_answered(page.locator(".turn").first)
    assert page.locator("h1").count() == 1
    page.locator(".claim-flag").first.focus()  # the note shown, too
    expect(page.locator(".claim-tip")).to_be_visible()
    assert axe_violations(page) == []
    route_scripted(page)  # an answer with chips, a list and bold text
    ask(page, "And its length?")
    wait_answered(page.locator(".turn").nth(1))
    page.locator(".turn").nth(1).locator("a.cite").first.hover()
    assert axe_violations(page) == []


# ----------------------------------------------------------------------------------------------
# No browser needed
# ----------------------------------------------------------------------------------------------


def test_claims_words_exist_in_english_and_chinese_and_load_as_a_module(app):
    import httpx

    source = (STATIC / "claims.js").read_text(encoding="utf-8")
    blocks = re.search(r"const WORDS = \{\s*en: \{(.*?)\n  \},\s*zh: \{(.*?)\n  \},\n\};", source, re.S)
    assert blocks, "claims.js keeps its words in WORDS = {en: {...}, zh: {...}}"
    en, zh = (dict(re.findall(r"^\s*(\w+): '(.*)',$", block, re.M)) for block in blocks.groups())
    assert len(en) >= 8 and set(en) == set(zh)
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in zh.values())
    assert set(re.findall(r"\bsay\('(\w+)'", source)) <= set(en)
    for name in ["claims.js", "claims.css"]:  # nothing fetched from elsewhere
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href|import)\s*[=(]?\s*["']?(?:https?:)?//""", text) and "url(http" not in text, name
    page = httpx.get(f"{app.base_url}/").text
    assert '<script src="static/claims.js" type="module"></script>' in page and '"static/claims.css"' in page
    for name, kind in [("static/claims.js", "text/javascript"), ("static/claims.css", "text/css")]:
        response = httpx.get(f"{app.base_url}/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
