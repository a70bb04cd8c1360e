"""Bounded decoding of Content-Encoding (gzip, deflate, brotli): the raw body is decoded in steps
of at most `STEP` bytes, so the fetcher can stop at its cap however well the data compresses (a 1 GB
gzip bomb costs at most the cap)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from core.errors import ErrorKind, WebsearchError

try:  # brotli is optional: without it "br" is simply not offered to servers
    import brotli

    brotli.Decompressor().process(b"", output_buffer_limit=1)  # bounded output needs brotli >= 1.2
    HAVE_BROTLI = True
except (ImportError, TypeError, AttributeError):  # pragma: no cover - depends on the install
    brotli = None
    HAVE_BROTLI = False

STEP = 64 * 1024  # the most a decoder produces at once
MAX_ENCODINGS = 2  # "gzip, br" is legal; a stack of ten is an attack

ACCEPT_ENCODING = "gzip, deflate, br" if HAVE_BROTLI else "gzip, deflate"


# --- bounded decoding -------------------------------------------------------------------------


class DecodeError(WebsearchError):
    """A page's body cannot be decoded as its Content-Encoding says (bad stream, too many layers)."""

    kind = ErrorKind.UNAVAILABLE
    code = "page_undecodable"


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
