"""A local BM25 index over a folder of documents, so a team can ask its own files offline.

    websearch index ./handbook --index .websearch-index      # build (or rebuild) the index
    WEBSEARCH_SEARCH_PROVIDER=local websearch ask "…"        # search it instead of the web

HTML, Markdown, plain text and PDF files are read by `search.documents` (title from the document:
HTML <title>, the first Markdown heading, the PDF's metadata, else the file name), split into
paragraph-bounded passages exactly as web pages are (`search.passages.split_passages`), and indexed
with `bm25s` over the same tokens the ranker uses (`search.passages.tokenize`: English words; Chinese
characters and character bigrams, so Chinese needs no word segmenter).

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
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from search.documents import Document, LocalIndexError, iter_files
from core.cgroup import default_size
from core.workers import ParseFailed, WorkerPool
from search.models import Page, SearchResult
from search.passages import TOKENIZER_VERSION, split_passages, tokenize

log = logging.getLogger("websearch.index")

FORMAT = 1
PROVIDER = "local"
_RECENCY_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}


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


def _read_documents(
    paths: list[Path],
    workers: WorkerPool,
    deadline_s: float,
    stats: IndexStats,
    on_document: Callable[[int, int], None] | None = None,
) -> list[Document]:
    """Every file parsed in a worker process (all at once, across the workers), in path order; a file
    that cannot be read, crashes its worker or overruns the deadline is skipped and reported.
    `on_document(done, total)` is told before the first and after each file (read or skipped)."""
    futures = [workers.submit("search.documents:read_document", path, deadline_s=deadline_s) for path in paths]
    documents: list[Document] = []
    if on_document is not None:
        on_document(0, len(paths))
    for done, (path, future) in enumerate(zip(paths, futures), 1):
        try:
            documents.append(future.result())
        except Exception as exc:  # one bad file must not sink the index
            if isinstance(exc, ParseFailed):
                reason = exc.message if exc.raised == "LocalIndexError" else str(exc)
            else:
                reason = f"{type(exc).__name__}: {exc}"
            stats.skipped.append((path, reason))
            log.info("skipping %s: %s", path, reason)
        if on_document is not None:
            on_document(done, len(paths))
    return documents


def build_index(
    source: str | os.PathLike,
    index_dir: str | os.PathLike,
    *,
    workers: WorkerPool | None = None,
    document_deadline_s: float = 60.0,
    on_document: Callable[[int, int], None] | None = None,
) -> IndexStats:
    """Index every supported file under `source` into `index_dir` (replaced whole, atomically).

    Files are parsed by `workers` (a pool of its own, closed after, when not given);
    `on_document(done, total)` follows them (the CLI's progress)."""
    import bm25s

    root = Path(source).expanduser().resolve()
    target = Path(index_dir).expanduser().resolve()
    if not root.is_dir():
        raise LocalIndexError(f"{source} is not a folder")
    if target.exists() and not (target / "meta.json").is_file() and any(target.iterdir()):
        raise LocalIndexError(f"{index_dir} exists and is not a websearch index; refusing to overwrite it")

    stats = IndexStats(source=root, index_dir=target)
    paths = list(iter_files(root, exclude=[target]))
    own = workers is None
    pool = workers or WorkerPool(default_size(), deadline_s=document_deadline_s, memory_mb=2048)
    try:
        documents = _read_documents(paths, pool, document_deadline_s, stats, on_document)
    finally:
        if own:
            pool.close()

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
