"""The web chat: `/` and its static files (no build step, nothing fetched from elsewhere).

The page is public, even when the API has keys: it asks for a key the first time `/v1` answers 401
and sends it as `Authorization: Bearer <key>` from then on. Everything it shows of a model's answer
is rendered from Markdown and sanitized in the browser (vendored `marked` and `DOMPurify`); the
Content-Security-Policy below allows scripts, styles and requests from this origin only, so even
markup that got through could neither run nor call out.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.errors import APIError

STATIC_DIR = (Path(__file__).parent / "static").resolve()

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Cache-Control": "no-cache",  # revalidate: a new release is seen on the next load
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a source link opened from an answer does not learn the question
}
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}

router = APIRouter(tags=["web chat"])


def _file(path: Path) -> FileResponse:
    headers = dict(HEADERS)
    if path.suffix == ".html":
        headers["Content-Security-Policy"] = CSP
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"), headers=headers)


@router.get("/", include_in_schema=False)
async def index() -> FileResponse:
    return _file(STATIC_DIR / "index.html")


@router.get("/static/{name:path}", include_in_schema=False)
async def static(name: str) -> FileResponse:
    path = (STATIC_DIR / name).resolve()
    # Only files inside static/ (no `..`, no symlink out of it), and only the kinds listed above.
    if not path.is_relative_to(STATIC_DIR) or not path.is_file() or path.suffix not in MEDIA_TYPES:
        raise APIError(404, "not_found", f"no static file {name!r}")
    return _file(path)
