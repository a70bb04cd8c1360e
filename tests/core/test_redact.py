"""The one redaction (core/redact.py), on the shapes issue 29 found it missing."""

from __future__ import annotations

import pytest

from core.redact import redact


@pytest.mark.parametrize(
    "text, secret",
    [
        ("http://operator:p@ss@searx.internal:8080/search", "ss@searx"),  # an `@` in the password
        ("redis+sentinel://:pw@rd@h1:26379,h2:26379/0", "rd@h1"),
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),  # user:pass
        ("authorization: basic b3BlcmF0b3I6czNjcjN0IQ==", "b3BlcmF0b3I6czNjcjN0IQ"),
        ("HF_TOKEN=hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345", "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345"),
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
        ("key AKIAIOSFODNN7EXAMPLE in the log", "AKIAIOSFODNN7EXAMPLE"),
    ],
)
def test_credentials_are_masked(text, secret):
    assert secret not in redact(text) and "***" in redact(text)


def test_a_configured_secret_is_masked_wherever_it_appears_and_ordinary_words_are_not():
    assert redact("Incorrect API key provided: k-4471-right", known=["k-4471-right", None]) == "Incorrect API key provided: ***"
    for ordinary in ("Basic income is a policy", "write to a@b.example", "Basic HTML pages", "基本收入"):
        assert redact(ordinary) == ordinary
