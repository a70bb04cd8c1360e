"""The PDF that LocalWeb serves at /report.pdf and /download, written by hand (no PDF library)."""

from __future__ import annotations

import zlib


def _pdf_string(text: str) -> bytes:
    return b"(" + text.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(
    lines: list[str], title: str | None = "", *, pages: list[list[str]] | None = None, bombs: dict[int, int] | None = None
) -> bytes:
    """A minimal, valid PDF (Helvetica text objects, an /Info title), written by hand: one page of
    `lines`, or one page per entry of `pages`. `title` None: an /Info without a /Title. `bombs`
    {page index: bytes}: that page's contents padded with blanks to that size and FlateDecode-
    compressed (a decompression bomb, a few KB)."""
    pages = [lines] if pages is None else pages
    streams = []
    for page in pages:
        text = [b"BT /F1 12 Tf 14 TL 72 740 Td"]
        for line in page:
            text.append(_pdf_string(line) + b" Tj T*")
        text.append(b"ET")
        streams.append(b"\n".join(text))
    # 1 catalog, 2 page tree, then each page and its contents, then the font and the /Info.
    font, info = 3 + 2 * len(pages), 4 + 2 * len(pages)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(len(pages)))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages))]
    for i, stream in enumerate(streams):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R" % (4 + 2 * i)
            + b" /Resources << /Font << /F1 %d 0 R >> >> >>" % font
        )
        if bombs and i in bombs:
            stream = zlib.compress(stream + b" " * (bombs[i] - len(stream)), 9)
            objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
        else:
            objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects.append(b"<< " + (b"/Title " + _pdf_string(title) if title is not None else b"") + b" /Producer (LocalWeb) >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info, xref)
    return bytes(out)


PDF_TITLE = "Esk Estuary Tide Report 2022"
PDF_FACT = "The highest tide recorded at the Esk estuary gauge in 2022 was 4.87 metres, on 14 January."
PDF_BYTES = make_pdf(
    [
        "Esk Estuary Tide Report 2022",
        "Veldmark Harbour Authority, hydrographic office.",
        "",
        PDF_FACT,
        "The lowest tide of the year, 0.42 metres, was measured on 3 March.",
        "The gauge sits on the eastern pier, 600 metres from the Aurora Bridge.",
        "Readings are taken every six minutes and published the following morning.",
        "Storm surges added up to 0.9 metres to the predicted level on four days in winter.",
    ],
    title=PDF_TITLE,
)
