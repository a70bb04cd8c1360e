"""Fixtures the surfaces' tests share: the browser for the web chat (and the documents it opens)."""

from __future__ import annotations

import pytest

from testkit import browser as chromium
from testkit.skips import missing


@pytest.fixture(scope="module")
def browser():
    yield from chromium.launch(missing)


@pytest.fixture
def open_page(browser):
    yield from chromium.page_opener(browser)
