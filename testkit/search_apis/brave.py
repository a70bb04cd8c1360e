"""Brave Search API, web search (`GET /res/v1/web/search`), as its API reference documents it.

Auth: `X-Subscription-Token`; a missing or wrong token is a 422 `SUBSCRIPTION_TOKEN_INVALID`.
Parameters checked: `q` (required, at most 400 characters), `count` (1–20), `safesearch`
(off/moderate/strict), `freshness` (pd/pw/pm/py or a date range), `search_lang`, `country`. Errors are
`{"type": "ErrorResponse", "error": {"id", "status", "code", "detail", "meta"}, "time"}`; a rate
limit is a 429 `RATE_LIMITED` with the X-RateLimit-* headers (no Retry-After: `X-RateLimit-Reset`
says, per window, how many seconds until it resets). Results: `{"type": "search", "query": {...},
"web": {"type": "search", "results": [{"title", "url", "description", "page_age", ...}]}}`."""

from __future__ import annotations

import re
import time
import uuid

from testkit.search_apis.common import Failure, Reply, Request, hits, param_int, site_operators
from testkit.web import LocalWeb

NAME = "brave"
PATH = "/res/v1/web/search"
_FRESHNESS = re.compile(r"^(pd|pw|pm|py|\d{4}-\d{2}-\d{2}to\d{4}-\d{2}-\d{2})$")


def error(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Reply:
    body = {
        "type": "ErrorResponse",
        "error": {
            "id": str(uuid.uuid4()),
            "status": status,
            "code": code,
            "detail": detail,
            "meta": {"component": "rate_limiter" if status == 429 else "api"},
        },
        "time": int(time.time()),
    }
    return Reply(status, body, headers or {})


def handle(req: Request, web: LocalWeb, key: str, failure: Failure | None) -> Reply:
    if req.method != "GET":
        return error(405, "METHOD_NOT_ALLOWED", "Use GET.")
    if req.headers.get("x-subscription-token") != key:
        return error(422, "SUBSCRIPTION_TOKEN_INVALID", "The provided subscription token is invalid.")
    if failure is not None:
        if failure.kind in ("rate_limited", "quota"):
            reset = failure.retry_after if failure.retry_after is not None else 1
            per_second, per_month = ("0", "1995") if failure.kind == "rate_limited" else ("1", "0")
            resets = f"{reset}, 1419704" if failure.kind == "rate_limited" else f"1, {reset}"
            headers = {
                "X-RateLimit-Limit": "1, 2000",
                "X-RateLimit-Policy": "1;w=1, 2000;w=2592000",
                "X-RateLimit-Remaining": f"{per_second}, {per_month}",
                "X-RateLimit-Reset": resets,
            }
            code = "RATE_LIMITED" if failure.kind == "rate_limited" else "QUOTA_LIMITED"
            return error(429, code, "Request rate limit exceeded for plan.", headers)
        if failure.kind == "server_error":
            return error(500, "INTERNAL_ERROR", "Internal error.")
    q = req.params.get("q", "")
    if not q or len(q) > 400:
        return error(422, "VALIDATION", "q: must be between 1 and 400 characters")
    count = param_int(req.params.get("count", "20"), -1)
    if not 1 <= count <= 20:
        return error(422, "VALIDATION", "count: must be between 1 and 20")
    if req.params.get("safesearch", "moderate") not in ("off", "moderate", "strict"):
        return error(422, "VALIDATION", "safesearch: must be off, moderate or strict")
    if "freshness" in req.params and not _FRESHNESS.match(req.params["freshness"]):
        return error(422, "VALIDATION", "freshness: invalid value")
    words, wanted, unwanted = site_operators(q)
    results = [
        {
            "title": h["title"],
            "url": h["url"],
            "description": h.get("content", ""),
            "page_age": h.get("publishedDate"),
            "language": req.params.get("search_lang", "en"),
            "family_friendly": True,
            "type": "search_result",
            "subtype": "generic",
            "profile": {"name": "localweb", "url": h["url"]},
        }
        for h in hits(web, words, count, wanted, unwanted)
    ]
    body = {
        "type": "search",
        "query": {"original": q, "show_strict_warning": False, "is_navigational": False, "country": req.params.get("country", "us").lower()},
        "mixed": {"type": "mixed", "main": [{"type": "web", "index": i, "all": False} for i in range(len(results))]},
        "web": {"type": "search", "results": results, "family_friendly": True},
    }
    return Reply(200, body, {"X-RateLimit-Limit": "1, 2000", "X-RateLimit-Remaining": "0, 1999", "X-RateLimit-Reset": "1, 1419704"})
