"""The address policy for fetches: which hosts and IPs a fetch may connect to, and how a checked
hop is pinned to the address that was checked.

* Numeric host spellings (`2130706433`, `0x7f.1`, `017700000001`) are read as the addresses they mean.
* Every address must be public: not private, loopback, link-local, carrier-grade NAT, multicast,
  reserved, unspecified, unique-local, a cloud metadata endpoint, nor an IPv6 address embedding a
  forbidden IPv4 one.
* The host is resolved once (`system_resolve`, or the resolver a Fetcher is given); the `Target`
  of a hop carries the checked addresses, and the connection goes to one of them.
* `allow_hosts` entries are exact `host:port` (an entry without a port: every port).

`search.fetch.Fetcher.check` applies these rules to each hop."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from core.errors import ErrorKind, WebsearchError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


class Refused(WebsearchError):
    """The URL may not be fetched (scheme, private address, redirects)."""

    kind = ErrorKind.REFUSED
    code = "fetch_refused"


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

