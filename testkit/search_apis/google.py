"""Google Programmable Search Engine, Custom Search JSON API v1 (`GET /customsearch/v1`), as its
reference (cse.list) documents it.

Auth: `key` in the query string, with `cx` (the engine). A bad key is a 400 INVALID_ARGUMENT with
reason API_KEY_INVALID; no key a 403 PERMISSION_DENIED. Parameters checked: `q` and `cx` (required),
`num` (1–10), `lr` (lang_xx), `gl`, `dateRestrict` (d/w/m/y + number), `siteSearch` +
`siteSearchFilter` (i/e), `safe` (active/off). Errors are Google's `{"error": {"code", "message",
"errors": [{"message", "domain", "reason"}], "status"}}`; the daily quota spent is a 429
RESOURCE_EXHAUSTED (reason rateLimitExceeded). Results: `{"kind": "customsearch#search", "queries",
"searchInformation", "items": [{"kind", "title", "htmlTitle", "link", "displayLink", "snippet",
"pagemap"}]}`; `items` is absent when nothing was found."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from testkit.search_apis.common import Failure, Reply, Request, hits, param_int, site_operators
from testkit.web import LocalWeb

NAME = "google"
PATH = "/customsearch/v1"
CX = "017576662512468239146:omuauf_lfve"  # the engine id the fake accepts (the reference's example)


def error(status: int, message: str, reason: str, state: str, headers: dict[str, str] | None = None) -> Reply:
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": state,
        }
    }
    if reason == "API_KEY_INVALID":
        body["error"]["errors"][0]["reason"] = "badRequest"
        body["error"]["details"] = [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
             "domain": "googleapis.com", "metadata": {"service": "customsearch.googleapis.com"}}
        ]
    return Reply(status, body, headers or {})


def handle(req: Request, web: LocalWeb, key: str, failure: Failure | None) -> Reply:
    p = req.params
    if req.method != "GET":
        return error(405, "Method not allowed.", "methodNotAllowed", "INVALID_ARGUMENT")
    if "key" not in p:
        return error(403, "Method doesn't allow unregistered callers (callers without established identity). "
                     "Please use API Key or other form of API consumer identity to call this API.", "forbidden", "PERMISSION_DENIED")
    if p["key"] != key:
        return error(400, "API key not valid. Please pass a valid API key.", "API_KEY_INVALID", "INVALID_ARGUMENT")
    if failure is not None:
        wait = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        if failure.kind in ("rate_limited", "quota"):
            return error(429, "Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service "
                         "'customsearch.googleapis.com' for consumer 'project_number:000000000000'.",
                         "rateLimitExceeded", "RESOURCE_EXHAUSTED", wait)
        if failure.kind == "server_error":
            return error(500, "Internal error encountered.", "backendError", "INTERNAL")
    if not p.get("q"):
        return error(400, "Request contains an invalid argument.", "badRequest", "INVALID_ARGUMENT")
    if p.get("cx") != CX:
        return error(400, "Request contains an invalid argument.", "invalid", "INVALID_ARGUMENT")
    num = param_int(p.get("num", "10"), -1)
    if not 1 <= num <= 10:
        return error(400, "Request contains an invalid argument.", "invalid", "INVALID_ARGUMENT")
    if "dateRestrict" in p and not re.fullmatch(r"[dwmy]\d+", p["dateRestrict"]):
        return error(400, "Invalid value for dateRestrict.", "invalid", "INVALID_ARGUMENT")
    if "lr" in p and not p["lr"].startswith("lang_"):
        return error(400, "Invalid value for lr.", "invalid", "INVALID_ARGUMENT")
    if p.get("safe", "off") not in ("active", "off"):
        return error(400, "Invalid value for safe.", "invalid", "INVALID_ARGUMENT")
    words, wanted, unwanted = site_operators(p["q"])
    if "siteSearch" in p:
        if p.get("siteSearchFilter", "i") == "e":
            unwanted.append(p["siteSearch"].lower())
        else:
            wanted.append(p["siteSearch"].lower())
    found = hits(web, words, num, wanted, unwanted)
    items = [
        {
            "kind": "customsearch#result",
            "title": h["title"],
            "htmlTitle": h["title"],
            "link": h["url"],
            "displayLink": urlsplit(h["url"]).netloc,
            "snippet": h.get("content", ""),
            "htmlSnippet": h.get("content", ""),
            "formattedUrl": h["url"],
            "pagemap": {"metatags": [{"article:published_time": h["publishedDate"]}]} if h.get("publishedDate") else {},
        }
        for h in found
    ]
    body = {
        "kind": "customsearch#search",
        "url": {"type": "application/json", "template": "https://www.googleapis.com/customsearch/v1?q={searchTerms}&..."},
        "queries": {"request": [{"title": "Google Custom Search - " + p["q"], "count": len(items), "startIndex": 1,
                                 "searchTerms": p["q"], "cx": p["cx"]}]},
        "searchInformation": {"searchTime": 0.21, "formattedSearchTime": "0.21", "totalResults": str(len(items)),
                              "formattedTotalResults": str(len(items))},
    }
    if items:
        body["items"] = items
    return Reply(200, body)
