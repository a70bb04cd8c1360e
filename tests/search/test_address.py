"""The address policy on its own (search/address.py): each forbidden address named, one by one."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from search.address import METADATA_ADDRESSES, address_problem
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
