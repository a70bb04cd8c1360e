"""A POST over a plain socket that keeps sending until the server answers: how a test or a bench
sees when an oversized body is refused (httpx would send the whole body first)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterable


def raw_post(
    port: int, path: str, head: dict[str, str], chunks: Iterable[bytes], read_timeout: float = 20
) -> tuple[int, dict, float]:
    """POST to 127.0.0.1:port, sending `chunks` (already framed) until the server answers or they run
    out; (status, JSON body, seconds from the first byte sent to the whole answer)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in head.items()), "", ""]
    started = time.monotonic()
    sock.sendall("\r\n".join(lines).encode())
    sock.setblocking(False)
    received = b""
    try:
        for chunk in chunks:
            try:
                received += sock.recv(65536)
            except BlockingIOError:
                pass
            if b"\r\n\r\n" in received:
                break
            try:
                sock.sendall(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
        sock.settimeout(read_timeout)  # blocking again, but never for ever: a server that never answers fails the caller
        while b"\r\n\r\n" not in received or len(received.split(b"\r\n\r\n", 1)[1]) < _length(received):
            more = sock.recv(65536)
            if not more:
                break
            received += more
    finally:
        elapsed = time.monotonic() - started
        sock.close()
    head_bytes, _, body = received.partition(b"\r\n\r\n")
    status = int(head_bytes.split(b" ", 2)[1])
    return status, json.loads(body[: _length(received)]), elapsed


def _length(received: bytes) -> int:
    for line in received.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 10**9
