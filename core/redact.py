"""The one redaction of secrets in text that leaves the process (logs, `/readyz`, `/metrics` labels,
error messages, store and backend names): credentials in URLs (`scheme://user:pw@host`), secret query
parameters (`?password=…`, `token=`, `key=`, …), bearer tokens and Slack/OpenAI-style keys.

Here, in the lowest package, because every layer (inference, search, agent, api) needs it.
"""

from __future__ import annotations

import re

# userinfo of any URL, also a comma list of hosts (redis+sentinel://:pw@h1:26379,h2:26379/…)
_USERINFO_RE = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^/?#@\s]*)@")
_QUERY_RE = re.compile(
    r"(?P<name>[?&;](?:password|passwd|pwd|pass|token|access_token|api_key|apikey|key|secret|auth|sig|signature)=)"
    r"(?P<value>[^&#\s]*)",
    re.IGNORECASE,
)
_BEARER_RE = re.compile(r"(?P<name>\bBearer\s+)[^\s,;\"']+", re.IGNORECASE)
_TOKEN_RE = re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+|\bsk-[A-Za-z0-9_-]{8,}")

MASK = "***"
_MIN_SECRET_CHARS = 6  # shorter values would mask ordinary words
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """A secret this process holds (a search API's key): masked wherever it appears, whatever its
    shape (Brave's, Serper's and Exa's keys follow no pattern the expressions above know)."""
    value = (value or "").strip()
    if len(value) >= _MIN_SECRET_CHARS:
        _secrets.add(value)


def redact(text: str) -> str:
    if not text:
        return text
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _USERINFO_RE.sub(lambda m: f"{m['scheme']}{MASK}@" if m["userinfo"] else m.group(), text)
    text = _QUERY_RE.sub(lambda m: m["name"] + (MASK if m["value"] else ""), text)
    text = _BEARER_RE.sub(lambda m: m["name"] + MASK, text)
    return _TOKEN_RE.sub(MASK, text)
