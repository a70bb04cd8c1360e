"""Each extractor the operator may choose (search/extract.py EXTRACTORS: "fast", "lean",
"trafilatura") reads a page alike: titled by its own headline, no image or link markup, reader
comments left out (English and Chinese)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.workers import WorkerPool
from search.extract import EXTRACTORS, Extractor, extract, extract_page
from search.fetch import Fetched, Fetcher
from search.models import SearchResult
from testkit.web import LocalWeb

CORPUS = Path(__file__).resolve().parents[2] / "bench" / "corpus" / "pages"


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize(("name", "link_text"), [("harwick-barrage-opens", "Read more: Harwick Tidal Barrage"),
                                                 ("haizhou-metro-5-opening", "延伸阅读： 海州地铁5号线")])
def test_links_in_the_article_are_read_as_their_words_without_markup(extractor: Extractor, name: str, link_text: str) -> None:
    """A link inside the article reads as its words: no [text](address) markup (an address the model
    would read and could repeat), whichever extractor the operator chose (English and Chinese)."""
    url = f"http://news.example/{name}"
    fetched = Fetched(url=url, final_url=url, status=200, content_type="text/html", body=(CORPUS / f"{name}.html").read_bytes())
    page = extract_page(fetched, SearchResult(url=url, title="", snippet="s"), extractor)
    assert link_text in page.text.split("\n")
    assert "](" not in page.text and "news.example" not in page.text


FORUM = {
    "english": ("The Zephyr-9 cells in my e-bike lost eleven percent of their capacity over two winters of daily "
                "commuting, which is far better than the lithium-ion pack it replaced. ",
                "Mine lost nearly twenty percent after one winter, but I charged it to full every night and left it "
                "in a cold garage, which the manual warns against. "),
    "chinese": ("我的电动自行车用了两个冬天的和风九号电池，每天通勤，容量只下降了百分之十一，比原来的锂电池好得多。",
                "我的用了一个冬天就下降了将近百分之二十，不过我每天晚上都充满电，还放在寒冷的车库里，说明书上说过不要这样做。"),
}


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("lang", sorted(FORUM))
def test_reader_comments_are_dropped_even_on_a_page_marked_as_a_forum_thread(extractor: Extractor, lang: str) -> None:
    """Comments are not the page's text under any extractor, also where the page calls itself a
    forum thread (schema.org DiscussionForumPosting, which would route trafilatura's comment
    extraction into the text)."""
    post, reply = FORUM[lang]
    html = (
        "<html><head><meta charset='utf-8'><title>Zephyr-9 after two winters</title><script type='application/ld+json'>"
        '{"@context": "https://schema.org", "@type": "DiscussionForumPosting", "headline": "Zephyr-9"}</script></head>'
        f"<body><article><h1>Zephyr-9 after two winters</h1><p>{post * 2}</p>"
        f"<div class='comments'><div class='comment'><p>{reply * 2}</p></div></div></article></body></html>"
    )
    url = "http://forum.example/t/zephyr-9"
    fetched = Fetched(url=url, final_url=url, status=200, content_type="text/html", body=html.encode())
    page = extract_page(fetched, SearchResult(url=url, title="", snippet="s"), extractor)
    assert post.strip() in page.text and reply.strip()[:20] not in page.text


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize(
    ("name", "fact"),
    [
        ("aurora-bridge", "The Aurora Bridge cost 420 million euros"),
        ("pell-gallery", "founded in 1924 by the painter Mara Quint"),
        ("qingchuan-bridge", "青川大桥全长 3.2 公里"),
        ("liu-anting-profile", "1958 年生于闽东沿海的石门镇"),
    ],
)
async def test_each_extractor_reads_and_titles_a_page_whose_result_has_no_title(
    fetcher: Fetcher, web: LocalWeb, workers: WorkerPool, extractor: Extractor, name: str, fact: str
) -> None:
    """Whichever extractor the operator chose, a page found without a title (a bare link, a feed entry)
    is read, titled by its own headline, which its text does not repeat, and carries no image or
    link markup (English and Chinese)."""
    url = web.url(name)
    page = await extract(await fetcher.fetch(url), SearchResult(url=url, title="", snippet="s"), workers, extractor)
    assert not page.from_snippet and fact in page.text
    assert page.title == web.pages[name].title and not page.text.startswith(page.title)
    assert "![" not in page.text and "](" not in page.text
