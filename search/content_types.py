"""Content-type rules for fetched pages: which media types are readable (HTML, XHTML, plain text,
PDF, and PDFs served as octet-stream), and how mislabelled binaries and PDFs are recognised."""

from __future__ import annotations

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain"}
PDF_TYPES = {"application/pdf", "application/x-pdf"}
OCTET_TYPES = {"application/octet-stream", "binary/octet-stream", "application/download"}
ACCEPTED_TYPES = HTML_TYPES | TEXT_TYPES | PDF_TYPES
# Control bytes other than tab, newline, vertical tab, form feed and carriage return (9..13).
_CONTROL = bytes(b for b in range(32) if not 9 <= b <= 13)


def _looks_binary(head: bytes) -> bool:
    # Mislabelled binaries (images, archives served as text/html) would feed garbage to the model.
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM has NULs but is text
        return False
    if b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL))  # counted in C, not a step per byte
    return bool(head) and control / len(head) > 0.02


def _is_pdf(head: bytes) -> bool:
    return b"%PDF-" in head[:1024]
