"""Fixtures for the inference tests: vLLM is testkit's scripted server (the one fake of its protocol)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from testkit.megrez import ScriptedMegrez


@pytest.fixture
def fake_vllm() -> Iterator[ScriptedMegrez]:
    """vLLM serving `megrez`, every prompt answered with `fake_vllm.reply`, which a test may change."""
    with ScriptedMegrez(reply="Paris is the capital of France.[citation:1]") as server:
        yield server


@pytest.fixture
def closed_port_url() -> str:
    """A URL where nothing listens: bind a port, then let it go."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
