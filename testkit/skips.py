"""A part of the test bench that is absent (a browser, kubectl, redis-server) skips a test on a
developer machine and fails it in CI (WEBSEARCH_TEST_REQUIRE_ALL=1): tests/test_skips.py holds every
skip to this road."""

from __future__ import annotations

import os

import pytest

REQUIRE_ALL = os.environ.get("WEBSEARCH_TEST_REQUIRE_ALL") == "1"


def missing(reason: str) -> None:
    """Skip on a developer machine; fail in CI, where every real part must be present."""
    if REQUIRE_ALL:
        pytest.fail(reason)
    pytest.skip(reason)
