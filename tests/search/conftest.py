from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from search.fetch import Fetcher
from testkit.web import LocalWeb


@pytest.fixture(scope="session")
def web() -> Iterator[LocalWeb]:
    with LocalWeb() as local_web:
        yield local_web


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


@pytest.fixture
def fetcher(client: httpx.AsyncClient, web: LocalWeb) -> Fetcher:
    return Fetcher(client, allow_hosts=[web.host_port], timeout_s=2.0, max_bytes=1_000_000, user_agent="test-agent")


