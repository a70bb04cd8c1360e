"""A local BM25 index over a folder of documents, so a team can ask its own files offline.

    websearch index ./handbook --index .websearch-index      # build (or rebuild) the index
    WEBSEARCH_SEARCH_PROVIDER=local websearch ask "…"        # search it instead of the web

HTML, Markdown, plain text and PDF files are read (title from the document: HTML <title>, the
first Markdown heading, the PDF's metadata, else the file name), split into paragraph-bounded
passages exactly as web pages are (`search.rank.split_passages`), and indexed with `bm25s` over the
same tokens the ranker uses (`search.rank.tokenize`: English words; Chinese characters and
character bigrams, so Chinese needs no word segmenter).

The index is a directory:

    meta.json          format version, source folder, counts
    documents.jsonl    one document a line: path, file:// URL, title, mtime, full text
    passages.jsonl     one passage a line: its document's number and its text
    bm25/              the bm25s matrices and vocabulary

A search returns one SearchResult per document (its best passage as the snippet, the whole text in
`content`, so the read stage never has to open, let alone fetch, a file:// URL)."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from search.models import Page, SearchResult
from search.rank import TOKENIZER_VERSION, split_passages, tokenize

log = logging.getLogger("websearch.index")

FORMAT = 1
PROVIDER = "local"
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
_RECENCY_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}


class LocalIndexError(Exception):
    """The index cannot be built or loaded; the message says why in one line."""


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
    from search.extract import decode  # charset sniffing shared with the web reader

    return decode(raw, None)


def _clean(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


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
    fallback = _clean(_html_fallback_text(tree))
    if len(text) < 0.25 * len(fallback):  # trafilatura kept almost nothing: take every visible text
        text = fallback
    return title or path.name, _clean(text)


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
    return _clean("\n".join(lines))


def read_pdf(path: Path) -> tuple[str, str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise LocalIndexError("encrypted PDF")
    pages = [(page.extract_text() or "") for page in reader.pages]
    title = ""
    try:
        title = ((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:  # a broken info dictionary: the file name will do
        title = ""
    # Blank lines between pages; within a page pypdf gives one line per printed line.
    return title or path.name, _clean("\n\n".join(pages))


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
            title, text = path.name, _clean(_decode(raw))
    if not text.strip():
        raise LocalIndexError("no text")
    return Document(path=path.resolve(), title=" ".join(title.split()) or path.name, text=text, mtime=stat.st_mtime)


def iter_files(root: Path, exclude: Iterable[Path] = ()) -> Iterator[Path]:
    """Supported files under root, in a stable order; hidden files and folders (.git) skipped."""
    excluded = {p.resolve() for p in exclude}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() not in excluded)
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in KINDS:
                yield here / name


# --- building -------------------------------------------------------------------------------------


@dataclass
class IndexStats:
    source: Path
    index_dir: Path
    documents: int = 0
    passages: int = 0
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def build_index(source: str | os.PathLike, index_dir: str | os.PathLike) -> IndexStats:
    """Index every supported file under `source` into `index_dir` (replaced whole, atomically)."""
    import bm25s

    root = Path(source).expanduser().resolve()
    target = Path(index_dir).expanduser().resolve()
    if not root.is_dir():
        raise LocalIndexError(f"{source} is not a folder")
    if target.exists() and not (target / "meta.json").is_file() and any(target.iterdir()):
        raise LocalIndexError(f"{index_dir} exists and is not a websearch index; refusing to overwrite it")

    stats = IndexStats(source=root, index_dir=target)
    documents: list[Document] = []
    for path in iter_files(root, exclude=[target]):
        try:
            documents.append(read_document(path))
        except Exception as exc:  # one bad file must not sink the index
            reason = exc.args[0] if isinstance(exc, LocalIndexError) else f"{type(exc).__name__}: {exc}"
            stats.skipped.append((path, str(reason)))
            log.info("skipping %s: %s", path, reason)

    passages: list[dict] = []
    tokens: list[list[str]] = []
    for number, doc in enumerate(documents):
        for passage in split_passages(Page(url=doc.url, title=doc.title, text=doc.text)):
            passages.append({"doc": number, "text": passage.text})
            # The title is indexed with each passage: "It opened in 2021" is about the document's subject.
            tokens.append(tokenize(f"{doc.title}\n{passage.text}"))
    if not passages:
        raise LocalIndexError(f"no HTML, Markdown, text or PDF file with text under {root}")
    stats.documents, stats.passages = len(documents), len(passages)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        retriever.save(str(staging / "bm25"), show_progress=False)
        _write_jsonl(
            staging / "documents.jsonl",
            (
                {"path": str(d.path), "url": d.url, "title": d.title, "mtime": d.mtime, "text": d.text}
                for d in documents
            ),
        )
        _write_jsonl(staging / "passages.jsonl", passages)
        meta = {
            "format": FORMAT,
            "tokenizer": TOKENIZER_VERSION,  # queries must be tokenized as the passages were
            "source": str(root),
            "documents": stats.documents,
            "passages": stats.passages,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        # Swap in the new index; a server reading the old one reloads when meta.json changes.
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        staging.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return stats


# --- searching ------------------------------------------------------------------------------------


@dataclass
class _Doc:
    path: str
    url: str
    title: str
    mtime: float
    text: str
    relative: str  # to the indexed folder, lower-cased, for path-prefix filters


class LocalIndex:
    """A loaded index. `search` is synchronous CPU work (run it in a thread from async code)."""

    def __init__(
        self, directory: Path, meta: dict, docs: list[_Doc], passage_doc: np.ndarray, passages: list[str], bm25
    ) -> None:
        self.directory = directory
        self.meta = meta
        self.docs = docs
        self.passage_doc = passage_doc
        self.passages = passages
        self.bm25 = bm25

    @classmethod
    def load(cls, directory: str | os.PathLike) -> LocalIndex:
        import bm25s

        path = Path(directory)
        meta_file = path / "meta.json"
        if not meta_file.is_file():
            raise FileNotFoundError(f"no index at {path}")
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise LocalIndexError(f"index format {meta.get('format')!r}, this version reads {FORMAT}; rebuild it")
        if meta.get("tokenizer") != TOKENIZER_VERSION:
            raise LocalIndexError(
                f"index built with tokenizer {meta.get('tokenizer')!r}, this version uses {TOKENIZER_VERSION}: "
                "rebuild it with `websearch index DIR`"
            )
        root = Path(meta.get("source") or "/")
        docs = []
        for row in _read_jsonl(path / "documents.jsonl"):
            try:
                relative = Path(row["path"]).relative_to(root).as_posix()
            except ValueError:
                relative = row["path"]
            docs.append(_Doc(row["path"], row["url"], row["title"], float(row["mtime"]), row["text"], relative.lower()))
        rows = _read_jsonl(path / "passages.jsonl")
        bm25 = bm25s.BM25.load(str(path / "bm25"), show_progress=False)
        passage_doc = np.array([r["doc"] for r in rows], dtype=np.int64)
        return cls(path, meta, docs, passage_doc, [r["text"] for r in rows], bm25)

    def _allowed(self, prefixes: list[str], recency: str | None, now: float | None) -> np.ndarray | None:
        """Which documents pass the filters (None: all of them)."""
        wanted = [p.strip().strip("/").lower() for p in prefixes if p.strip().strip("/")]
        if not wanted and not recency:
            return None
        cutoff = None
        if recency:
            now_dt = datetime.fromtimestamp(now, timezone.utc) if now else datetime.now(timezone.utc)
            cutoff = (now_dt - timedelta(days=_RECENCY_DAYS[recency])).timestamp()
        allowed = np.ones(len(self.docs), dtype=bool)
        for i, doc in enumerate(self.docs):
            if wanted and not any(
                doc.relative == p or doc.relative.startswith(p + "/") or doc.path.lower().startswith("/" + p + "/")
                for p in wanted
            ):
                allowed[i] = False
            if cutoff is not None and doc.mtime < cutoff:
                allowed[i] = False
        return allowed

    def search(
        self,
        query: str,
        limit: int = 8,
        *,
        path_prefixes: list[str] | None = None,
        recency: str | None = None,
        now: float | None = None,
    ) -> list[SearchResult]:
        """Documents best first, each with its best passage as the snippet and its text as content.

        `path_prefixes`: keep documents under these folders (relative to the indexed folder);
        `recency`: keep documents modified within the last day/week/month/year."""
        terms = tokenize(query)
        if not terms or not self.passages or limit <= 0:
            return []
        scores = np.asarray(self.bm25.get_scores(terms), dtype=np.float64)
        allowed = self._allowed(path_prefixes or [], recency, now)
        if allowed is not None:
            scores = np.where(allowed[self.passage_doc], scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        # Best passage first; ties keep index order (earlier document, earlier passage).
        hits = hits[np.argsort(-scores[hits], kind="stable")]
        results: list[SearchResult] = []
        seen: set[int] = set()
        for passage in hits:
            number = int(self.passage_doc[passage])
            if number in seen:
                continue
            seen.add(number)
            doc = self.docs[number]
            results.append(
                SearchResult(
                    url=doc.url,
                    title=doc.title,
                    snippet=self.passages[passage],
                    provider=PROVIDER,
                    date=datetime.fromtimestamp(doc.mtime, timezone.utc).date().isoformat(),
                    content=doc.text,
                )
            )
            if len(results) >= limit:
                break
        return results


class IndexHandle:
    """Loads the index once, and again only when it was rebuilt (meta.json changed). Thread-safe."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory).expanduser().resolve()
        self._lock = threading.Lock()
        self._index: LocalIndex | None = None
        self._stamp: tuple[int, int] | None = None

    def get(self) -> LocalIndex:
        meta = self.directory / "meta.json"
        try:
            stat = meta.stat()
            stamp = (stat.st_mtime_ns, stat.st_ino)
        except OSError:
            stamp = None
        with self._lock:
            if self._index is not None and (stamp is None or stamp == self._stamp):
                return self._index  # (an index deleted under a running server keeps serving)
            self._index = LocalIndex.load(self.directory)
            self._stamp = stamp
            return self._index
