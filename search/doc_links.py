"""Links to the local index's documents, served by the app at `/documents/<path in the folder>`.

A `file://` path means nothing to a browser talking to a server, so the `local` provider cites each
document by this link instead (relative to the service's own address). When the service has API
keys, a browser following a link cannot send one, so each link carries `sig`: an HMAC of the path
under a secret derived from the keys. Only someone the service gave the link to can open it, and a
signature opens that one file only."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

PREFIX = "/documents/"


def link_secret(api_keys: list[str]) -> bytes | None:
    """The signing secret for a set of API keys (None on an open server: links need no signature).
    Derived, not configured: every replica with the same keys signs alike, and rotating the keys
    retires the old links."""
    keys = sorted(k for k in api_keys if k)
    if not keys:
        return None
    return hashlib.sha256(b"websearch documents\0" + "\0".join(keys).encode("utf-8")).digest()


def signature(relative: str, secret: bytes) -> str:
    return hmac.new(secret, relative.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def document_link(relative: str, secret: bytes | None) -> str:
    """`/documents/handbook/on-call.md` (+ `?sig=…` when the service has API keys)."""
    url = PREFIX + quote(relative, safe="/")
    return f"{url}?sig={signature(relative, secret)}" if secret else url


def signed(relative: str, sig: str | None, secret: bytes) -> bool:
    # As bytes: compare_digest raises TypeError on a str with non-ASCII (a query may carry any).
    given = (sig or "").encode("utf-8", "surrogateescape")
    return bool(sig) and hmac.compare_digest(signature(relative, secret).encode("ascii"), given)
