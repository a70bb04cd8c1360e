"""The address policy on its own (search/address.py): each forbidden address named, one by one."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from search.address import (
    METADATA_ADDRESSES,
    Refused,
    address_problem,
    literal_address,
    parse_ipv4_spelling,
    system_resolve,
)
from search.fetch import Fetcher


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",  # AWS, GCP, Azure, OCI, DigitalOcean, ... instance metadata
        "169.254.170.2",  # AWS ECS task metadata and credentials
        "fd00:ec2::254",  # AWS instance metadata over IPv6
        "168.63.129.16",  # Azure's wire server: a public address, refused only for being metadata
    ],
)
def test_each_cloud_metadata_endpoint_is_refused_as_such(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert ip in METADATA_ADDRESSES
    assert address_problem(ip) == "cloud metadata endpoint"


def test_azure_wire_server_neighbours_are_public() -> None:
    # the rule is the one address, not its network: Azure's other public addresses stay fetchable
    for address in ("168.63.129.15", "168.63.129.17"):
        assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("url", ["http://168.63.129.16/machine?comp=goalstate", "http://2822734096/machine"])
async def test_a_fetch_of_the_azure_wire_server_is_refused_before_connecting(url: str) -> None:
    async with httpx.AsyncClient() as client:
        got = await Fetcher(client, timeout_s=2).fetch(url)
    assert got.error and "refused" in got.error and "cloud metadata endpoint" in got.error, got.error
    assert got.status == 0 and not got.body


async def test_a_name_resolving_to_the_azure_wire_server_is_refused() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["168.63.129.16"]

    async with httpx.AsyncClient() as client:
        got = await Fetcher(client, resolver=resolve, timeout_s=2).fetch("http://wireserver.example/")
    assert got.error and "wireserver.example resolves to" in got.error and "cloud metadata" in got.error


# One address inside each row of the policy's tables, with the reason that row gives: a row dropped
# from a table shows here (by its reason, or by the address becoming fetchable).
ROWS = [
    ("0.1.2.3", "unspecified"),
    ("10.1.2.3", "private"),
    ("100.64.1.2", "carrier-grade NAT"),
    ("127.1.2.3", "loopback"),
    ("169.254.1.2", "link-local"),
    ("172.20.1.2", "private"),
    ("192.0.0.10", "IETF protocol assignment"),
    ("192.0.2.5", "documentation"),
    ("192.88.99.1", "6to4 relay"),
    ("192.168.5.5", "private"),
    ("198.19.1.1", "benchmarking"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("233.252.0.1", "multicast"),
    ("250.1.2.3", "reserved"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("::8.8.8.8", "IPv4-compatible"),
    ("::ffff:8.8.8.8", "IPv4-mapped"),
    ("::ffff:0:808:808", "IPv4-translated"),
    ("64:ff9b:1::1", "local NAT64"),
    ("100::1", "discard-only"),
    ("2001:100::1", "IETF protocol assignment"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("5f00::1", "segment routing"),
    ("fd00::1", "unique-local"),
    ("fe80::1", "link-local"),
    ("fec0::1", "site-local"),
    ("ff0e::1", "multicast"),
]


@pytest.mark.parametrize(("address", "why"), ROWS)
def test_every_row_of_the_policy_refuses_its_addresses_by_name(address: str, why: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) == why


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("::2", "IPv4-compatible 0.0.0.2: unspecified"),  # the smallest IPv4-compatible address read as such
        ("::1:0:0", "reserved"),  # one bit above the IPv4-compatible range: not read as IPv4
        ("::ffff:0:a00:1", "IPv4-translated 10.0.0.1: private"),
    ],
)
def test_ipv4_carried_in_ipv6_is_read_exactly_at_the_edges(address: str, why: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) == why


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("1.2.3.4.5", "'1.2.3.4.5' is not a valid IPv4 address"),  # five parts: not an address at all
        ("example.1", "'example.1' is not a valid IPv4 address"),  # numeric last label, a name before it
        ("1.0x1g.3", "'1.0x1g.3' is not a valid IPv4 address"),
        ("09.1", "'09.1' is not a valid IPv4 address (bad octal)"),
        ("256.1.1.1", "'256.1.1.1' is not a valid IPv4 address (out of range)"),
        ("1.2.65536", "'1.2.65536' is not a valid IPv4 address (out of range)"),
    ],
)
def test_a_broken_numeric_host_is_refused_saying_why(host: str, message: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_ipv4_spelling(host)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("host", "meant"),
    [("1.2.3.4", "1.2.3.4"), ("1.2.772", "1.2.3.4"), ("1.131844", "1.2.3.4"), ("16909060", "1.2.3.4"),
     ("0x1.0x2.0x3.0x4", "1.2.3.4"), ("01.02.03.04", "1.2.3.4"), ("0x", "0.0.0.0"), ("1.2.3.4.", "1.2.3.4"),
     ("255.255.255.255", "255.255.255.255"), ("1.2.65535", "1.2.255.255"), ("0377.0xff.255.0", "255.255.255.0")],
)
def test_every_spelling_of_an_address_means_that_address(host: str, meant: str) -> None:
    assert parse_ipv4_spelling(host) == ipaddress.IPv4Address(meant)


def test_the_edges_of_octal_and_of_ipv6_literals() -> None:
    assert parse_ipv4_spelling("01234567") == ipaddress.IPv4Address("0.5.57.119")  # every octal digit
    assert parse_ipv4_spelling("0") == ipaddress.IPv4Address("0.0.0.0")
    assert literal_address("fe80::1%eth0") == ipaddress.IPv6Address("fe80::1")  # the zone is not the address
    with pytest.raises(Refused, match="'fe80::zz' is not a valid IPv6 address"):
        literal_address("fe80::zz")
    scoped = ipaddress.ip_address("fe80::1%eth0")
    assert address_problem(scoped) == "link-local"
    assert address_problem(ipaddress.ip_address("2606:4700::1%eth0")) is None


async def test_the_system_resolver_answers_addresses() -> None:
    assert await system_resolve("127.0.0.1", 8080) == ["127.0.0.1"]
