"""What the search API fakes share: the request as received, the reply to send, a scripted failure,
and hits from the local web's pages (each API then shapes them its own way)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from testkit.web import LocalWeb

_SITE_RE = re.compile(r"(?<![\w-])(-?)site:(\S+)")


@dataclass
class Request:
    """One call as the fake received it (tests read these: fields, auth header)."""

    api: str
    method: str
    path: str
    params: dict[str, str]  # the query string (one value each)
    headers: dict[str, str]  # lower-case names
    body: Any = None  # decoded JSON, when the call had one


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


@dataclass
class Failure:
    """A failure the next `times` calls get (None: every call until cleared): `kind` is one of
    rate_limited, quota, unauthorized, server_error, slow; `retry_after` (seconds) is sent as the API
    sends it (Retry-After, or Brave's X-RateLimit-Reset)."""

    kind: str
    retry_after: int | None = None
    times: int | None = None


def site_operators(query: str) -> tuple[str, list[str], list[str]]:
    """`q` with `site:` / `-site:` taken out: (the words, the wanted sites, the excluded ones)."""
    wanted: list[str] = []
    unwanted: list[str] = []
    for minus, site in _SITE_RE.findall(query):
        (unwanted if minus else wanted).append(site.lower())
    words = _SITE_RE.sub(" ", query).replace(" OR ", " ")
    return " ".join(words.split()), wanted, unwanted


def _on(url: str, sites: list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == s or host.endswith("." + s) for s in sites)


def hits(web: LocalWeb, query: str, limit: int, include: list[str] = (), exclude: list[str] = ()) -> list[dict]:
    """The local web's pages for `query` (its SearXNG-like ranking), kept to the wanted sites and off
    the excluded ones, as the engines behind these APIs would: `url`, `title`, `content`, `publishedDate`."""
    found = web.search(query, limit=max(limit, 1) * 2) + list(web.extra_results)
    if include:
        found = [h for h in found if _on(h["url"], list(include))]
    if exclude:
        found = [h for h in found if not _on(h["url"], list(exclude))]
    return found[:limit]


def param_int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
