"""A safety net for tests that steer the fetcher at private and metadata addresses: within
`loopback_only()`, no TCP connection may leave the machine."""

from __future__ import annotations

import contextlib


class NonLoopbackConnection(AssertionError):
    pass


@contextlib.contextmanager
def loopback_only():
    """Within the block, any TCP connect to an address outside 127.0.0.0/8 and ::1 raises (and is
    recorded) instead of leaving the machine: a safety net for tests that feed the fetcher private
    and metadata addresses, and a check that the policy refused them before any connection."""
    import ipaddress
    import socket

    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(address: object) -> bool:
        if not isinstance(address, tuple):
            return True  # unix sockets
        try:
            ip = ipaddress.ip_address(str(address[0]).split("%")[0])
        except ValueError:
            return False
        return ip.is_loopback and not (ip.version == 6 and ip.ipv4_mapped is not None)

    def connect(sock, address):
        if not allowed(address):
            attempts.append(str(address))
            raise NonLoopbackConnection(f"connection to {address} blocked by loopback_only()")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if not allowed(address):
            attempts.append(str(address))
            raise NonLoopbackConnection(f"connection to {address} blocked by loopback_only()")
        return real_connect_ex(sock, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex
