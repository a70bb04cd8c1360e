"""The fast extraction path (search/html_text.py, `extractor="fast"`) beside the path shipped before
(`"trafilatura"`): both read English and Chinese pages in a parse worker; the fast one keeps
trafilatura's precision on a boilerplate-heavy page, asks trafilatura's whole cascade where its
fast pass looks short, falls back to the lexbor blocks where both lost the article, and degrades
on broken pages like the old one."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import trafilatura.utils
from lxml import html as lxml_html

from core.workers import WorkerPool
from search import html_text
from search.extract import EXTRACTORS, decode, extract, extract_page
from search.fetch import Fetched, Fetcher
from search.models import SearchResult
from testkit.web import LocalWeb
from testkit.results import result_for

PARAGRAPHS = [
    "The Harlow viaduct carries the railway 42 metres above the river on nineteen stone arches, built "
    "between 1846 and 1849 by four thousand labourers.",
    "Engineers repaired the ninth arch in 2019 after a survey found water damage in the lime mortar; the "
    "work cost 3.2 million pounds and took eleven months.",
    "Trains cross it every six minutes at peak times, and a footpath beneath the arches follows the river "
    "to the old mill at Netherby.",
]
BIO = (
    "Mara Quint has covered transport and infrastructure for the Harlow Post since 2011 and previously "
    "reported on local politics for regional radio stations."
)
PROMO = (
    "Sign up for our free weekly newsletter and never miss a story about Harlow again: the best of our "
    "reporting delivered every Friday morning."
)
NAV, FOOTER = "Sport", "All rights reserved"


def page(body: str, head: str = "<title>Harlow viaduct repaired | Harlow Post</title>") -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>"
        f"<header><a href='/'>Harlow Post</a><ul><li><a href='/news'>News</a></li><li><a href='/sport'>{NAV}</a></li></ul></header>"
        f"{body}<footer><p>© 2024 Harlow Post. {FOOTER}.</p></footer></body></html>"
    )


def fetched(html: str | bytes, url: str = "http://harlow.example/viaduct") -> Fetched:
    body = html.encode() if isinstance(html, str) else html
    return Fetched(url=url, final_url=url, status=200, content_type="text/html", charset=None, body=body)


ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "data"
CORPUS = ROOT / "bench" / "corpus" / "pages"
SNIPPET = "The viaduct reopened after repairs to its ninth arch, the railway company said on Tuesday."


def result(url: str = "http://harlow.example/viaduct", title: str = "") -> SearchResult:
    return SearchResult(url=url, title=title, snippet=SNIPPET)


# --- both paths, in a worker --------------------------------------------------------------------


@pytest.mark.parametrize("extractor", EXTRACTORS)
async def test_english_article_read_in_a_worker(fetcher: Fetcher, web: LocalWeb, workers: WorkerPool, extractor: str) -> None:
    found = result_for(web, "aurora-bridge")
    read = await extract(await fetcher.fetch(found.url), found, workers, extractor)
    assert not read.from_snippet and read.error is None
    assert "The Aurora Bridge cost 420 million euros" in read.text
    for boilerplate in ("We use cookies", "Sign in", "winter tyres", "view is something else", "All rights reserved"):
        assert boilerplate not in read.text, boilerplate
    assert read.date == "2021-05-15"
    assert read.site_name == "The Veldmark Herald"


@pytest.mark.parametrize("extractor", EXTRACTORS)
async def test_chinese_article_read_in_a_worker(fetcher: Fetcher, web: LocalWeb, workers: WorkerPool, extractor: str) -> None:
    found = result_for(web, "qingchuan-bridge")
    read = await extract(await fetcher.fetch(found.url), found, workers, extractor)
    assert not read.from_snippet
    assert "青川大桥全长 3.2 公里" in read.text
    assert "本网站使用 Cookie" not in read.text


def test_chinese_page_title_and_date_from_the_one_tree() -> None:
    html = page(
        "<article><h1>青川大桥今日通车</h1><time datetime='2023-09-28T08:00:00+08:00'>9月28日</time>"
        "<p>青川大桥全长 3.2 公里，主跨 460 米，是省内跨度最大的斜拉桥，总投资 21 亿元，历时四年建成。</p>"
        "<p>大桥通车后，两岸之间的车程由四十分钟缩短到五分钟，每天预计通行车辆两万辆次。</p></article>",
        head="<title>青川大桥今日通车 - 青川日报</title><meta property='og:site_name' content='青川日报'>",
    )
    read = extract_page(fetched(html), result(), "fast")
    assert read.title == "青川大桥今日通车"  # the one <h1>, not "<title> - site"
    assert read.date == "2023-09-28"
    assert read.site_name == "青川日报"
    assert "主跨 460 米" in read.text and "两万辆次" in read.text


@pytest.mark.parametrize(
    ("title", "site"),
    [("Harlow viaduct repaired", "Harlow Post"), ("青川大桥今日通车", "青川日报")],
    ids=["english", "chinese"],
)
def test_head_meta_tags_read_in_page_order_however_many(title: str, site: str) -> None:
    """The head's <meta> tags are walked once, in page order (a page carries dozens for trackers
    and apps): the first tag of a name wins, one without content is not read, tags nested in the
    head's <noscript> count as the head's, and a deeply nested head is read too."""
    trackers = "".join(f"<meta name='tracker-{n}' content='{n}'>" for n in range(60))
    head = (
        f"<title>Something else | {site}</title>{trackers}<meta property='og:title'>"
        f"<meta property='og:title' content='{title}'><meta property='og:title' content='A later title'>"
        f"<noscript><meta property='og:site_name' content='{site}'></noscript>"
        "<meta name='date' content='2024-03-05'><meta name='date' content='1999-01-01'>"
        + "<template>" + "<div>" * 5_000 + "</div>" * 5_000 + "</template>"  # deep nesting: walked, not recursed
    )
    body = "<article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article><meta name='pubdate' content='2001-01-01'>"
    meta = html_text.metadata(html_text.parse(page(body, head=head)))
    assert meta == {"title": title, "date": "2024-03-05", "sitename": site}


@pytest.mark.parametrize(
    "path",
    [DATA / "trafilatura_eval" / "html", CORPUS / "haizhou-metro-5-opening.html", CORPUS / "xinglan-s7-user-forum.html"],
    ids=["english-real-pages", "chinese-news", "chinese-forum"],
)
def test_trafilatura_reads_the_same_text_with_lxmls_c_class_lookup(path: Path) -> None:
    """trafilatura's parser makes its elements with lxml's lookup written in C (search/html_text.py):
    the fast pass and the whole cascade give the same text as with lxml.html's own lookup."""
    if path.is_dir():
        pages = [decode(gzip.decompress(file.read_bytes()), None) for file in sorted(path.glob("*.html.gz"))[:6]]
    else:
        pages = [decode(path.read_bytes(), None)]
    parser = trafilatura.utils.HTML_PARSER
    ours = [(html_text.precise_text(html, "http://x.example/"), html_text.full_text(html, "http://x.example/")) for html in pages]
    parser.set_element_class_lookup(lxml_html.HtmlElementClassLookup())
    try:
        theirs = [(html_text.precise_text(html, "http://x.example/"), html_text.full_text(html, "http://x.example/")) for html in pages]
    finally:
        html_text.use_c_class_lookup()
    assert any(text for text, _ in ours)
    assert ours == theirs


# --- the fast path's choices -----------------------------------------------------------------------


def test_boilerplate_heavy_page_keeps_trafilaturas_precision() -> None:
    """resiliparse's main content keeps the author box and the newsletter promo (long paragraphs
    beside the article): its blocks only check recall; the text is trafilatura's."""
    html = page(
        "<main><article><h1>Harlow viaduct repaired</h1>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + f"</article><div class='author-box'><p>{BIO}</p></div><div class='newsletter-signup'><p>{PROMO}</p></div>"
        "<section class='related'><h2>Read more</h2><ul><li><a href='/a'>Council approves new bus lanes</a></li>"
        "<li><a href='/b'>Mill museum reopens after flood</a></li></ul></section></main>",
        head="<title>Harlow viaduct repaired | Harlow Post</title><meta property='og:site_name' content='Harlow Post'>"
        "<meta property='article:published_time' content='2024-03-05T09:00:00Z'>",
    )
    blocks = html_text.main_blocks(html_text.parse(html))
    assert BIO in blocks and PROMO in blocks  # what choosing resiliparse's text would have kept
    meta, text, fallback = html_text.extract_html(html, "http://harlow.example/viaduct")
    assert fallback is None
    assert all(p in text for p in PARAGRAPHS)
    for boilerplate in (BIO, PROMO, "Council approves", NAV, FOOTER):
        assert boilerplate not in text, boilerplate
    assert meta == {"title": "Harlow viaduct repaired", "date": "2024-03-05", "sitename": "Harlow Post"}
    read = extract_page(fetched(html), result(), "fast")
    assert read.text == text.split("\n", 1)[1]  # the headline travels as the title, not in the text
    assert read.date == "2024-03-05" and read.site_name == "Harlow Post"


def test_short_fast_pass_gets_trafilaturas_whole_cascade() -> None:
    """An old layout (text in <font> separated by <br>) gives trafilatura's fast pass nothing; the
    lexbor blocks show an article, so trafilatura runs whole (readability, jusText) and its text
    stands, without the navigation and footer."""
    html = page("<font size=2>" + "<br><br>".join(PARAGRAPHS) + "</font>")
    assert html_text.precise_text(html, "http://harlow.example/viaduct") == ""
    _, text, fallback = html_text.extract_html(html, "http://harlow.example/viaduct")
    assert fallback == "full"
    assert all(p in text for p in PARAGRAPHS) and NAV not in text and FOOTER not in text
    read = extract_page(fetched(html), result(), "fast")
    assert not read.from_snippet and all(p in read.text for p in PARAGRAPHS)


def test_an_empty_fast_pass_asks_the_whole_cascade_even_without_blocks() -> None:
    """resiliparse takes a page of bare list items for a menu (no article blocks): no text at all
    still counts as short."""
    html = page("<ul>" + "".join(f"<li>{p}</li>" for p in PARAGRAPHS) + "</ul>")
    assert not [b for b in html_text.main_blocks(html_text.parse(html)) if PARAGRAPHS[0] in b]
    _, text, fallback = html_text.extract_html(html, "http://harlow.example/viaduct")
    assert fallback == "full" and PARAGRAPHS[1] in text


def passes(monkeypatch, fast: str, whole: str) -> None:
    """trafilatura's fast pass gives `fast`, its whole cascade `whole`."""

    class Reading:
        text = fast

        def second_opinion(self) -> str:
            return whole

    monkeypatch.setattr(html_text, "precise_reading", lambda html, url, **kwargs: Reading())


def test_article_both_passes_lose_comes_from_the_lexbor_blocks(monkeypatch) -> None:
    """When trafilatura's fast pass and its whole cascade both keep only a teaser (under 40 % of
    the article the lexbor blocks hold), the blocks stand in, first article paragraph to last."""
    html = page("<article><h1>Harlow viaduct repaired</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>")
    teaser = "The viaduct is repaired."
    passes(monkeypatch, teaser, teaser + " Read more.")
    _, text, fallback = html_text.extract_html(html, "http://harlow.example/viaduct")
    assert fallback == "visible"
    assert text.split("\n") == PARAGRAPHS
    # Most of the article kept: the longer of the two passes stands, the blocks do not.
    passes(monkeypatch, teaser, "\n".join(PARAGRAPHS[:2]))
    _, text, fallback = html_text.extract_html(html, "http://harlow.example/viaduct")
    assert fallback == "full" and text == "\n".join(PARAGRAPHS[:2])


async def test_deeply_nested_page_keeps_its_article(workers: WorkerPool) -> None:
    """resiliparse's main-content pass is quadratic in nesting depth (20,000 nested <div>s: half a
    minute, past the worker's deadline): such a page skips the recall check and keeps its text."""
    html = page("<article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>" + "<div>" * 20_000 + "x" + "</div>" * 20_000)
    read = await extract(fetched(html), result(), workers, "fast")
    assert not read.from_snippet, read.error
    assert PARAGRAPHS[1] in read.text


# --- broken pages degrade, on both paths --------------------------------------------------------------


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body><div",
        b"<html><head><script>var a = 1;</script></head><body><script>document.write(1)</script></body></html>",
        b"<html>\x00\x00<body><p>x</p></body></html>",
        bytes(range(256)) * 40,
        page("<article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>").encode()[:150],
    ],
    ids=["empty", "cut-in-a-tag", "only-scripts", "nul-bytes", "binary", "cut-before-the-article"],
)
def test_broken_page_gives_its_snippet(body: bytes, extractor: str) -> None:
    read = extract_page(fetched(body), result(title="Harlow viaduct repaired"), extractor)
    assert read.from_snippet and read.text == SNIPPET
    assert read.fallback in ("no_text", "unreadable") and read.error
    assert read.title == "Harlow viaduct repaired"


async def test_broken_page_in_a_worker_gives_its_snippet(workers: WorkerPool) -> None:
    read = await extract(fetched(b"<html><body><div class='x"), result(), workers, "fast")
    assert read.from_snippet and read.text == SNIPPET


def test_empty_document_has_no_text() -> None:
    meta, text, fallback = html_text.extract_html("", "http://harlow.example/")
    assert (text, fallback) == ("", None) and not any(meta.values())
