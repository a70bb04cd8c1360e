"""Optional bearer keys (`WEBSEARCH_API_KEYS`): unset, the API is open; set, every /v1 route needs one."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from fastapi import Request

from api.errors import APIError


def presented_key(request: Request) -> str | None:
    """The key a request carries: `Authorization: Bearer <key>`, else `X-API-Key`."""
    return key_in_headers(request.headers)


def key_in_headers(headers: Mapping[str, str]) -> str | None:
    header = headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return headers.get("x-api-key") or None


async def require_api_key(request: Request) -> None:
    keys: list[str] = request.app.state.settings.api_keys
    if not keys:
        return
    token = presented_key(request)
    # compare_digest against every key: no early exit that would leak which prefix matched. As bytes:
    # on str it raises TypeError for non-ASCII, and a header may carry any byte.
    given = token.encode("utf-8", "surrogateescape") if token is not None else None
    if given is None or not any(hmac.compare_digest(given, key.encode("utf-8")) for key in keys):
        raise APIError(401, "unauthorized", "a valid API key is required: send 'Authorization: Bearer <key>'")


def key_digest(key: str | None) -> str:
    """The one stand-in for an API key wherever a key must tell callers apart (store-key scopes:
    api/conversations.py; the OpenAI surface's conversation hashes): never the key itself. 48 bits: apart, not secret."""
    return hashlib.sha256((key or "").encode("utf-8")).hexdigest()[:12]
