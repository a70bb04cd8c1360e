"""Reading a folder's files into documents for the local index (`search.index`).

HTML, Markdown, plain text and PDF files are read, each with a title from the document: HTML
<title> (else the first <h1>), the first Markdown heading (or front-matter title), the PDF's
metadata, else the file name. The text is cleaned to paragraphs, ready to be split into passages."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import ErrorKind, WebsearchError
from search.extract import clean_plain, decode
from search.pdf import pdf_text

KINDS = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".pdf": "pdf",
}
MAX_FILE_BYTES = 64 * 1024 * 1024


class LocalIndexError(WebsearchError):
    """The index cannot be built or loaded; the message says why in one line."""

    kind = ErrorKind.UNAVAILABLE
    code = "local_index_unavailable"


# --- reading documents ----------------------------------------------------------------------------


@dataclass
class Document:
    path: Path  # absolute
    title: str
    text: str
    mtime: float

    @property
    def url(self) -> str:
        return self.path.as_uri()


def _decode(raw: bytes) -> str:
    return decode(raw, None)  # charset sniffing shared with the web reader


_BLOCK_TAGS = (
    "p", "div", "section", "article", "li", "ul", "ol", "tr", "table", "pre", "blockquote", "br",
    "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "header", "footer", "main", "aside", "figcaption",
)  # fmt: skip


def _html_fallback_text(tree) -> str:
    """Every visible text of the page, one block a paragraph (when trafilatura keeps nothing)."""
    for bad in tree.xpath("//script|//style|//noscript|//template|//head"):
        bad.getparent().remove(bad)
    for element in tree.iter(*_BLOCK_TAGS):
        element.tail = "\n\n" + (element.tail or "")
    return tree.text_content()


def read_html(raw: bytes, path: Path) -> tuple[str, str]:
    import lxml.html
    import trafilatura

    html = _decode(raw)
    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return path.name, ""
    title = " ".join("".join(tree.xpath("//title//text()")).split())
    if not title:
        title = " ".join("".join(tree.xpath("(//h1)[1]//text()")).split())
    # Main text as for web pages, but favouring recall: a team's own pages have little boilerplate,
    # and a paragraph lost here can never be found.
    text = trafilatura.extract(
        html, include_comments=False, include_tables=True, include_links=False, favor_recall=True
    ) or ""
    fallback = clean_plain(_html_fallback_text(tree))
    if len(text) < 0.25 * len(fallback):  # trafilatura kept almost nothing: take every visible text
        text = fallback
    return title or path.name, clean_plain(text)


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*\n", re.S)
_ATX = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_SETEXT = re.compile(r"^(?!\s*$)(.+)\n\s{0,3}(?:=+|-+)\s*$", re.M)


def markdown_title(text: str) -> str:
    body = text
    front = _FRONT_MATTER.match(text)
    if front:
        m = re.search(r"^title:\s*['\"]?(.+?)['\"]?\s*$", front.group(1), re.M)
        if m:
            return m.group(1).strip()
        body = text[front.end() :]
    heads = [m for m in (_ATX.search(body), _SETEXT.search(body)) if m]
    if not heads:
        return ""
    return _strip_inline(min(heads, key=lambda m: m.start()).group(1)).strip()


def _strip_inline(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images: their alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links: their words
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)  # reference links
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    return re.sub(r"<[^>]+>", "", text)


def markdown_text(text: str) -> str:
    front = _FRONT_MATTER.match(text)
    if front:
        text = text[front.end() :]
    lines = []
    for line in text.splitlines():
        if re.match(r"^\s*(```|~~~)", line):  # fence markers go, the code stays
            continue
        if re.match(r"^\s{0,3}\[[^\]]+\]:\s*\S+", line):  # link reference definitions
            continue
        if re.match(r"^\s*[-=*_|: ]{3,}\s*$", line) and set(line.strip()) <= set("-=*_|: "):  # rules, table rulers
            line = ""
        line = re.sub(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", r"\1", line)  # headings keep their words
        line = re.sub(r"^\s*(?:>\s?)+", "", line)  # block quotes
        line = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?", "", line)  # list markers, task boxes
        if line.strip().startswith("|"):
            line = " ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
        lines.append(_strip_inline(line))
    return clean_plain("\n".join(lines))


def read_pdf(path: Path) -> tuple[str, str]:
    text, title = pdf_text(path.read_bytes(), max_pages=None, max_chars=None)  # the whole file (<= MAX_FILE_BYTES)
    # Blank lines between pages; within a page pypdf gives one line per printed line.
    return title or path.name, clean_plain(text)


def read_document(path: Path) -> Document:
    """One file as a Document; raises on an unreadable or empty file (the caller skips it)."""
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise LocalIndexError(f"unsupported file type {path.suffix!r}")
    stat = path.stat()
    if stat.st_size > MAX_FILE_BYTES:
        raise LocalIndexError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if kind == "pdf":
        title, text = read_pdf(path)
    else:
        raw = path.read_bytes()
        if kind == "html":
            title, text = read_html(raw, path)
        elif kind == "markdown":
            source = _decode(raw)
            title, text = markdown_title(source) or path.name, markdown_text(source)
        else:
            title, text = path.name, clean_plain(_decode(raw))
    if not text.strip():
        raise LocalIndexError("no text")
    return Document(path=path.resolve(), title=" ".join(title.split()) or path.name, text=text, mtime=stat.st_mtime)


def iter_files(root: Path, exclude: Iterable[Path] = ()) -> Iterator[Path]:
    """Supported files under root, in a stable order; hidden files and folders (.git) skipped."""
    excluded = {p.resolve() for p in exclude}
    inside = root.resolve()
    seen: set[Path] = set()
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() not in excluded)
        for name in sorted(files):
            real = (here / name).resolve()
            # A symlink out of the folder is not the folder's document (nor served as one); one
            # inside it names a file the walk reaches anyway: each file is indexed once.
            if not name.startswith(".") and Path(name).suffix.lower() in KINDS and real.is_relative_to(inside):
                if real not in seen:
                    seen.add(real)
                    yield here / name


def clean_html(raw: bytes) -> bytes:
    """A document's HTML without anything active or remote, to serve it (lxml_html_clean, a
    trafilatura dependency). Runs in a parse worker."""
    import lxml.html
    from lxml_html_clean import Cleaner

    cleaner = Cleaner(
        scripts=True,
        javascript=True,
        comments=True,
        style=False,  # inline styles stay (the CSP allows them, and only them)
        inline_style=False,
        links=True,
        meta=True,
        page_structure=False,
        processing_instructions=True,
        embedded=True,
        frames=True,
        forms=True,
        annoying_tags=True,
        remove_unknown_tags=False,
        safe_attrs_only=True,
        kill_tags={"base"},  # a <base href> would point every relative link elsewhere
    )
    document = lxml.html.document_fromstring(raw)
    return lxml.html.tostring(cleaner.clean_html(document), encoding="utf-8", doctype="<!DOCTYPE html>")
