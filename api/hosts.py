"""Which Host and Origin headers the service answers (`WEBSEARCH_ALLOWED_HOSTS`): the defence against
DNS rebinding, where a web page's own name is pointed at 127.0.0.1 so that the victim's browser
reads a local server (its indexed documents, its answers) as that page's origin.

Default: the loopback names (`localhost`, `127.0.0.1`, `::1`) and the host of `WEBSEARCH_PUBLIC_URL`
when set. `websearch serve --host 0.0.0.0` with neither setting answers any Host (a container behind
a port mapping or a Kubernetes service is reached under names it cannot know) — an Origin must then
still be the request's own. `*` answers any Host explicitly. An Origin (sent by browsers) must name
an allowed host, or be the request's own origin. Liveness, readiness and `/metrics` are answered
under any name (orchestrators probe by address); everything else gets 421 (Host) or 403 (Origin).
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from api.openai_compat.errors import error_body as openai_error_body

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
ANY = "*"


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hostname(authority: str) -> str | None:
    """The host of a Host header (`name`, `name:port`, `[v6]:port`), lower case; None if malformed."""
    if "@" in authority:
        return None
    parsed = urlsplit("//" + authority)
    try:
        parsed.port  # noqa: B018 — raises on a port that is not a number
    except ValueError:
        return None
    return parsed.hostname if parsed.hostname and parsed.netloc == authority else None


def allowed_names(allowed_hosts: list[str], public_url: str | None) -> list[str]:
    """The host names answered ([`*`] for any)."""
    if ANY in allowed_hosts:
        return [ANY]
    names = [*LOOPBACK_NAMES, *(h.lower().strip("[]") for h in allowed_hosts)]
    if public_url and (public := urlsplit(public_url).hostname):
        names.append(public.lower())
    return list(dict.fromkeys(names))


def open_binding(host: str, allowed_hosts: list[str], public_url: str | None) -> list[str]:
    """`websearch serve --host`: a server bound beyond loopback with no names configured answers any Host."""
    if allowed_hosts or public_url or is_loopback(host):
        return allowed_hosts
    return [ANY]


def sdk_lists(names: list[str]) -> tuple[list[str], list[str]] | None:
    """The MCP SDK's allowed hosts and origins for the same names (None: any host, protection off)."""
    if ANY in names:
        return None
    hosts = [f"[{n}]" if ":" in n else n for n in names]
    return (
        [*hosts, *(f"{h}:*" for h in hosts)],
        [f"{scheme}://{h}{port}" for h in hosts for scheme in ("http", "https") for port in ("", ":*")],
    )


class HostGuard:
    """Refuse requests whose Host or Origin is not the service's own."""

    def __init__(self, app: ASGIApp, names: list[str]):
        self.app = app
        self.any = ANY in names
        self.names = frozenset(names)

    def _allowed(self, host: str | None) -> bool:
        return host is not None and (self.any or host in self.names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {name: value for name, value in scope.get("headers", ())}
        authority = headers.get(b"host", b"").decode("latin-1")
        host = _hostname(authority)
        if not self._allowed(host):
            await _refuse(send, 421, "misdirected_request", f"this service does not answer for host {authority[:100]!r}")
            return
        origin = headers.get(b"origin")
        if origin is not None:
            text = origin.decode("latin-1")
            parts = urlsplit(text)
            same = parts.netloc == authority and parts.scheme in ("http", "https")
            named = not self.any and parts.scheme in ("http", "https") and self._allowed(parts.hostname)
            if not (same or named):
                await _refuse(send, 403, "forbidden_origin", f"requests from origin {text[:100]!r} are not accepted")
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(openai_error_body(status, message, code))  # OpenAI's shape holds the REST one
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body.encode()})
