"""A PDF's text and title: the one PDF reader (web pages in the parse workers, files in the local
index), pypdf under tightened resource limits, as a PDF's streams may be bombs too."""

from __future__ import annotations

import contextlib
import io
import logging

log = logging.getLogger(__name__)

MAX_PDF_PAGES = 50
MAX_PDF_CHARS = 400_000


def _pdf_limits():
    """pypdf's own resource limits, tightened: a PDF's streams may be bombs too."""
    import pypdf

    apply = getattr(pypdf, "apply_configuration", None)
    if apply is None:  # older pypdf: its built-in limits apply
        return contextlib.nullcontext()
    return apply(
        zlib_maximum_output_length=20_000_000,
        lzw_maximum_output_length=20_000_000,
        run_length_maximum_output_length=20_000_000,
        brotli_maximum_output_length=20_000_000,
        maximum_declared_stream_length=20_000_000,
        stream_decoding_work_maximum_length=50_000_000,
        image_maximum_buffer_size=20_000_000,
    )


def pdf_text(
    body: bytes, *, max_pages: int | None = MAX_PDF_PAGES, max_chars: int | None = MAX_PDF_CHARS
) -> tuple[str, str | None]:
    """The text of a PDF's first pages and its /Title; ("", None) when it has none or is encrypted.
    The one PDF reader (web pages and the local index): pypdf under tightened limits, as a PDF's
    streams may be bombs; None for no page/character cap (a local file the operator chose)."""
    from pypdf import PdfReader

    with _pdf_limits():
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # many "protected" PDFs open with the empty password
            except Exception:
                opened = False
            if not opened:
                return "", None
        title = None
        try:
            if reader.metadata and reader.metadata.title:
                title = str(reader.metadata.title).strip() or None
        except Exception:
            title = None
        texts: list[str] = []
        size = 0
        for number, page in enumerate(reader.pages):
            if (max_pages is not None and number >= max_pages) or (max_chars is not None and size >= max_chars):
                break
            try:
                text = page.extract_text() or ""
            except Exception as exc:  # one broken page does not lose the others
                log.info("pdf page %d unreadable: %r", number, exc)
                continue
            texts.append(text)
            size += len(text)
    text = "\n\n".join(texts)
    return (text if max_chars is None else text[:max_chars]), title
