"""Conversation-store test support: a numbered turn, and free ports for a real Redis Cluster on loopback."""

from __future__ import annotations

from agent.state import Turn
from testkit.app_server import free_port


def turn(i: int) -> Turn:
    return Turn(question=f"question {i}", answer=f"answer {i} [1]", model_answer=f"answer {i} [citation:1]")


def cluster_ports(count: int) -> list[int]:
    """Free ports whose cluster bus port (port + 10000) exists and is free too."""
    import socket

    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port + 10000 > 65535 or port in ports:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
    return ports
