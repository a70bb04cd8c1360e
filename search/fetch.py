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

A bad page never raises: it comes back as a `Fetched` with `error` set, and the snippet stands in."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator

import httpx
from pydantic import BaseModel

try:  # brotli is optional: without it "br" is simply not offered to servers
    import brotli

    brotli.Decompressor().process(b"", output_buffer_limit=1)  # bounded output needs brotli >= 1.2
    HAVE_BROTLI = True
except (ImportError, TypeError, AttributeError):  # pragma: no cover - depends on the install
    brotli = None
    HAVE_BROTLI = False

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain"}
PDF_TYPES = {"application/pdf", "application/x-pdf"}
OCTET_TYPES = {"application/octet-stream", "binary/octet-stream", "application/download"}
ACCEPTED_TYPES = HTML_TYPES | TEXT_TYPES | PDF_TYPES
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
STEP = 64 * 1024  # the most a decoder produces at once
MAX_ENCODINGS = 2  # "gzip, br" is legal; a stack of ten is an attack
ADDRESSES_TRIED = 3  # a host with several public addresses: try the next when one refuses

ACCEPT_ENCODING = "gzip, deflate, br" if HAVE_BROTLI else "gzip, deflate"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


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


class Refused(Exception):
    """The URL may not be fetched (scheme, private address, redirects)."""


# --- the address policy -----------------------------------------------------------------------

_V4_FORBIDDEN = [
    (ipaddress.ip_network(net), why)
    for net, why in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignment"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    )
]
_V6_FORBIDDEN = [
    (ipaddress.ip_network(net), why)
    for net, why in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible"),
        ("::ffff:0:0/96", "IPv4-mapped"),
        ("::ffff:0:0:0/96", "IPv4-translated"),
        ("64:ff9b:1::/48", "local NAT64"),
        ("100::/64", "discard-only"),
        ("2001::/23", "IETF protocol assignment"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
]
# Cloud instance metadata: credentials live there. 169.254.169.254 (AWS, GCP, Azure, OCI, ...) and
# fd00:ec2::254 (AWS IPv6) are also link-local / unique-local; Azure's wire server is a public address.
METADATA_ADDRESSES = {
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "168.63.129.16")
}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_v4(ip: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    """IPv4 addresses an IPv6 address carries (and may be routed to)."""
    found: list[tuple[str, ipaddress.IPv4Address]] = []
    value = int(ip)
    if ip.ipv4_mapped:
        found.append(("IPv4-mapped", ip.ipv4_mapped))
    elif value >> 32 == 0 and value > 1:  # ::a.b.c.d, deprecated IPv4-compatible
        found.append(("IPv4-compatible", ipaddress.IPv4Address(value & 0xFFFFFFFF)))
    elif value >> 32 == 0xFFFF0000:  # ::ffff:0:a.b.c.d, SIIT IPv4-translated
        found.append(("IPv4-translated", ipaddress.IPv4Address(value & 0xFFFFFFFF)))
    if ip in _NAT64:
        found.append(("NAT64", ipaddress.IPv4Address(value & 0xFFFFFFFF)))
    if ip.sixtofour:
        found.append(("6to4", ip.sixtofour))
    if ip.teredo:
        server, client = ip.teredo
        found += [("Teredo client", client), ("Teredo server", server)]
    return found


def address_problem(ip: Address) -> str | None:
    """Why `ip` must not be connected to, or None when it is an ordinary public address."""
    if ip in METADATA_ADDRESSES:
        return "cloud metadata endpoint"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(ip.compressed.split("%")[0])
        for label, inner in _embedded_v4(ip):
            if problem := address_problem(inner):
                return f"{label} {inner}: {problem}"
        table = _V6_FORBIDDEN
    else:
        table = _V4_FORBIDDEN
    for network, why in table:
        if ip in network:
            return why
    for flag in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved", "site_local"):
        if getattr(ip, f"is_{flag}", False):
            return flag.replace("_", "-")
    if not ip.is_global:
        return "not globally routable"
    return None


_NUMBER = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


def parse_ipv4_spelling(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a numeric host means, as browsers and inet_aton read it: `2130706433`,
    `0x7f.1`, `0177.0.0.1`, `127.1` are all 127.0.0.1. None for a name. Raises Refused for a host
    whose last label is numeric but which is no valid address (`1.2.3.4.5`, `09.1`): a browser
    would refuse it too, and a resolver might read it some other way."""
    labels = host.removesuffix(".").split(".")
    if not labels or not _NUMBER.match(labels[-1]):
        return None
    if len(labels) > 4 or not all(_NUMBER.match(label) for label in labels):
        raise Refused(f"{host!r} is not a valid IPv4 address")
    numbers: list[int] = []
    for label in labels:
        if label[:2].lower() == "0x":
            numbers.append(int(label[2:] or "0", 16))
        elif len(label) > 1 and label.startswith("0"):
            if not set(label) <= set("01234567"):
                raise Refused(f"{host!r} is not a valid IPv4 address (bad octal)")
            numbers.append(int(label, 8))
        else:
            numbers.append(int(label))
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        raise Refused(f"{host!r} is not a valid IPv4 address (out of range)")
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def literal_address(host: str) -> Address | None:
    """The address a URL host spells (IPv6 literal, dotted quad or any numeric IPv4 spelling)."""
    try:
        return ipaddress.ip_address(host.split("%")[0] if ":" in host else host)
    except ValueError:
        pass
    if ":" in host:
        raise Refused(f"{host!r} is not a valid IPv6 address")
    return parse_ipv4_spelling(host)


def _split_allow_entry(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower()
    if entry.startswith("["):  # [::1]:8080
        host, _, rest = entry[1:].partition("]")
        port = rest.removeprefix(":")
        return host, int(port) if port.isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        if port.isdigit():
            return host.removesuffix("."), int(port)
    return entry.removesuffix("."), None


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]))
    return list(seen)


class Target(BaseModel):
    """A checked hop: where to connect and how to name the site on that connection."""

    url: str  # the URL as the site knows it (redirects are joined against it)
    addresses: list[str]  # the checked IPs, in the order to try
    host_header: str  # "example.com" or "example.com:8080"
    sni: str | None = None  # https: the name to send in TLS SNI (and verify the certificate against)
    allowed: bool = False  # exempted by allow_hosts


# --- bounded decoding -------------------------------------------------------------------------


class DecodeError(Exception):
    pass


class _Inflate:
    """gzip / deflate, never producing more than STEP bytes per step, however small the input."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._d: zlib._Decompress | None = None

    def _start(self, head: bytes) -> zlib._Decompress:
        if self.kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is meant to be zlib-wrapped, but many servers send raw deflate
        zlib_wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and ((head[0] << 8) | head[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._d is None:
            if not data:
                return
            self._d = self._start(data)
        buf = data
        try:
            while True:
                if self._d.eof:
                    rest = self._d.unused_data
                    if self.kind == "gzip" and rest[:2] == b"\x1f\x8b":  # concatenated gzip members
                        self._d = self._start(rest)
                        buf = rest
                        continue
                    return  # trailing garbage after the stream: ignored
                piece = self._d.decompress(buf, STEP)
                if piece:
                    yield piece
                buf = self._d.unconsumed_tail
                if not buf and len(piece) < STEP:
                    return
        except zlib.error as exc:
            raise DecodeError(f"bad {self.kind} stream: {exc}") from exc

    def flush(self) -> Iterator[bytes]:
        yield from self.feed(b"")


class _Brotli:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            if self._d.is_finished():
                return
            piece = self._d.process(data, output_buffer_limit=STEP)
            if piece:
                yield piece
            while not self._d.can_accept_more_data() and not self._d.is_finished():
                piece = self._d.process(b"", output_buffer_limit=STEP)
                if not piece:
                    break
                yield piece
        except brotli.error as exc:
            raise DecodeError(f"bad brotli stream: {exc}") from exc

    def flush(self) -> Iterator[bytes]:
        return iter(())


class _Chain:
    """Content-Encoding "a, b" was applied a then b: undo b, then a."""

    def __init__(self, encodings: list[str]) -> None:
        self.stages = [_Brotli() if e == "br" else _Inflate(e) for e in reversed(encodings)]

    def _through(self, data: bytes, i: int, final: bool) -> Iterator[bytes]:
        if i == len(self.stages):
            yield data
            return
        stage = self.stages[i]
        for piece in stage.feed(data):
            yield from self._through(piece, i + 1, final=False)
        if final:
            for piece in stage.flush():
                yield from self._through(piece, i + 1, final=False)
            yield from self._through(b"", i + 1, final=True)

    def feed(self, data: bytes) -> Iterator[bytes]:
        for piece in self._through(data, 0, final=False):
            if piece:
                yield piece

    def flush(self) -> Iterator[bytes]:
        for piece in self._through(b"", 0, final=True):
            if piece:
                yield piece


def _encodings(header: str) -> list[str]:
    names = [e.strip().lower() for e in header.split(",") if e.strip()]
    names = ["gzip" if e == "x-gzip" else e for e in names if e != "identity"]
    for name in names:
        if name not in ("gzip", "deflate") and not (name == "br" and HAVE_BROTLI):
            raise DecodeError(f"unsupported content encoding {name}")
    if len(names) > MAX_ENCODINGS:
        raise DecodeError(f"{len(names)} content encodings stacked")
    return names


def _looks_binary(head: bytes) -> bool:
    # Mislabelled binaries (images, archives served as text/html) would feed garbage to the model.
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM has NULs but is text
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and control / len(head) > 0.02


def _is_pdf(head: bytes) -> bool:
    return b"%PDF-" in head[:1024]


# --- the fetcher ------------------------------------------------------------------------------


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

    def _request(self, url: httpx.URL, target: Target, address: str) -> httpx.Request:
        pinned = url.copy_with(host=address)
        headers = {
            "Host": target.host_header,
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8,*/*;q=0.1",
            "Accept-Language": "en,zh;q=0.9",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        extensions: dict = {}
        if target.sni:
            extensions["sni_hostname"] = target.sni
        timeout = httpx.Timeout(self.read_timeout_s, connect=self.connect_timeout_s)
        request = self.client.build_request("GET", pinned, headers=headers, timeout=timeout, extensions=extensions)
        request.headers.pop("cookie", None)  # the shared client's jar is no business of web pages
        return request

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

        head = bytes(body[:4096])
        is_pdf = kind in PDF_TYPES or (kind in OCTET_TYPES | {""} and _is_pdf(head))
        if is_pdf:
            if not _is_pdf(head):
                result.error = "not a PDF"
                return result
            result.content_type = "application/pdf"
        elif kind in OCTET_TYPES:
            result.error = f"unsupported content type {kind}"
            return result
        if not bytes(body).strip():
            result.error = "empty body"
        elif not is_pdf and _looks_binary(head):
            result.error = "binary content"
        else:
            result.body = bytes(body)
        return result
