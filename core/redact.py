"""The one redaction of secrets in text that leaves the process (logs, `/readyz`, `/metrics` labels,
error messages, store and backend names): credentials in URLs (`scheme://user:pw@host`), secret query
parameters (`?password=…`, `token=`, `key=`, …), Bearer and Basic credentials, token shapes (Slack,
OpenAI, Hugging Face, GitHub, GitLab, AWS) and, where the caller knows them, the configured secrets
themselves (`known`: an API key a server echoes back in its error is not shaped like anything).

Here, in the lowest package, because every layer (inference, search, agent, api) needs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# userinfo of any URL, also a comma list of hosts (redis+sentinel://:pw@h1:26379,h2:26379/…); up to
# the last `@` of the authority: a password may hold an `@` of its own.
_USERINFO_RE = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^/?#\s]*)@")
_QUERY_RE = re.compile(
    r"(?P<name>[?&;](?:password|passwd|pwd|pass|token|access_token|api_key|apikey|key|secret|auth|sig|signature)=)"
    r"(?P<value>[^&#\s]*)",
    re.IGNORECASE,
)
_BEARER_RE = re.compile(r"(?P<name>\bBearer\s+)[^\s,;\"']+", re.IGNORECASE)
# Basic credentials: base64 with a digit, `+`, `/`, `=` or a capital after a small letter (not "Basic income").
_BASIC_RE = re.compile(r"(?P<name>\b(?i:basic)\s+)(?=[A-Za-z0-9+/]*(?:[0-9+/=]|[a-z][A-Z]))[A-Za-z0-9+/]{6,}={0,2}")
_TOKEN_RE = re.compile(
    r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+|\bsk-[A-Za-z0-9_-]{8,}|\bhf_[A-Za-z0-9]{16,}"
    r"|\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,})|\bAKIA[0-9A-Z]{16}\b"
)

MASK = "***"
_MIN_SECRET_CHARS = 6  # shorter values would mask ordinary words
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """A secret this process holds (a search API's key): masked wherever it appears, whatever its
    shape (Brave's, Serper's and Exa's keys follow no pattern the expressions above know)."""
    value = (value or "").strip()
    if len(value) >= _MIN_SECRET_CHARS:
        _secrets.add(value)


def redact(text: str, known: Iterable[str | None] = ()) -> str:
    if not text:
        return text
    given = {s.strip() for s in known if s and len(s.strip()) >= _MIN_SECRET_CHARS}
    for secret in sorted(_secrets | given, key=len, reverse=True):  # longest first: no half-masked key
        if secret in text:
            text = text.replace(secret, MASK)
    text = _USERINFO_RE.sub(lambda m: f"{m['scheme']}{MASK}@" if m["userinfo"] else m.group(), text)
    text = _QUERY_RE.sub(lambda m: m["name"] + (MASK if m["value"] else ""), text)
    text = _BEARER_RE.sub(lambda m: m["name"] + MASK, text)
    text = _BASIC_RE.sub(lambda m: m["name"] + MASK, text)
    return _TOKEN_RE.sub(MASK, text)
