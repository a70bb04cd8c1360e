"""The local index: reading HTML/Markdown/text/PDF, BM25 over passages (Chinese by bigrams), the
`local` provider, and `websearch index DIR` as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.documents import read_document
from search.index import IndexHandle, LocalIndex, LocalIndexError, build_index
from search.models import SearchOptions
from search.providers.base import SearchError
from search.providers.local import LocalProvider
from testkit.documents import tiny_pdf, write_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, dict[str, Path], Path]:
    folder = tmp_path / "docs"
    files = write_corpus(folder)
    index_dir = tmp_path / "index"
    build_index(folder, index_dir)
    return folder, files, index_dir


# --- reading documents ----------------------------------------------------------------------------


def test_titles_and_text_by_file_type(tmp_path: Path) -> None:
    files = write_corpus(tmp_path)
    html = read_document(files["html"])
    assert html.title == "Harrowgate Tunnel project report"
    assert "215 million pounds" in html.text and "tracking" not in html.text
    md = read_document(files["md"])
    assert md.title == "On-call handbook"  # the first heading, not the line before it
    assert "The on-call engineer answers a page within 15 minutes; see the rota." in md.text
    assert "Escalate to the duty manager" in md.text and "**" not in md.text and "](" not in md.text
    assert read_document(files["zh"]).title == "银杏水库简介"
    txt = read_document(files["txt"])
    assert txt.title == "cafeteria.txt" and "11:30 to 14:00" in txt.text
    pdf = read_document(files["pdf"])
    assert pdf.title == "Ostrava Lighthouse fact sheet"
    assert "48 metres tall" in pdf.text and "automated in 1987" in pdf.text
    (tmp_path / "untitled.pdf").write_bytes(tiny_pdf(["No metadata here."]))
    assert read_document(tmp_path / "untitled.pdf").title == "untitled.pdf"
    assert html.url == files["html"].resolve().as_uri() and html.url.startswith("file:///")


def test_markdown_title_from_front_matter_and_setext(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: Release checklist\n---\n# Other\n\nText.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("Deploy guide\n============\n\nText here.\n", encoding="utf-8")
    (tmp_path / "c.md").write_text("Just text, no heading.\n", encoding="utf-8")
    assert [read_document(tmp_path / n).title for n in ("a.md", "b.md", "c.md")] == [
        "Release checklist",
        "Deploy guide",
        "c.md",
    ]


# --- building and searching -----------------------------------------------------------------------


def test_build_counts_and_skips(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write_corpus(folder)
    stats = build_index(folder, tmp_path / "index")
    assert stats.documents == 5
    assert stats.passages >= 5
    skipped = {path.name: reason for path, reason in stats.skipped}
    assert set(skipped) == {"empty.txt", "broken.pdf"}
    assert skipped["empty.txt"] == "no text"
    meta = json.loads((tmp_path / "index" / "meta.json").read_text())
    assert meta["documents"] == 5 and meta["source"] == str(folder.resolve())


def test_english_search_returns_documents_with_their_best_passage(corpus) -> None:
    folder, files, index_dir = corpus
    index = LocalIndex.load(index_dir)
    results = index.search("How tall is the Ostrava Lighthouse?", limit=3)
    top = results[0]
    assert top.url == files["pdf"].resolve().as_uri()
    assert top.title == "Ostrava Lighthouse fact sheet"
    assert "48 metres" in top.snippet
    assert top.provider == "local" and top.date
    assert top.content and "automated in 1987" in top.content  # the whole document, for the read stage
    assert len({r.url for r in results}) == len(results)  # one result per document

    tunnel = index.search("Harrowgate Tunnel cost", limit=8)
    assert tunnel[0].url == files["html"].resolve().as_uri()
    assert "215 million pounds" in tunnel[0].snippet
    assert all("/.git/" not in r.url for r in tunnel)  # the hidden folder was not indexed


def test_chinese_search_by_character_bigrams(corpus) -> None:
    _, files, index_dir = corpus
    index = LocalIndex.load(index_dir)
    results = index.search("银杏水库的库容是多少？", limit=3)
    assert results and results[0].url == files["zh"].resolve().as_uri()
    assert "3.2 亿立方米" in results[0].snippet
    # A phrase with no spaces still matches inside longer Chinese text (no word segmenter needed).
    assert index.search("灌溉防洪")[0].url == files["zh"].resolve().as_uri()
    assert index.search("zzzz qqqq") == [] and index.search("？！") == []


def test_path_prefix_and_recency_filters(corpus) -> None:
    _, files, index_dir = corpus
    old = time.time() - 90 * 86400
    os.utime(files["md"], (old, old))
    build_index(files["md"].parents[1], index_dir)  # rebuild: the index keeps each file's mtime
    index = LocalIndex.load(index_dir)
    everywhere = {r.url for r in index.search("on-call engineer page Harrowgate lighthouse", limit=10)}
    assert files["md"].resolve().as_uri() in everywhere and files["html"].resolve().as_uri() in everywhere
    handbook = index.search("on-call engineer page Harrowgate lighthouse", limit=10, path_prefixes=["handbook"])
    assert {r.url for r in handbook} == {files["md"].resolve().as_uri()}
    assert index.search("Harrowgate", path_prefixes=["HANDBOOK/"]) == []  # case-insensitive, no tunnel there
    recent = index.search("on-call engineer page", limit=10, recency="month")
    assert files["md"].resolve().as_uri() not in {r.url for r in recent}
    assert index.search("on-call engineer page", recency="year")[0].url == files["md"].resolve().as_uri()


def test_rebuild_replaces_the_index_and_a_loaded_handle_notices(corpus) -> None:
    folder, files, index_dir = corpus
    handle = IndexHandle(index_dir)
    assert handle.get().search("cafeteria lunch")
    files["txt"].unlink()
    time.sleep(0.01)
    build_index(folder, index_dir)
    assert handle.get().search("cafeteria lunch") == []
    assert not [p for p in index_dir.parent.iterdir() if p.name.startswith(".index")]  # no staging left


def test_refuses_to_overwrite_a_folder_that_is_not_an_index(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write_corpus(folder)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete", encoding="utf-8")
    with pytest.raises(LocalIndexError, match="not a websearch index"):
        build_index(folder, precious)
    assert (precious / "thesis.txt").exists()
    with pytest.raises(LocalIndexError, match="not a folder"):
        build_index(tmp_path / "missing", tmp_path / "index")
    (tmp_path / "nothing").mkdir()
    with pytest.raises(LocalIndexError, match="no HTML, Markdown, text or PDF"):
        build_index(tmp_path / "nothing", tmp_path / "index")


def test_index_inside_the_indexed_folder_is_not_indexed(tmp_path: Path) -> None:
    write_corpus(tmp_path)
    first = build_index(tmp_path, tmp_path / "idx")
    second = build_index(tmp_path, tmp_path / "idx")
    assert second.documents == first.documents == 5


# --- the provider ---------------------------------------------------------------------------------


async def test_local_provider(corpus) -> None:
    folder, files, index_dir = corpus
    provider = LocalProvider(index_dir)
    results = await provider.search("Harrowgate Tunnel length", SearchOptions(max_results=2))
    # cited by the link the app serves it at (api/rest/documents.py), relative to the indexed folder
    assert results[0].url == "/documents/projects/harrowgate.html" and len(results) <= 2
    assert "3.4 kilometres" in results[0].content
    only = await provider.search("Harrowgate Tunnel length", SearchOptions(domains=["handbook"]))
    assert all("/handbook/" in r.url for r in only)


async def test_local_provider_without_an_index_says_how_to_build_one(tmp_path: Path) -> None:
    provider = LocalProvider(tmp_path / "nowhere")
    with pytest.raises(SearchError) as info:
        await provider.search("anything", SearchOptions())
    assert info.value.provider == "local"
    assert "websearch index DIR" in info.value.message and str(tmp_path / "nowhere") in info.value.message


# --- `websearch index DIR` ------------------------------------------------------------------------


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-m", "api.cli.main", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(root), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_index_prints_what_it_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write_corpus(folder)
    done = run_cli("index", str(folder), "--index", str(tmp_path / "idx"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "indexed 5 documents (" in done.stdout and " passages)" in done.stdout
    assert str(tmp_path / "idx") in done.stdout
    assert "skipped" in done.stderr and "broken.pdf" in done.stderr
    assert LocalIndex.load(tmp_path / "idx").search("Ostrava Lighthouse")

    # The default location comes from the settings (WEBSEARCH_LOCAL_INDEX), relative to where it runs.
    done = run_cli("index", "docs", cwd=tmp_path, env={"WEBSEARCH_LOCAL_INDEX": "team-index"})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "team-index" / "meta.json").is_file()


def test_cli_index_of_a_missing_folder_fails_in_one_line(tmp_path: Path) -> None:
    done = run_cli("index", str(tmp_path / "missing"), "--index", str(tmp_path / "idx"), cwd=tmp_path)
    assert done.returncode == 1
    assert "is not a folder" in done.stderr and "Traceback" not in done.stderr


def test_an_index_built_with_another_tokenizer_must_be_rebuilt(tmp_path):
    import json

    import pytest

    from search.index import LocalIndex, LocalIndexError, build_index

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Leave\n\nStaff get 30 days of leave a year.\n", encoding="utf-8")
    build_index(docs, tmp_path / "index")
    meta_file = tmp_path / "index" / "meta.json"
    meta = json.loads(meta_file.read_text())
    meta["tokenizer"] = 1
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(LocalIndexError, match="rebuild"):
        LocalIndex.load(tmp_path / "index")
