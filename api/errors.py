"""Every failure becomes `{"error": {"code", "message", "part"?}}` with a status a client can act on.

Lower packages raise `core.errors.WebsearchError`s with a kind; this module alone turns a kind into
an HTTP status (`STATUS`) and says which part of the service failed (`part_of`, the one map: the
model, search, the store): in the message (`PART_WORDS`), as the body's `part` (the web chat words
it from there) and on a stream's `error` event. Other surfaces (Slack, start-up) take `kind_of` and
`part_of` and choose their own words."""

from __future__ import annotations

import logging
import math
from enum import StrEnum

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.store import StoreUnavailable
from core.errors import ErrorKind, WebsearchError
from inference.base import LLMError
from search.providers.base import SearchError
from core.redact import redact

log = logging.getLogger("websearch.api")

STATUS: dict[ErrorKind, int] = {
    ErrorKind.BAD_REQUEST: 400,
    ErrorKind.REFUSED: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.TIMEOUT: 504,
    ErrorKind.RATE_LIMITED: 503,  # our provider's limit, not the caller's: a 429 would blame the caller
}
# The other way, for errors that come with a status already (APIError, Starlette's HTTPException).
_KIND_OF_STATUS = {
    400: ErrorKind.BAD_REQUEST,
    401: ErrorKind.REFUSED,
    403: ErrorKind.REFUSED,
    404: ErrorKind.NOT_FOUND,
    405: ErrorKind.BAD_REQUEST,
    413: ErrorKind.TOO_LARGE,
    422: ErrorKind.BAD_REQUEST,
    429: ErrorKind.RATE_LIMITED,
    504: ErrorKind.TIMEOUT,
}


class Part(StrEnum):
    """The part of the service a failure names, for the words a surface puts around it."""

    MODEL = "model"
    SEARCH = "search"
    STORE = "store"


# The one place an error is mapped to the part of the service that failed (REST, Slack, start-up).
_PARTS: tuple[tuple[type[WebsearchError], Part], ...] = (
    (LLMError, Part.MODEL),
    (SearchError, Part.SEARCH),
    (StoreUnavailable, Part.STORE),
)
# How the REST message names the backend, by part (and kind where the words differ).
PART_WORDS: dict[tuple[Part, ErrorKind | None], str] = {
    (Part.MODEL, None): "model backend ({backend}): {message}",
    (Part.SEARCH, ErrorKind.RATE_LIMITED): "search provider {backend} is rate limiting: {message}",
    (Part.SEARCH, None): "search provider {backend} failed: {message}",
    (Part.STORE, None): "conversation store ({backend}) is unreachable: {message}",
}


class APIError(WebsearchError):
    """A request error raised by the surfaces themselves: its status is already an HTTP one."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message, kind=_status_kind(status), code=code)
        self.status = status


def error_response(status: int, code: str, message: str, part: Part | None = None) -> JSONResponse:
    error = {"code": code, "message": message} | ({"part": part.value} if part else {})
    return JSONResponse({"error": error}, status_code=status)


def validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}


def kind_of(exc: BaseException) -> ErrorKind:
    """What went wrong, for a surface to word. A failure the project did not foresee (a bug) is, to
    whoever asked, the service being unavailable."""
    if isinstance(exc, WebsearchError):
        return exc.kind
    if isinstance(exc, StarletteHTTPException):
        return _status_kind(exc.status_code)
    return ErrorKind.UNAVAILABLE


def _status_kind(status: int) -> ErrorKind:
    return _KIND_OF_STATUS.get(status, ErrorKind.UNAVAILABLE if status >= 500 else ErrorKind.BAD_REQUEST)


def part_of(exc: BaseException) -> Part | None:
    """The part of the service the failure names (the model, search, the store), if any."""
    return next((part for cls, part in _PARTS if isinstance(exc, cls)), None)


def describe(exc: BaseException) -> tuple[int, str, str]:
    """Status, code and one-line message for a failure inside the pipeline (secrets redacted)."""
    status, code, message = _describe(exc)
    return status, code, redact(message)


def _describe(exc: BaseException) -> tuple[int, str, str]:
    if isinstance(exc, APIError):
        return exc.status, exc.code, exc.message
    if isinstance(exc, StarletteHTTPException):  # e.g. a body that is not JSON / not UTF-8: a 400, not a 500
        return exc.status_code, HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail)
    if isinstance(exc, WebsearchError):
        part = part_of(exc)
        words = (PART_WORDS.get((part, exc.kind)) or PART_WORDS.get((part, None))) if part else None
        message = words.format(backend=exc.backend, message=exc.message) if words else str(exc)
        return STATUS[exc.kind], exc.code, message
    log.exception("unhandled error", exc_info=exc)
    return 500, "internal_error", "the service failed unexpectedly; the error is in its log"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    async def _failure(_: Request, exc: Exception) -> JSONResponse:
        response = error_response(*describe(exc), part=part_of(exc))
        wait = getattr(exc, "retry_after_s", None) if isinstance(exc, WebsearchError) else None
        if wait is not None and exc.kind is ErrorKind.RATE_LIMITED:  # every search provider said when
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response

    # The project's own failures, then `Exception` as the last net (no traceback shown).
    for kind in (WebsearchError, Exception):
        app.add_exception_handler(kind, _failure)
