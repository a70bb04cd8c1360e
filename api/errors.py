"""Every failure becomes `{"error": {"code", "message"}}` with a status a client can act on."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.store import ConversationTooLarge, StoreUnavailable
from inference.base import LLMError
from search.providers.base import RateLimited, SearchError
from search.redact import redact

log = logging.getLogger("websearch.api")


class APIError(Exception):
    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message
        super().__init__(message)


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}


def describe(exc: Exception) -> tuple[int, str, str]:
    """Status, code and one-line message for a failure inside the pipeline (secrets redacted)."""
    status, code, message = _describe(exc)
    return status, code, redact(message)


def _describe(exc: Exception) -> tuple[int, str, str]:
    if isinstance(exc, APIError):
        return exc.status, exc.code, exc.message
    if isinstance(exc, StarletteHTTPException):  # e.g. a body that is not JSON / not UTF-8: a 400, not a 500
        return exc.status_code, HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail)
    if isinstance(exc, ConversationTooLarge):
        return 413, "conversation_too_large", str(exc)
    if isinstance(exc, LLMError):
        return exc.status, exc.code, f"model backend ({exc.backend}): {exc.message}"
    if isinstance(exc, RateLimited):
        return 503, "search_rate_limited", f"search provider {exc.provider} is rate limiting: {exc.message}"
    if isinstance(exc, SearchError):
        return 503, "search_unavailable", f"search provider {exc.provider} failed: {exc.message}"
    if isinstance(exc, StoreUnavailable):
        return exc.status, exc.code, f"conversation store ({exc.backend}) is unreachable: {exc.message}"
    log.exception("unhandled error", exc_info=exc)
    return 500, "internal_error", "the service failed unexpectedly; the error is in its log"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    async def _failure(_: Request, exc: Exception) -> JSONResponse:
        return error_response(*describe(exc))

    # Known failures are handled inside the app; `Exception` is the last net (no traceback shown).
    for kind in (APIError, LLMError, SearchError, StoreUnavailable, ConversationTooLarge, Exception):
        app.add_exception_handler(kind, _failure)
