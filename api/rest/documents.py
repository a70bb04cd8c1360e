"""`GET /documents/<path>`: the local index's documents, opened from their citations.

Read-only, and only documents the index lists: the path is taken relative to the indexed folder,
must name an indexed file, and must still be inside that folder once symlinks and `..` are
resolved — and the file opened is that one: its real path at open time must be the indexed path
(a file swapped for a symlink after indexing, even to a file beside it, is not served). With API keys set, a request needs a key or the link's signature (`search.doc_links`).
Each kind is served with its own content type; HTML is cleaned (no scripts, handlers, frames,
forms or remote loads) and additionally sandboxed by its Content-Security-Policy, so a document
can neither run code in this origin nor call out.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import stat
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.auth import presented_key
from api.errors import APIError
from core.workers import ParseFailed, WorkerLost, WorkerPoolClosed
from search.doc_links import link_secret, signed
from search.index import IndexHandle

router = APIRouter(tags=["documents"])

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xhtml": "text/html; charset=utf-8",
}
TEXT = "text/plain; charset=utf-8"  # Markdown and text: shown as written
HTML_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
MAX_BYTES = 64 * 1024 * 1024  # the indexer's own limit


def _provider_handle(provider: object, depth: int = 0) -> IndexHandle | None:
    """The `local` provider's own loaded index, inside a cache or fallback chain (one copy in memory)."""
    if isinstance(handle := getattr(provider, "handle", None), IndexHandle):
        return handle
    inner = [getattr(provider, "provider", None), *getattr(provider, "providers", [])]
    for found in (_provider_handle(p, depth + 1) for p in inner if p is not None and depth < 4):
        if found is not None:
            return found
    return None


def _handle(request: Request) -> IndexHandle:
    state = request.app.state
    if getattr(state, "documents_index", None) is None:
        engine = getattr(state, "engine", None)
        state.documents_index = _provider_handle(getattr(getattr(engine, "deps", None), "provider", None)) or IndexHandle(
            state.settings.local_index
        )
    return state.documents_index


def _authorize(request: Request, relative: str) -> None:
    keys: list[str] = request.app.state.settings.api_keys
    if not keys:
        return
    token = presented_key(request)
    # As bytes, like api/auth.py: on str, compare_digest raises for non-ASCII (a 500 and a traceback).
    given = token.encode("utf-8", "surrogateescape") if token is not None else None
    if given is not None and any(hmac.compare_digest(given, key.encode("utf-8")) for key in keys):
        return
    secret = link_secret(keys)
    if secret and signed(relative, request.query_params.get("sig"), secret):
        return
    raise APIError(401, "unauthorized", "this document needs an API key or the signed link from an answer")


def _locate(handle: IndexHandle, relative: str) -> Path:
    """The indexed path at `relative`, or 404 (not indexed, gone, or resolving elsewhere)."""
    try:
        index = handle.get()
    except Exception:  # noqa: BLE001 - no index, or one that cannot load: nothing to serve
        raise APIError(404, "not_found", "no local index is loaded") from None
    root = Path(index.meta.get("source") or "/")
    candidate = root / relative
    listed = {doc.path for doc in index.docs}
    if ".." in Path(relative).parts or str(candidate) not in listed:
        raise APIError(404, "not_found", f"{relative!r} is not a document in the local index")
    if candidate.resolve() != candidate or not candidate.is_file():  # indexed paths are real paths
        raise APIError(404, "not_found", f"{relative!r} is not a document in the local index")
    return candidate


def _read_indexed(path: Path, relative: str) -> bytes:
    """The bytes of the file whose real path, once open, is `path`: no symlink followed at the last
    step (O_NOFOLLOW), and none swapped in above it between the check and the open (the open
    descriptor's own path)."""
    missing = APIError(404, "not_found", f"{relative!r} is not a document in the local index")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        raise missing from None
    with os.fdopen(fd, "rb") as file:
        opened = f"/proc/self/fd/{fd}"
        real = os.readlink(opened) if os.path.exists(opened) else os.path.realpath(path)
        if real != str(path) or not stat.S_ISREG(os.fstat(fd).st_mode):
            raise missing
        if os.fstat(fd).st_size > MAX_BYTES:
            raise APIError(413, "too_large", f"{relative!r} is larger than {MAX_BYTES // 2**20} MiB")
        return file.read(MAX_BYTES + 1)


@router.get("/documents/{relative:path}", include_in_schema=False)
async def document(relative: str, request: Request) -> Response:
    _authorize(request, relative)
    path = await asyncio.to_thread(_locate, _handle(request), relative)
    raw = await asyncio.to_thread(_read_indexed, path, relative)
    media_type = MEDIA_TYPES.get(path.suffix.lower(), TEXT)
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "private, no-cache",
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(path.name)}",
    }
    # Charset sniffing and lxml run in the parse workers, like every parser of bytes from outside.
    workers = request.app.state.engine.deps.workers
    if media_type == TEXT:  # re-encoded as UTF-8 whatever it was written in (GBK, Big5, …)
        try:
            raw = (await workers.run("search.extract:decode", raw, None)).encode("utf-8")
        except (ParseFailed, WorkerLost, WorkerPoolClosed) as exc:
            raise APIError(422, "unreadable_document", f"{relative!r} could not be read: {exc}") from exc
    elif media_type.startswith("text/html"):
        try:
            raw = await workers.run("search.documents:clean_html", raw)
        except (ParseFailed, WorkerLost, WorkerPoolClosed):  # shown as text, never as it was
            media_type = TEXT
        headers["Content-Security-Policy"] = HTML_CSP
    return Response(raw, media_type=media_type, headers=headers)
