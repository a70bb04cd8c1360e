"""Logs an operator can query: one JSON object per line, each request's lines sharing its request id;
plain text lines when a person reads them in a terminal (`WEBSEARCH_LOG_FORMAT=auto`, the default).

Every response carries `X-Request-ID`: the caller's own (when it sent a sane one) or a new one, so a
user's bug report names the log lines to read. Each request ends with one access line (logger
`websearch.access`: route, status, duration_ms). A failure nothing else handled is logged with its
traceback and answered `500 {"error": {"code": "internal_error"}}`, never a bare 500.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

from fastapi import FastAPI

from api import errors
from api.ops.metrics import route_label  # the same route names in logs and metrics
from core.redact import redact

request_id: ContextVar[str | None] = ContextVar("websearch_request_id", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")
_EXTRA_FIELDS = ("route", "method", "path", "status", "duration_ms")

access_log = logging.getLogger("websearch.access")


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", "request_id", …}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for key in _EXTRA_FIELDS:
            if (value := getattr(record, key, None)) is not None:
                out[key] = value
        if record.exc_info:
            out["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", None) or request_id.get() or "-"
        return redact(super().format(record))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record arrives (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def resolve_format(fmt: str, stream: Any = None) -> str:
    """"auto" -> "text" when the stream (stderr) is a terminal a person reads, else "json"."""
    if fmt != "auto":
        return fmt
    stream = stream if stream is not None else sys.stderr
    try:
        return "text" if stream.isatty() else "json"
    except (AttributeError, ValueError):  # a closed or foreign stream
        return "json"


class RedactFilter(logging.Filter):
    """Masks secrets in a record before any handler sees it (ours or an embedding application's):
    httpx logs every request's URL at INFO, and Google's key travels in one (`?key=…`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redact_library_logs() -> None:
    """Idempotent: the HTTP client libraries' loggers get the RedactFilter once."""
    for name in ("httpx", "httpcore"):
        library = logging.getLogger(name)
        if not any(isinstance(f, RedactFilter) for f in library.filters):
            library.addFilter(RedactFilter())


def configure_logging(level: str = "INFO", fmt: str = "auto", *, force: bool = False) -> logging.Handler | None:
    """A stderr handler on the root logger in the chosen format; `websearch.*` loggers at `level`.

    `fmt` "auto" picks text lines on a terminal and JSON otherwise (a pipe, a file, a collector).

    Leaves alone a process whose logging someone else set up (a root handler that is not ours: an
    embedding application, a test runner) unless `force`d. Idempotent: a second app in the same
    process replaces the handler rather than adding one. Returns the handler installed, if any.
    """
    redact_library_logs()  # whoever's handlers write the lines
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _StderrHandler)]
    if not force and len(ours) < len(root.handlers):
        return None
    for handler in ours:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if resolve_format(fmt) == "json" else TextFormatter())
    root.addHandler(handler)
    logging.getLogger("websearch").setLevel(level.upper())
    # uvicorn's own lines too, when it is run with `log_config=None` (else it keeps its text handlers)
    logging.getLogger("uvicorn").setLevel(level.upper())
    return handler


class RequestContextMiddleware:
    """Request id in, request id out, one access line per request, the last net for failures."""

    def __init__(self, app: Any, routes: FastAPI) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = _header(scope, b"x-request-id")
        rid = incoming if incoming and _SANE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        state = {"status": 500, "started": False}

        async def send_with_id(message: dict) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if state["started"]:
                raise  # the client has a status line already; the server closes the connection
            status, code, message = errors.describe(exc)  # logs the traceback of an unknown failure
            await errors.error_response(status, code, message)(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                state["status"],
                extra={
                    "route": route_label(scope, self.routes),
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": state["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id.reset(token)


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def install(app: FastAPI) -> None:
    """JSON (or text) logs for the process; request ids and access lines for this app."""
    settings = app.state.settings
    configure_logging(settings.log_level, settings.log_format)
    app.add_middleware(RequestContextMiddleware, routes=app)  # added last: the outermost layer
