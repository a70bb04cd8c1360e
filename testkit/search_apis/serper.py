"""Serper, Google results (`POST /search`), as its documented request and JSON answer show it.

Auth: `X-API-KEY`; a missing or wrong key is a 403 `{"message": "Unauthorized.", "statusCode": 403}`.
Fields checked: `q` (required), `num` (1–100), `gl` (two letters), `hl`, `tbs` (qdr:h/d/w/m/y),
`page`. Errors are `{"message", "statusCode"}`: 400 "Not enough credits" when the balance is spent,
429 too many requests. Results: `{"searchParameters", "organic": [{"title", "link", "snippet",
"date", "position"}], "relatedSearches", "credits"}`."""

from __future__ import annotations

import re

from testkit.search_apis.common import Failure, Reply, Request, hits, site_operators
from testkit.web import LocalWeb

NAME = "serper"
PATH = "/search"
_TBS = re.compile(r"^qdr:[hdwmy]\d*$")


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"message": message, "statusCode": status}, headers or {})


def handle(req: Request, web: LocalWeb, key: str, failure: Failure | None) -> Reply:
    if req.method != "POST":
        return error(405, "Method not allowed")
    if req.headers.get("x-api-key") != key:
        return error(403, "Unauthorized.")
    if failure is not None:
        wait = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        if failure.kind == "rate_limited":
            return error(429, "Too many requests", wait)
        if failure.kind == "quota":
            return error(400, "Not enough credits")
        if failure.kind == "server_error":
            return error(500, "Internal server error")
    body = req.body if isinstance(req.body, dict) else {}
    q = body.get("q")
    if not isinstance(q, str) or not q.strip():
        return error(400, "Missing query parameter q")
    num = body.get("num", 10)
    if not isinstance(num, int) or not 1 <= num <= 100:
        return error(400, "num must be between 1 and 100")
    if "gl" in body and not re.fullmatch(r"[a-z]{2}", str(body["gl"])):
        return error(400, "Invalid gl")
    if "tbs" in body and not _TBS.match(str(body["tbs"])):
        return error(400, "Invalid tbs")
    words, wanted, unwanted = site_operators(q)
    organic = [
        {
            "title": h["title"],
            "link": h["url"],
            "snippet": h.get("content", ""),
            **({"date": h["publishedDate"]} if h.get("publishedDate") else {}),
            "position": i + 1,
        }
        for i, h in enumerate(hits(web, words, num, wanted, unwanted))
    ]
    parameters = {"q": q, "type": "search", "engine": "google", **{k: body[k] for k in ("gl", "hl", "num", "tbs") if k in body}}
    return Reply(200, {"searchParameters": parameters, "organic": organic, "relatedSearches": [], "credits": 1})
