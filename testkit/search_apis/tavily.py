"""Tavily Search (`POST /search`), as its API reference documents it.

Auth: `Authorization: Bearer tvly-…` (a body `api_key` is the older form, accepted too); a bad or
missing key is a 401. Fields checked: `query` (required), `max_results` (0–20), `search_depth`
(basic/advanced), `topic` (general/news/finance), `time_range` (day/week/month/year or d/w/m/y),
`include_domains`, `exclude_domains` (lists), `country` (for topic general only). Errors are
`{"detail": {"error": "…"}}`: 400 bad request, 401 key, 429 rate limit, 432 plan limit, 433
pay-as-you-go limit. Results: `{"query", "answer", "images", "results": [{"title", "url", "content",
"score", "raw_content"}], "response_time", "request_id"}`."""

from __future__ import annotations

import uuid

from testkit.search_apis.common import Failure, Reply, Request, hits
from testkit.web import LocalWeb

NAME = "tavily"
PATH = "/search"
_RANGES = {"day", "week", "month", "year", "d", "w", "m", "y"}
_KNOWN = {
    "query", "search_depth", "topic", "time_range", "start_date", "end_date", "days", "max_results",
    "include_domains", "exclude_domains", "include_answer", "include_raw_content", "include_images",
    "include_image_descriptions", "include_favicon", "country", "auto_parameters", "chunks_per_source",
    "api_key", "exact_match", "include_usage",
}


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"detail": {"error": message}}, headers or {})


def handle(req: Request, web: LocalWeb, key: str, failure: Failure | None) -> Reply:
    if req.method != "POST":
        return Reply(405, {"detail": "Method Not Allowed"})
    body = req.body if isinstance(req.body, dict) else None
    sent = req.headers.get("authorization", "").removeprefix("Bearer ").strip() or (body or {}).get("api_key")
    if sent != key:
        return error(401, "Unauthorized: missing or invalid API key.")
    if failure is not None:
        wait = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        if failure.kind == "rate_limited":
            return error(429, "Your request has been blocked due to excessive requests. Please reduce the rate of requests.", wait)
        if failure.kind == "quota":
            return error(432, "This request exceeds your plan's set usage limit. Please upgrade your plan or contact support@tavily.com")
        if failure.kind == "server_error":
            return error(500, "Internal Server Error")
    if body is None or not isinstance(body.get("query"), str) or not body["query"].strip():
        return error(400, "Query is missing.")
    unknown = set(body) - _KNOWN
    if unknown:
        return error(400, f"Invalid parameter(s): {', '.join(sorted(unknown))}")
    max_results = body.get("max_results", 5)
    if not isinstance(max_results, int) or not 0 <= max_results <= 20:
        return error(400, "max_results must be between 0 and 20.")
    if body.get("search_depth", "basic") not in ("basic", "advanced", "fast", "ultra-fast"):
        return error(400, "Invalid search depth.")
    if body.get("topic", "general") not in ("general", "news", "finance"):
        return error(400, "Invalid topic.")
    if "time_range" in body and body["time_range"] not in _RANGES:
        return error(400, "Invalid time range.")
    for name in ("include_domains", "exclude_domains"):
        if not isinstance(body.get(name, []), list):
            return error(400, f"{name} must be a list.")
    if "country" in body and body.get("topic", "general") != "general":
        return error(400, "Country is only supported for the general topic.")
    found = hits(web, body["query"], max_results, body.get("include_domains", []), body.get("exclude_domains", []))
    results = [
        {
            "title": h["title"],
            "url": h["url"],
            "content": h.get("content", ""),
            "score": round(0.9 - 0.05 * i, 3),
            "raw_content": None,
            **({"published_date": h["publishedDate"]} if body.get("topic") == "news" and h.get("publishedDate") else {}),
        }
        for i, h in enumerate(found)
    ]
    return Reply(
        200,
        {
            "query": body["query"],
            "follow_up_questions": None,
            "answer": None,
            "images": [],
            "results": results,
            "response_time": "0.42",
            "request_id": str(uuid.uuid4()),
        },
    )
