"""Compression bombs for /gzip-bomb and /br-bomb: 1 GB of zeros, built once and cheaply."""

from __future__ import annotations

import functools
import struct
import zlib

_MB = 1 << 20
BOMB_MB = 1024  # the bombs expand to 1 GB


@functools.cache
def gzip_bomb_blocks() -> tuple[bytes, bytes]:
    """(gzip header + the first MB of zeros, one more MB of zeros): after a full flush every MB
    compresses to the same bytes, so 1 GB streams without compressing 1 GB."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = c.compress(bytes(_MB)) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(_MB)) + c.flush(zlib.Z_FULL_FLUSH)
    return first, block


def gzip_bomb_trailer(megabytes: int = BOMB_MB) -> bytes:
    crc = 0
    zeros = bytes(_MB)
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    return b"\x03\x00" + struct.pack("<II", crc, (megabytes * _MB) & 0xFFFFFFFF)


@functools.cache
def brotli_bomb() -> bytes:
    import brotli

    c = brotli.Compressor(quality=1)
    zeros = bytes(_MB)
    return b"".join(c.process(zeros) for _ in range(BOMB_MB)) + c.finish()
