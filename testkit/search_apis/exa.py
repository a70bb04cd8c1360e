"""Exa Search (`POST /search`), as its API reference and error-codes page document it.

Auth: `x-api-key` (or `Authorization: Bearer`); a bad key is a 401. Fields checked: `query`
(required), `numResults` (1–100), `type` (auto/neural/keyword/fast/deep), `includeDomains`,
`excludeDomains` (lists), `startPublishedDate` / `endPublishedDate` (ISO 8601), `userLocation` (two
letters), `contents`. Errors are `{"requestId", "error", "tag"}`: 400 INVALID_REQUEST_BODY, 401
INVALID_API_KEY, 402 NO_MORE_CREDITS, 429 rate limit. Results: `{"requestId", "resolvedSearchType",
"results": [{"id", "title", "url", "publishedDate", "author", "text"?}], "costDollars"}`."""

from __future__ import annotations

import re
import uuid

from testkit.search_apis.common import Failure, Reply, Request, hits
from testkit.web import LocalWeb

NAME = "exa"
PATH = "/search"
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?Z?)?$")


def error(status: int, message: str, tag: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"requestId": uuid.uuid4().hex, "error": message, "tag": tag}, headers or {})


def handle(req: Request, web: LocalWeb, key: str, failure: Failure | None) -> Reply:
    if req.method != "POST":
        return error(405, "Method not allowed", "METHOD_NOT_ALLOWED")
    sent = req.headers.get("x-api-key") or req.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if sent != key:
        return error(401, "Invalid API key", "INVALID_API_KEY")
    if failure is not None:
        wait = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        if failure.kind == "rate_limited":
            return error(429, "You have exceeded your rate limit. Please slow down.", "RATE_LIMIT_EXCEEDED", wait)
        if failure.kind == "quota":
            return error(402, "You have run out of credits.", "NO_MORE_CREDITS")
        if failure.kind == "server_error":
            return error(500, "Internal server error", "INTERNAL_ERROR")
    body = req.body if isinstance(req.body, dict) else None
    if body is None or not isinstance(body.get("query"), str) or not body["query"].strip():
        return error(400, "query: Required", "INVALID_REQUEST_BODY")
    num = body.get("numResults", 10)
    if not isinstance(num, int) or not 1 <= num <= 100:
        return error(400, "numResults: must be between 1 and 100", "INVALID_NUM_RESULTS")
    if body.get("type", "auto") not in ("auto", "neural", "keyword", "fast", "deep"):
        return error(400, "type: invalid", "INVALID_REQUEST_BODY")
    for name in ("startPublishedDate", "endPublishedDate"):
        if name in body and not _ISO.match(str(body[name])):
            return error(400, f"{name}: must be an ISO 8601 date", "INVALID_REQUEST_BODY")
    if "userLocation" in body and not re.fullmatch(r"[A-Za-z]{2}", str(body["userLocation"])):
        return error(400, "userLocation: must be a two-letter country code", "INVALID_REQUEST_BODY")
    contents = body.get("contents") or {}
    found = hits(web, body["query"], num, body.get("includeDomains") or [], body.get("excludeDomains") or [])
    results = []
    for i, h in enumerate(found):
        result = {"id": h["url"], "title": h["title"], "url": h["url"], "publishedDate": h.get("publishedDate"), "author": None}
        text = contents.get("text") if isinstance(contents, dict) else None
        if text:
            limit = text.get("maxCharacters", 10_000) if isinstance(text, dict) else 10_000
            result["text"] = (h.get("content") or "")[:limit]
        results.append(result)
    return Reply(
        200,
        {
            "requestId": uuid.uuid4().hex,
            "resolvedSearchType": "neural",
            "results": results,
            "searchType": "neural",
            "costDollars": {"total": 0.005, "search": {"neural": 0.005}},
        },
    )
