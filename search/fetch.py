"""Fetch web pages for reading, guarded: the URLs come from the open web (and indirectly from the
model), so the server must not be steered into the private network, nor stall on slow or huge pages.

What every fetch goes through:

* **Address policy on every hop.** The host is resolved once, every address it resolves to must be
  public (not private, loopback, link-local, carrier-grade NAT, multicast, reserved, unspecified,
  unique-local, a cloud metadata endpoint, nor an IPv6 address embedding a forbidden IPv4 one), and
  the connection goes to the address that was checked: the URL's host is replaced by that IP, the
  `Host` header and (for https) the TLS SNI name keep the real name. A second DNS answer (DNS
  rebinding) is never asked for. Numeric spellings (`2130706433`, `0x7f.1`, `017700000001`) are read
  as the addresses they mean. Redirects are followed by hand (at most `MAX_REDIRECTS`), each hop
  checked again. `allow_hosts` exempts exact `host:port` entries (an entry without a port: every port).
* **Bounded transfer.** Connect, read and total timeouts; the body is streamed raw and decoded here
  (gzip, deflate, brotli) in steps of at most `STEP` bytes, so neither the download nor the
  decompressed text can exceed `max_bytes` (a 1 GB gzip bomb costs at most the cap).
* **Only readable types.** HTML, XHTML, plain text and PDF (also PDFs served as octet-stream);
  mislabelled binaries are recognised and refused.

A bad page never raises: it comes back as a `Fetched` with `error` set, and the snippet stands in.

The rules live in their own modules: `search.address` (address policy, DNS resolution, pinning),
`search.decompress` (bounded decoding) and `search.content_types` (readable types); this module holds
`Fetched` and the `Fetcher` that applies them."""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from collections.abc import Iterable

import httpx
from pydantic import BaseModel

from search.address import (
    Address,
    Refused,
    Resolver,
    Target,
    _split_allow_entry,
    address_problem,
    literal_address,
    system_resolve,
)
from search.config import FETCH_MAX_BYTES, FETCH_TIMEOUT_S
from search.content_types import ACCEPTED_TYPES, OCTET_TYPES, PDF_TYPES, _is_pdf, _looks_binary
from search.decompress import ACCEPT_ENCODING, DecodeError, _Chain, _encodings

REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
ADDRESSES_TRIED = 3  # a host with several public addresses: try the next when one refuses
# What every page request says about itself (and "Host", "User-Agent" per fetcher and hop).
REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8,*/*;q=0.1",
    "Accept-Language": "en,zh;q=0.9",
    "Accept-Encoding": ACCEPT_ENCODING,
}


def pinned_url(url: httpx.URL, address: str) -> httpx.URL:
    """`url` with its host replaced by `address` (an IP as `str(ipaddress.ip_address(...))` spells
    it): what `url.copy_with(host=address)` gives, without parsing and validating the whole URL
    again (an address in its canonical spelling is a valid host as it is; httpx keeps an IPv6 host
    without brackets). Falls back to `copy_with` where httpx's URL is not built that way."""
    reference = getattr(url, "_uri_reference", None)
    if reference is None or not hasattr(reference, "_replace"):
        return url.copy_with(host=address)
    pinned = httpx.URL.__new__(httpx.URL)
    pinned._uri_reference = reference._replace(host=address)
    return pinned


class Fetched(BaseModel):
    url: str  # as asked
    final_url: str  # after redirects
    status: int = 0
    content_type: str = ""  # media type only, lower case, e.g. "text/html" ("application/pdf" when sniffed)
    charset: str | None = None  # from the Content-Type header, if any
    body: bytes = b""  # decoded (decompressed), at most max_bytes
    truncated: bool = False  # the body was cut at max_bytes
    address: str | None = None  # the IP actually connected to (last hop)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def is_pdf(self) -> bool:
        return self.content_type in PDF_TYPES


# --- the fetcher ------------------------------------------------------------------------------


class Fetcher:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        allow_hosts: Iterable[str] | None = None,
        timeout_s: float = FETCH_TIMEOUT_S,
        max_bytes: int = FETCH_MAX_BYTES,
        user_agent: str = "megrez-websearch",
        per_host: int = 2,
        connect_timeout_s: float | None = None,
        read_timeout_s: float | None = None,
        max_pdf_bytes: int | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.client = client
        self.allow_hosts = {h.strip().lower() for h in allow_hosts or [] if h.strip()}
        self._allowed = {_split_allow_entry(h) for h in self.allow_hosts}
        self.timeout_s = timeout_s  # the whole exchange: every hop, headers and body
        self.connect_timeout_s = connect_timeout_s or min(3.0, timeout_s)
        self.read_timeout_s = read_timeout_s or timeout_s  # silence between two packets
        self.max_bytes = max_bytes
        # PDFs are bigger than articles and useless when cut: they get more room, within reason.
        self.max_pdf_bytes = max_pdf_bytes or max(max_bytes, min(5 * max_bytes, 20_000_000))
        self.user_agent = user_agent
        self.resolve: Resolver = resolver or system_resolve
        # Politeness: at most `per_host` requests in flight to one host, across all questions.
        # Entries live only while a host has requests, so a long-running server does not collect them.
        self.per_host = per_host
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._host_users: Counter[str] = Counter()
        self._header_template: tuple[tuple, list[tuple[bytes, bytes]], int] | None = None

    @property
    def hosts_in_flight(self) -> dict[str, int]:
        """Requests in flight or waiting for a slot, by host; a host is listed only while it has one
        (what the politeness limit holds now, for a look from outside)."""
        return {host: self._host_users[host] for host in self._host_slots}

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
            # One deadline for the whole exchange (DNS, redirects, headers, a slowly dripping body).
            async with asyncio.timeout(self.timeout_s):
                return await self._fetch(url)
        except TimeoutError:
            return Fetched(url=url, final_url=url, error=f"timed out after {self.timeout_s:g}s")
        except Refused as exc:
            return Fetched(url=url, final_url=url, error=f"refused: {exc}")
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, UnicodeError, DecodeError) as exc:
            return Fetched(url=url, final_url=url, error=f"{type(exc).__name__}: {exc}".strip(": "))

    def _is_allowed(self, host: str, port: int) -> bool:
        return (host, port) in self._allowed or (host, None) in self._allowed

    async def check(self, url: httpx.URL) -> Target:
        """The checked hop for `url`: raise Refused unless it is http(s) to public addresses (or an
        allow-listed host:port). The addresses returned are the only ones the fetch may connect to."""
        if url.scheme not in ("http", "https"):
            raise Refused(f"scheme {url.scheme!r} is not http(s)")
        try:
            host = url.raw_host.decode("ascii").lower()
        except UnicodeDecodeError as exc:
            raise Refused("host is not ASCII after IDNA encoding") from exc
        if not host:
            raise Refused("no host")
        if "%" in host and ":" not in host:
            raise Refused(f"percent-encoded host {host!r}")
        port = url.port or (443 if url.scheme == "https" else 80)
        name = host.removesuffix(".")
        allowed = self._is_allowed(name, port)
        literal = literal_address(name)
        if literal is not None:
            addresses: list[Address] = [literal]
            shown = str(literal) if str(literal) == name else f"{literal} (spelled {name})"
        else:
            try:
                resolved = await self.resolve(name, port)
            except (OSError, UnicodeError) as exc:
                raise OSError(f"cannot resolve {name}: {exc}") from exc
            addresses = []
            for text in resolved:
                try:
                    addresses.append(ipaddress.ip_address(text.split("%")[0]))
                except ValueError as exc:
                    raise Refused(f"{name} resolves to {text!r}, not an address") from exc
            if not addresses:
                raise OSError(f"{name} resolves to no address")
            shown = name
        if not allowed:
            # Every address must be public: a name with one private record is enough to reach inside.
            for ip in addresses:
                if problem := address_problem(ip):
                    where = shown if str(ip) in shown else f"{shown} resolves to {ip}"
                    raise Refused(
                        f"{where} is a non-public address ({problem}), and {name}:{port} is not allow-listed"
                    )
        default_port = port == (443 if url.scheme == "https" else 80)
        host_header = host if literal is None else (f"[{literal}]" if literal.version == 6 else str(literal))
        if not default_port:
            host_header += f":{port}"
        return Target(
            url=str(url),
            addresses=[str(ip) for ip in addresses],
            host_header=host_header,
            sni=name if url.scheme == "https" and literal is None else None,
            allowed=allowed,
        )

    def _headers(self, host_header: str) -> list[tuple[bytes, bytes]]:
        """The request's headers as `client.build_request` would merge them (the shared client's
        headers, ours over them, in that order), built from a template kept while the client's
        headers stay the same; no Cookie header: the shared client's jar is no business of web pages."""
        client_headers = (self.user_agent, *self.client.headers.raw)
        if self._header_template is None or self._header_template[0] != client_headers:
            merged = httpx.Headers(self.client.headers)
            merged.update({"Host": "", "User-Agent": self.user_agent, **REQUEST_HEADERS})
            raw = [(key, value) for key, value in merged.raw if key.lower() != b"cookie"]
            self._header_template = (client_headers, raw, [key.lower() for key, _ in raw].index(b"host"))
        _, raw, host_at = self._header_template
        headers = raw.copy()
        headers[host_at] = (raw[host_at][0], host_header.encode("ascii"))
        return headers

    def _request(self, url: httpx.URL, target: Target, address: str) -> httpx.Request:
        extensions: dict = {}
        if target.sni:
            extensions["sni_hostname"] = target.sni
        extensions["timeout"] = httpx.Timeout(self.read_timeout_s, connect=self.connect_timeout_s).as_dict()
        headers = self._headers(target.host_header)
        return httpx.Request("GET", pinned_url(url, address), headers=headers, extensions=extensions)

    async def _send(self, url: httpx.URL, target: Target) -> tuple[httpx.Response, str]:
        last: Exception | None = None
        for address in target.addresses[:ADDRESSES_TRIED]:
            try:
                request = self._request(url, target, address)
                return await self.client.send(request, stream=True, follow_redirects=False), address
            except httpx.ConnectError as exc:  # this address refuses: another of the checked ones may not
                last = exc
        assert last is not None
        raise last

    def _forget_cookies(self, address: str) -> None:
        for domain in (address, f"{address}.local"):
            try:
                self.client.cookies.jar.clear(domain)
            except KeyError:
                pass

    async def _fetch(self, url: str) -> Fetched:
        try:
            current = httpx.URL(url)
        except httpx.InvalidURL as exc:  # e.g. a host httpx itself will not parse
            raise Refused(f"invalid URL: {exc}") from exc
        # Redirects are followed by hand so every hop is checked against the address rules.
        for _ in range(MAX_REDIRECTS + 1):
            target = await self.check(current)
            response, address = await self._send(current, target)
            try:
                self._forget_cookies(address)
                if response.status_code in REDIRECTS and "location" in response.headers:
                    try:
                        current = current.join(response.headers["location"])
                    except httpx.InvalidURL as exc:
                        raise Refused(f"invalid redirect: {exc}") from exc
                    continue
                return await self._read(url, current, address, response)
            finally:
                await response.aclose()
        raise Refused(f"more than {MAX_REDIRECTS} redirects")

    async def _read(self, url: str, final: httpx.URL, address: str, response: httpx.Response) -> Fetched:
        result = Fetched(url=url, final_url=str(final), status=response.status_code, address=address)
        media, _, params = response.headers.get("content-type", "").partition(";")
        result.content_type = media.strip().lower()
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                result.charset = value.strip().strip("\"'").lower()
        if not 200 <= response.status_code < 300:
            result.error = f"HTTP {response.status_code}"
            return result
        kind = result.content_type
        if kind and kind not in ACCEPTED_TYPES and kind not in OCTET_TYPES:
            result.error = f"unsupported content type {kind}"
            return result
        cap = self.max_pdf_bytes if kind in PDF_TYPES else self.max_bytes
        declared = response.headers.get("content-length", "")
        if kind in PDF_TYPES and declared.isdigit() and int(declared) > cap:
            result.error = f"PDF too large ({int(declared)} bytes, cap {cap})"
            return result

        try:
            chain = _Chain(_encodings(response.headers.get("content-encoding", "")))
        except DecodeError as exc:
            result.error = str(exc)
            return result
        body = bytearray()
        raw_size = 0
        sniffed = kind in ACCEPTED_TYPES  # octet-stream or no type: a PDF gets the PDF cap once seen
        try:
            async for raw in response.aiter_raw():
                raw_size += len(raw)
                for piece in chain.feed(raw):
                    if not sniffed and len(body) + len(piece) >= 1024:
                        sniffed = True
                        if _is_pdf(bytes(body[:1024]) + piece[:1024]):
                            cap = self.max_pdf_bytes
                    body += piece[: cap - len(body)]
                    if len(body) >= cap:
                        result.truncated = True
                        break
                if result.truncated:
                    break
                if raw_size > cap:  # compressed data that decodes to little: the wire is capped too
                    result.truncated = True
                    break
            else:
                for piece in chain.flush():
                    body += piece[: cap - len(body)]
                    if len(body) >= cap:
                        result.truncated = True
                        break
        except DecodeError as exc:
            if not body:
                result.error = str(exc)
                return result
            result.truncated = True  # a stream broken midway: keep what decoded cleanly

        data = bytes(body)  # the one copy of the body kept
        del body
        head = data[:4096]
        is_pdf = kind in PDF_TYPES or (kind in OCTET_TYPES | {""} and _is_pdf(head))
        if is_pdf:
            if not _is_pdf(head):
                result.error = "not a PDF"
                return result
            result.content_type = "application/pdf"
        elif kind in OCTET_TYPES:
            result.error = f"unsupported content type {kind}"
            return result
        if not data or data.isspace():  # what `not data.strip()` says, without a copy
            result.error = "empty body"
        elif not is_pdf and _looks_binary(head):
            result.error = "binary content"
        else:
            result.body = data
        return result
