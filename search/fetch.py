"""Fetch web pages for reading, guarded: the URLs come from the open web (and indirectly from the
model), so the server must not be steered into the private network, nor stall on slow or huge pages.

A bad page never raises: it comes back as a `Fetched` with `error` set, and the snippet stands in."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections import Counter
from collections.abc import Iterable

import httpx
from pydantic import BaseModel

ACCEPTED_TYPES = {"text/html", "application/xhtml+xml", "text/plain"}
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5


class Fetched(BaseModel):
    url: str  # as asked
    final_url: str  # after redirects
    status: int = 0
    content_type: str = ""  # media type only, lower case, e.g. "text/html"
    charset: str | None = None  # from the Content-Type header, if any
    body: bytes = b""
    truncated: bool = False  # the body was cut at max_bytes
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Refused(Exception):
    """The URL may not be fetched (scheme, private address, redirects)."""


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:  # ::ffff:10.0.0.1 is 10.0.0.1
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def _looks_binary(head: bytes) -> bool:
    # Mislabelled binaries (images, archives served as text/html) would feed garbage to the model.
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and control / len(head) > 0.02


class Fetcher:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        allow_hosts: Iterable[str] | None = None,
        timeout_s: float = 6.0,
        max_bytes: int = 2_000_000,
        user_agent: str = "megrez-websearch",
        per_host: int = 2,
    ) -> None:
        self.client = client
        self.allow_hosts = {h.strip().lower() for h in allow_hosts or [] if h.strip()}
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        # Politeness: at most `per_host` requests in flight to one host, across all questions.
        # Entries live only while a host has requests, so a long-running server does not collect them.
        self.per_host = per_host
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._host_users: Counter[str] = Counter()

    async def fetch(self, url: str) -> Fetched:
        try:
            host = httpx.URL(url).host
        except (httpx.InvalidURL, TypeError):
            host = ""
        slot = self._host_slots.setdefault(host, asyncio.Semaphore(self.per_host))
        self._host_users[host] += 1
        try:
            async with slot:
                return await self._guarded(url)
        finally:
            self._host_users[host] -= 1
            if not self._host_users[host]:
                del self._host_users[host], self._host_slots[host]

    async def _guarded(self, url: str) -> Fetched:
        try:
            # One deadline for the whole exchange (redirects, headers, a slowly dripping body).
            async with asyncio.timeout(self.timeout_s):
                return await self._fetch(url)
        except TimeoutError:
            return Fetched(url=url, final_url=url, error=f"timed out after {self.timeout_s:g}s")
        except Refused as exc:
            return Fetched(url=url, final_url=url, error=f"refused: {exc}")
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, UnicodeError) as exc:
            return Fetched(url=url, final_url=url, error=f"{type(exc).__name__}: {exc}".strip(": "))

    async def check(self, url: httpx.URL) -> None:
        """Raise Refused unless `url` is http(s) to a public address (or an allow-listed host:port)."""
        if url.scheme not in ("http", "https"):
            raise Refused(f"scheme {url.scheme!r} is not http(s)")
        host = url.host.lower()
        if not host:
            raise Refused("no host")
        port = url.port or (443 if url.scheme == "https" else 80)
        if f"{host}:{port}" in self.allow_hosts or host in self.allow_hosts:
            return
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
        # Every address must be public: a name with one private A record is enough to reach inside.
        for ip in addresses:
            if not _is_public(ip):
                raise Refused(f"{host} resolves to non-public address {ip}")

    async def _fetch(self, url: str) -> Fetched:
        current = httpx.URL(url)
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
            "Accept-Language": "en,zh;q=0.9",
        }
        # Redirects are followed by hand so every hop is checked against the address rules.
        for _ in range(MAX_REDIRECTS + 1):
            await self.check(current)
            async with self.client.stream(
                "GET", current, headers=headers, follow_redirects=False, timeout=self.timeout_s
            ) as response:
                if response.status_code in REDIRECTS and "location" in response.headers:
                    current = current.join(response.headers["location"])
                    continue
                return await self._read(url, current, response)
        raise Refused(f"more than {MAX_REDIRECTS} redirects")

    async def _read(self, url: str, final: httpx.URL, response: httpx.Response) -> Fetched:
        result = Fetched(url=url, final_url=str(final), status=response.status_code)
        media, _, params = response.headers.get("content-type", "").partition(";")
        result.content_type = media.strip().lower()
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                result.charset = value.strip().strip("\"'").lower()
        if response.status_code >= 400:
            result.error = f"HTTP {response.status_code}"
            return result
        if result.content_type and result.content_type not in ACCEPTED_TYPES:
            result.error = f"unsupported content type {result.content_type}"
            return result

        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # decoded (gzip/br), so the cap bounds memory
            chunks.append(chunk)
            size += len(chunk)
            if size >= self.max_bytes:
                result.truncated = True  # keep the head: a capped article is still worth reading
                break
        body = b"".join(chunks)[: self.max_bytes]
        if not body.strip():
            result.error = "empty body"
        elif _looks_binary(body[:4096]):
            result.error = "binary content"
        else:
            result.body = body
        return result
