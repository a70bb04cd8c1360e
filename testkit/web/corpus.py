"""The pages LocalWeb serves (testkit/pages/*.html, or a benchmark's folder) and how its /search
ranks them: by the query's words and Chinese bigrams that a page contains."""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).parent.parent / "pages"
ROUNDS_DIR = PAGES_DIR / "rounds"  # the multi-part questions' pages (bench/rounds.py, issue #28)


def with_rounds(into: Path) -> Path:
    """PAGES_DIR's pages and ROUNDS_DIR's in one folder `into` (a LocalWeb serves one folder)."""
    for path in [*PAGES_DIR.glob("*.html"), *ROUNDS_DIR.glob("*.html")]:
        shutil.copyfile(path, into / path.name)
    return into
GBK_PAGE = "bailu-lake-wetland"  # the page stored in GBK; /gbk serves it too

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_WORD_RE = re.compile(f"[{_CJK}]+|[a-z0-9]+(?:[.-][a-z0-9]+)*")
_STOP = frozenset(
    "a an and are as at be by did do does for from how in is it of on or the to was what when who with".split(" ")
)


def terms(text: str) -> set[str]:
    """Words, and character bigrams of Chinese runs (a CJK run of one character counts as itself)."""
    found: set[str] = set()
    for run in _WORD_RE.findall(text.lower()):
        if run[0].isascii():
            if run not in _STOP:
                found.add(run)
        elif len(run) == 1:
            found.add(run)
        else:
            found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


def _meta(doc: str, attr: str, name: str) -> str:
    m = re.search(rf'<meta\s+{attr}="{re.escape(name)}"\s+content="([^"]*)"', doc)
    return html.unescape(m.group(1)) if m else ""


@dataclass
class Page:
    name: str
    raw: bytes
    charset: str  # what the page declares in <meta>; the header names it only for UTF-8 pages
    title: str
    description: str
    published: str
    terms: set[str]


def load_pages(pages_dir: Path = PAGES_DIR) -> dict[str, Page]:
    pages: dict[str, Page] = {}
    for path in sorted(pages_dir.glob("*.html")):
        raw = path.read_bytes()
        m = re.search(rb'<meta charset="([^"]+)"', raw)
        charset = m.group(1).decode() if m else "utf-8"
        doc = raw.decode("gb18030" if charset.lower() in ("gbk", "gb2312", "gb18030") else charset)
        title = html.unescape(re.search(r"<title>(.*?)</title>", doc, re.S).group(1)).split(" | ")[0]
        text = html.unescape(re.sub(r"<script.*?</script>|<[^>]+>", " ", doc, flags=re.S))
        pages[path.stem] = Page(
            name=path.stem,
            raw=raw,
            charset=charset,
            title=title,
            description=_meta(doc, "name", "description"),
            published=_meta(doc, "property", "article:published_time"),
            terms=terms(text),
        )
    return pages


def rank(pages: dict[str, Page], query: str, limit: int) -> list[Page]:
    """Pages ranked by how many distinct query terms (words / Chinese bigrams) they contain."""
    # Search operators are not content: "site:x OR site:y" must not match pages by accident.
    wanted = terms(re.sub(r"\bsite:\S+|\bOR\b", " ", query))
    scored = [(len(wanted & page.terms), page) for page in pages.values()]
    return [page for _, page in sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1].name))[:limit]]
