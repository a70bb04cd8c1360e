"""The web chat driven as a person would: Debian's Chromium through Playwright (never a downloaded browser).

The `browser` and `open_page` fixtures (tests/api/conftest.py) use `launch` and `page_opener`; the
helpers below read a page the way the web chat's tests and the documents' tests both need.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ANSWER_TIMEOUT_MS = 20_000
ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "api" / "webchat" / "static"  # the web chat's own files
DOCS = ROOT / "docs"  # where WEBSEARCH_WEBCHAT_SCREENSHOTS=1 writes the README's pictures


def launch(missing: Callable[[str], None]) -> Iterator:
    """One headless Chromium (`missing` skips or fails, as the suite decides, when a part is absent)."""
    if not os.path.exists(CHROMIUM):
        missing(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install playwright; the browser is Debian's chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def page_opener(browser) -> Iterator[Callable]:
    """`open_page(url, locale=..., viewport=...)` -> a page in a fresh profile; page errors fail the test."""
    contexts, errors = [], []

    def _open(url: str, *, locale: str = "en-US", viewport: dict | None = None, **options):
        context = browser.new_context(
            locale=locale, viewport=viewport or {"width": 1280, "height": 860}, **options
        )
        context.set_default_timeout(ANSWER_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def expect(target):
    from playwright.sync_api import expect as _expect

    return _expect(target)


def ask(page, question: str) -> None:
    box = page.locator("#question")
    box.fill(question)
    box.press("Enter")


def wait_answered(turn) -> None:
    """The `done` event arrived: the answer's actions (copy) are shown and nothing still spins."""
    expect(turn.locator(".answer-actions")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(turn.locator(".step.active")).to_have_count(0)


def conversation_id(page) -> str:
    match = re.fullmatch(r"#c=(.+)", page.evaluate("location.hash"))
    assert match, "the conversation id is in the address after the first answer"
    return match.group(1)


# A scripted stream for a page whose /v1/answer a test answers itself (Playwright's route.fulfill).


def sse_body(*events: tuple[str, dict]) -> str:
    return "".join(f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n" for name, data in events)


def status(stage: str, **fields) -> tuple[str, dict]:
    return "status", {"stage": stage, "round": 1, "queries": [], "pages": None, "sources": None, **fields}
