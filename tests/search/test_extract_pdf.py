"""A PDF's text and title (search/pdf.py pdf_text, and extract_page on a PDF): its pages and
characters capped, pypdf's limits tightened against bombs, locked and sloppy files, a missing title."""

from __future__ import annotations

import io

import pytest

from core.workers import WorkerPool
from search.extract import extract, extract_page
from search.pdf import pdf_text
from search.fetch import Fetched, Fetcher
from search.models import SearchResult
from testkit.web import PDF_BYTES, PDF_FACT, PDF_TITLE, LocalWeb, make_pdf


@pytest.mark.parametrize("route", ["/report.pdf", "/download"])
async def test_pdf_text_and_title(fetcher: Fetcher, web: LocalWeb, route: str, workers: WorkerPool) -> None:
    fetched = await fetcher.fetch(web.url(route))
    page = await extract(fetched, SearchResult(url=fetched.url, title="", snippet="a report"), workers)
    assert PDF_FACT in page.text
    assert page.title == PDF_TITLE  # from the PDF's /Info, as the result had none
    assert not page.text.startswith(PDF_TITLE)
    assert not page.from_snippet and page.error is None


@pytest.mark.parametrize(
    "body",
    [PDF_BYTES[: len(PDF_BYTES) // 3], b"%PDF-1.4\n" + bytes(range(256)) * 20, b"%PDF-1.7\n1 0 obj << /Type /Catalog"],
)
async def test_broken_pdfs_fall_back_to_the_snippet(body: bytes, workers: WorkerPool) -> None:
    url = "http://x/r.pdf"
    fetched = Fetched(url=url, final_url=url, status=200, content_type="application/pdf", body=body)
    page = await extract(fetched, SearchResult(url=url, title="R", snippet="The report, as the engine saw it."), workers)
    assert page.from_snippet and page.text == "The report, as the engine saw it."


def test_pdf_text_reads_the_fixture() -> None:
    text, title = pdf_text(PDF_BYTES)
    assert PDF_FACT in text and title == PDF_TITLE


def test_a_pdf_is_read_to_its_50th_page_and_400_000th_character() -> None:
    """A PDF from the web is read to its 50th page and its 400,000th character (a report of 300
    pages costs parsing time the answer never uses); a local file the operator chose has no cap."""
    pages = [[f"Page {n} of the Esk estuary tide report."] for n in range(1, 52)]
    text, title = pdf_text(make_pdf([], "Esk tide report", pages=pages))
    assert "Page 50 of" in text and "Page 51 of" not in text and title == "Esk tide report"
    assert "Page 51 of" in pdf_text(make_pdf([], pages=pages), max_pages=None)[0]
    long = make_pdf([], pages=[[f"{'x' * 1_000} {line}" for line in range(150)] for _ in range(3)])
    assert len(pdf_text(long)[0]) == 400_000
    assert len(pdf_text(long, max_chars=None)[0]) > 450_000


def _encrypted(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF_BYTES)))
    writer.encrypt(user_password=user_password, owner_password="harbour-office", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_password_locked_pdf_gives_nothing_and_an_empty_password_one_is_read() -> None:
    """A PDF locked by a password gives no text and no title (its snippet stands in, not its
    ciphertext); many "protected" PDFs open with the empty password, and those are read."""
    assert pdf_text(_encrypted("tide-2022")) == ("", None)
    text, title = pdf_text(_encrypted(""))
    assert PDF_FACT in text and title == PDF_TITLE


def test_a_pdf_that_pypdf_fails_to_decrypt_gives_nothing(monkeypatch) -> None:
    """An encryption pypdf cannot undo (its decrypt raising) is a locked PDF: no text, no title."""
    from pypdf import PdfReader

    def fails(self, password):
        raise NotImplementedError("an encryption this pypdf does not implement")

    monkeypatch.setattr(PdfReader, "decrypt", fails)
    assert pdf_text(_encrypted("")) == ("", None)


def test_a_pdf_whose_cross_reference_offset_is_wrong_is_still_read() -> None:
    """Many PDFs on the web carry a wrong startxref offset (edited or cut and mended by hand): they are
    read leniently, as viewers read them."""
    head, _, tail = PDF_BYTES.rpartition(b"startxref\n")
    sloppy = head + b"startxref\n" + str(int(tail.split(b"\n")[0]) - 7).encode() + b"\n%%EOF\n"
    text, title = pdf_text(sloppy)
    assert PDF_FACT in text and title == PDF_TITLE


@pytest.mark.parametrize("title", [None, "   "], ids=["no-title", "blank-title"])
def test_a_pdf_without_a_title_is_titled_by_its_result_or_address(title: str | None) -> None:
    """A PDF whose /Info has no /Title, or a blank one, has none: the result's title or the address
    titles the page, never "None" or a blank."""
    body = make_pdf([f"Page 1 of the Esk estuary tide report. {PDF_FACT}"] * 3, title)
    assert pdf_text(body)[1] is None
    url = "http://x/esk.pdf"
    fetched = Fetched(url=url, final_url=url, status=200, content_type="application/pdf", body=body)
    assert extract_page(fetched, SearchResult(url=url, title="", snippet="s")).title == url
    assert extract_page(fetched, SearchResult(url=url, title="Esk tides", snippet="s")).title == "Esk tides"


def test_a_pdf_is_parsed_no_further_than_its_400_000th_character(monkeypatch) -> None:
    """Past 400,000 characters a PDF's pages are not even parsed (a 300-page report would cost
    seconds of parsing for text the answer never reads)."""
    from pypdf import PageObject

    parsed: list[int] = []
    extract_text = PageObject.extract_text

    def counting(page, *args, **kwargs):
        parsed.append(1)
        return extract_text(page, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", counting)
    long = make_pdf([], pages=[["x" * 199_999]] * 5)  # each page's text: 200,000 characters with its line end
    assert len(pdf_text(long)[0]) == 400_000
    assert len(parsed) == 2  # the second page reaches the cap exactly: the third is never parsed


def test_a_pdf_page_that_inflates_past_20_mb_is_not_read_and_the_other_pages_are() -> None:
    """A PDF's compressed stream may be a bomb (25 MB from a few KB): pypdf's limits are tightened to
    20 MB, so that page is not read (nor parsed for seconds) and the pages beside it are; a
    compressed page of ordinary size reads as any other."""
    pages = [["Page 1 of the Esk estuary tide report."], ["The bomb page claims the tide was 99 metres."],
             ["Page 3 of the Esk estuary tide report."]]
    text, _ = pdf_text(make_pdf([], pages=pages, bombs={1: 25_000_000, 2: 100_000}))
    assert "Page 1 of" in text and "Page 3 of" in text
    assert "99 metres" not in text


def test_a_pdf_is_read_with_a_pypdf_too_old_to_tighten_its_limits(monkeypatch) -> None:
    """pypdf before apply_configuration (the project allows pypdf 4) keeps its own built-in limits:
    PDFs are still read."""
    import pypdf

    monkeypatch.delattr(pypdf, "apply_configuration", raising=False)
    text, title = pdf_text(PDF_BYTES)
    assert PDF_FACT in text and title == PDF_TITLE
