"""The extraction's recall check (search/recall.py) on a real page and on the shapes it must tell apart."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from search.extract import EXTRACTORS, extract_page
from search.fetch import Fetched
from search.models import SearchResult
from search.recall import article_span, article_weight, checked, missing, share, text_weight, too_short, visible_blocks

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "trafilatura_eval"
STACKEXCHANGE = "https://german.stackexchange.com/questions/10376/when-to-use-wurde-versus-war-eg-ich-wurde-ausgeraubt-vs-ich-war-ausgerau"


def _real_page(url: str) -> Fetched:
    entry = json.loads((DATA / "evaldata.json").read_text())[url]
    body = gzip.decompress((DATA / entry["file"]).read_bytes())
    return Fetched(url=url, final_url=url, status=200, content_type="text/html", charset=None, body=body)


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_real_page_whose_answers_the_extractor_drops_keeps_them(extractor: str) -> None:
    fetched, result = _real_page(STACKEXCHANGE), SearchResult(url=STACKEXCHANGE, title="wurde vs war")
    before = extract_page(fetched, result, extractor, recall_check=False)
    after = extract_page(fetched, result, extractor)
    answer = "Ich bin ausgeraubt worden"
    assert answer not in before.text  # the loss is real: trafilatura kept the question, not the answers
    assert answer in after.text
    assert "How does one know when to use wurde vs war" in after.text  # and the question they answer
    assert len(after.text) > 2 * len(before.text)
    # the gold's non-article segments stay out, and the network's blurb above the question
    for chrome in ("Sorted by", "2 months ago", "20:37", "Stack Exchange network consists of"):
        assert chrome not in after.text
    assert not after.from_snippet and after.error is None


ARTICLE = [
    "The harbour authority said on Monday that the new breakwater will be finished in the spring of 2027, two years later than planned, because of storm damage.",
    "Its chief engineer, Mara Lind, said the delay would add about 40 million euros to the cost, which the port will cover from its own reserves and a state loan.",
    "Fishermen had asked for the work to pause during the herring season; the authority agreed to stop the pile driving between October and December each year.",
]
PAGE = (
    "<html><body><nav><p>Home News Sport Weather and a long list of sections that is clearly navigation of the site</p></nav>"
    "<div class='cookie-banner'><p>We use cookies to improve your experience on this website, accept them all or manage them here.</p></div>"
    "<article><h1>Breakwater delayed</h1>" + "".join(f"<p>{p}</p>" for p in ARTICLE) + "</article>"
    "<div id='comments'><p>Reader: this is a long comment that should never count as article text whatever its length is.</p></div>"
    "<footer><p>All rights reserved. The Harbour Times, 1 Quay Street, and its many regional editions and partners.</p></footer>"
    "</body></html>"
)


# A page served as a bare fragment (an AJAX partial, a print view): no doctype, no <html>, no <head>,
# the article in one wrapper. trafilatura refuses it as "not valid HTML" (no "html" in its first 50
# characters and a root of fewer than two children): both its passes give None.
FRAGMENT = "<div id='story'><article><h1>Breakwater delayed</h1>" + "".join(f"<p>{p}</p>" for p in ARTICLE) + "</article></div>"


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_a_page_trafilatura_refuses_as_not_html_still_gives_its_article_not_the_snippet(extractor: str) -> None:
    url = "https://news.example/breakwater?partial=1"
    fetched = Fetched(url=url, final_url=url, status=200, content_type="text/html", charset=None, body=FRAGMENT.encode())
    page = extract_page(fetched, SearchResult(url=url, title="Breakwater delayed", snippet="The breakwater is late."), extractor)
    assert not page.from_snippet and page.error is None
    assert all(paragraph in page.text for paragraph in ARTICLE)
    assert checked(FRAGMENT, url, "") == ("\n".join(ARTICLE), "visible")


def test_visible_blocks_leave_out_navigation_banners_comments_and_footers() -> None:
    blocks = visible_blocks(PAGE)
    assert blocks == ["Breakwater delayed", *ARTICLE]


def test_a_container_whose_class_and_id_name_no_boilerplate_is_read() -> None:
    """Only a class or id that says boilerplate drops its container: the article's own <div
    class="story-body" id="main"> (and a Chinese site's <section class="content">) is read."""
    chinese = "青川大桥全长3.2公里，总投资56亿元，由省市两级财政共同出资建设，预计于二〇二七年春季建成通车。"
    page = PAGE.replace("<article>", "<article><div class='story-body' id='main'>").replace("</article>", "</div></article>")
    page = page.replace("</body>", f"<section class='content'><p>{chinese}</p></section></body>")
    assert visible_blocks(page) == ["Breakwater delayed", *ARTICLE, chinese]


@pytest.mark.parametrize("body", ["<body class='page has-sidebar'>", "<body id='layout-with-comments'>"])
def test_a_body_whose_class_sounds_like_boilerplate_is_still_checked(body: str) -> None:
    """Many themes put their layout in <body class> ("has-sidebar", "single-post with-comments"): the
    page is not boilerplate, and an extraction that lost its article still falls back."""
    page = PAGE.replace("<body>", body, 1)
    assert visible_blocks(page) == ["Breakwater delayed", *ARTICLE]
    text, fallback = checked(page, "https://news.example/breakwater", ARTICLE[0])
    assert fallback is not None and all(paragraph in text for paragraph in ARTICLE)


def test_an_extraction_that_kept_a_teaser_is_caught_and_a_whole_one_is_not() -> None:
    blocks = visible_blocks(PAGE)
    assert missing(ARTICLE[0], blocks)  # a third of the article
    assert not missing("\n".join(ARTICLE), blocks)
    # Soft hyphens and a line break inside a paragraph are the same text.
    hyphenated = "\n".join(ARTICLE).replace("breakwater", "break\u00adwater").replace("Mara Lind,", "Mara\nLind,")
    assert not missing(hyphenated, blocks)
    text, fallback = checked(PAGE, "http://example.test/b", ARTICLE[0])
    assert fallback == "recall" and all(p in text for p in ARTICLE)
    assert "cookies" not in text and "Reader:" not in text


def test_chinese_article_counts_by_its_density() -> None:
    article = [
        "青川大桥全长3.2公里，总投资56亿元，由省市两级财政共同出资建设，预计于二〇二七年春季建成通车，届时两岸通行时间将缩短到十分钟。",
        "大桥主跨采用钢箱梁结构，设计时速八十公里，双向六车道，桥下通航净高二十四米，可满足五千吨级船舶通行的需要。",
    ]
    page = "<html><body>" + "".join(f"<p>{p}</p>" for p in article) + "</body></html>"
    blocks = visible_blocks(page)
    assert blocks == article  # ~60 Han characters each: article paragraphs, not captions
    assert missing(article[0][:20], blocks)
    assert not missing("".join(article), blocks)


def test_the_recall_extraction_keeps_tables_and_shows_no_image_or_link_markup() -> None:
    """The fuller extraction that stands in is text like the first: the article's table kept as rows,
    an image and a link not written out as Markdown (the model would read the addresses as evidence)."""
    extra = (
        "<img src='/works.jpg' alt='The breakwater works in March'>"
        "<p>See <a href='/map'>the map of the harbour works</a> for the route of the new wall.</p>"
    )
    table = "<table><tr><th>Year</th><th>Ships</th></tr><tr><td>2023</td><td>412</td></tr></table>"
    page = PAGE.replace("<h1>Breakwater delayed</h1>", "<h1>Breakwater delayed</h1>" + extra).replace("</article>", table + "</article>")
    text, fallback = checked(page, "http://example.test/b", ARTICLE[0])
    assert fallback == "recall" and all(p in text for p in ARTICLE)
    assert "| 2023 | 412 |" in text
    assert "See the map of the harbour works for the route" in text
    assert "](" not in text and "works.jpg" not in text and "/map" not in text


@pytest.mark.parametrize(
    ("before", "article", "between", "after"),
    [
        (["Home", "Sport"], ["The harbour authority said on Monday that the new breakwater will be finished in 2027.",
                             "Its chief engineer said the delay would add forty million euros to the cost of the wall."],
         "Costs", ["Share this", "© 2024"]),
        (["首页", "体育"], ["青川大桥全长3.2公里，总投资56亿元，由省市两级财政共同出资建设，预计于二〇二七年春季建成通车。",
                           "大桥主跨采用钢箱梁结构，设计时速八十公里，双向六车道，桥下通航净高二十四米，可通行五千吨级船舶。"],
         "造价", ["分享", "© 2024"]),
    ],
    ids=["english", "chinese"],
)
def test_the_visible_fallback_spans_the_first_article_paragraph_to_the_last(
    before: list[str], article: list[str], between: str, after: list[str]
) -> None:
    """Where both extractions lost the article, the page's blocks stand in from its first article
    paragraph to its last: a subheading between them stays, menus before and footers after do not."""
    blocks = [*before, article[0], between, article[1], *after]
    assert article_span(blocks) == "\n".join([article[0], between, article[1]])
    assert article_span([*before, article[0], *after]) == article[0]
    assert article_span([*before, *after]) == ""


NOTICE = (
    "Your privacy matters to us: we and our partners store and read information on your device, such as cookies "
    "and unique identifiers, to personalise content and adverts, to measure them and to understand how this "
    "website is used by its many readers in every country."
)


def test_a_long_paragraph_both_extractions_drop_leaves_a_mostly_whole_extraction_standing() -> None:
    """trafilatura drops a toolbar's text, the visible-blocks reader does not: a long notice there is
    missing from both extractions. An extraction holding the rest of the article stands (such a
    paragraph is more often a notice than the article); one that lost the article too gives way to
    the page's blocks, and only to blocks longer than itself."""
    page = PAGE.replace("</article>", f"</article><div class='toolbar'><p>{NOTICE}</p></div>")
    url = "http://example.test/b"
    whole = "\n".join(["Breakwater delayed", *ARTICLE])
    assert checked(page, url, whole) == (whole, None)
    teaser = ARTICLE[0][:60]
    text, fallback = checked(page, url, teaser)
    assert fallback == "visible" and NOTICE in text and all(p in text for p in ARTICLE)
    padded = teaser.ljust(len(text))  # as long as the blocks, though mostly blank
    assert checked(page, url, padded) == (padded, None)


def test_long_extractions_and_huge_pages_skip_the_check() -> None:
    long_text = "An unrelated but long extraction. " * 700  # > ENOUGH_CHARS: the article was not lost
    assert checked(PAGE, "http://example.test/b", long_text) == (long_text, None)
    huge = PAGE.replace("</body>", "<p>" + "padding " * 150_000 + "</p></body>")  # > MAX_HTML_CHARS: not parsed twice
    assert checked(huge, "http://example.test/b", ARTICLE[0]) == (ARTICLE[0], None)


# --- what counts as a visible block --------------------------------------------------------------

_HIDDEN = ("script", "style", "noscript", "template", "svg", "iframe", "nav", "header", "footer", "aside",
           "form", "button", "select", "textarea", "figure", "figcaption")  # fmt: skip
_LONG = "a paragraph long enough to count as article text if the visible-blocks reader ever kept it here."


def test_visible_blocks_skip_every_hidden_container_and_read_every_block_tag_once() -> None:
    hidden = "".join(f"<{tag}><p>{tag.upper()} {_LONG}</p></{tag}>" for tag in _HIDDEN)
    page = (
        "<html class='js has-sidebar'><body>" + hidden + "<article>"
        "<h1>Heading one</h1><h2>Heading two</h2><h3>Heading three</h3><h4>Heading four</h4>"
        "<p>First paragraph of the article.</p>"
        "<ul><li>A plain list item</li><li><p>A list item paragraph</p></li></ul>"
        "<blockquote>A quoted block <p>with its own paragraph inside</p></blockquote>"
        "<pre>code block line</pre><dl><dt>Term</dt><dd>Its definition</dd></dl>"
        "<p>   </p>"  # nothing to read: no block
        "<p><a href='/a'>Mostly a link</a> x</p>"  # over half link text: navigation
        "<p><a href='/b'>Link</a> too</p>"  # exactly half: kept
        "</article></body></html>"
    )
    assert visible_blocks(page) == [
        "Heading one", "Heading two", "Heading three", "Heading four", "First paragraph of the article.",
        "A plain list item", "A list item paragraph", "A quoted block with its own paragraph inside",
        "code block line", "Its definition", "Link too",
    ]  # fmt: skip


def test_a_bare_fragment_whose_root_sounds_like_boilerplate_is_read_not_a_crash() -> None:
    assert visible_blocks(f"<div class='post-share'><p>{_LONG}</p></div>") == [_LONG]


# --- which paragraphs an extraction must keep ----------------------------------------------------


def _para(n: int, seed: str) -> str:
    """A paragraph of exactly n characters, its opening unique to `seed`."""
    text = f"{seed} " + "the harbour authority said the work goes on through the winter months " * 10
    return text[:n]


def test_article_paragraphs_start_at_80_weighted_characters() -> None:
    for block in ("x" * 80, "桥" * 40):  # a Han character counts double
        assert missing("", [block]) == [block]
    assert missing("", ["x" * 79, "桥" * 39]) == []  # captions and menu items: no article to lose


def test_the_three_longest_paragraphs_from_200_characters_must_be_kept() -> None:
    a, b, c, d = _para(400, "Alpha"), _para(400, "Bravo"), _para(400, "Charlie"), _para(250, "Delta")
    assert missing("\n".join([a, b, c]), [a, b, c, d]) == []  # the fourth longest may go
    assert missing("\n".join([a, b, d]), [a, b, c, d]) == [c]
    exactly = _para(200, "Echo")
    short = _para(120, "Foxtrot")
    assert missing(short + " " + "x" * 40, [exactly, short]) == [exactly]  # 200 counts
    assert missing(short + " " + "x" * 40, [_para(199, "Golf"), short]) == []


def test_a_paragraph_is_kept_when_its_first_50_characters_are() -> None:
    a, b = _para(300, "Alpha"), ("Bravo-" + "harbour-works-" * 30)[:300]  # no spaces: 50 characters are 50
    assert missing(a + "\n" + b[:50] + "#" * 200, [a, b]) == []
    assert missing(a + "\n" + b[:49] + "#" * 200, [a, b]) == [b]


def test_too_short_an_extraction_reports_what_it_lacks() -> None:
    a, b, c = _para(300, "Alpha"), _para(300, "Bravo"), _para(300, "Charlie")
    assert missing(a, [a, b, c]) == [b, c]  # the lost ones, not the one it kept
    small = [_para(100, f"Small{i}") for i in range(10)]
    d = _para(250, "Delta")
    assert missing(d, [d, *small]) == [d]  # it holds the longest: that one is reported, not all
    five = [_para(100, f"Para{i}") for i in range(5)]
    assert missing("\n".join(five[:2]), five) == []  # exactly 40 % of the visible text is enough
    assert not too_short("\n".join(five[:2]), five) and too_short(five[0] + "\n" + five[1][:99], five)
    assert missing(five[0] + "\n" + five[1][:99], five) != []


def test_a_whole_extraction_stands_and_a_long_one_that_lost_the_article_is_still_checked() -> None:
    whole = "\n".join(ARTICLE)
    assert checked(PAGE, "http://example.test/b", whole) == (whole, None)
    article = _para(300, "Alpha")
    page = f"<html><body><article><p>{article}</p><p>{ARTICLE[0]}</p></article></body></html>"
    unrelated = ("Unrelated words. " * 2_000)[:19_999]  # just under ENOUGH_CHARS: checked
    text, fallback = checked(page, "http://example.test/b", unrelated)
    assert fallback is not None and article in text
    enough = unrelated + "."  # exactly ENOUGH_CHARS: the check is skipped
    assert checked(page, "http://example.test/b", enough) == (enough, None)


def test_a_page_of_exactly_a_million_characters_is_checked_and_one_more_is_not() -> None:
    pad = "<p>{}</p></body>"
    base = PAGE.replace("</body>", pad)
    fill = 1_000_000 - len(base.format(""))
    exact = base.format("w " * (fill // 2) + "w" * (fill % 2))
    assert len(exact) == 1_000_000
    assert checked(exact, "http://example.test/b", ARTICLE[0])[1] is not None
    over = exact.replace("<p>w", "<p>ww", 1)
    assert checked(over, "http://example.test/b", ARTICLE[0]) == (ARTICLE[0], None)


@pytest.mark.parametrize(
    "article",
    [
        ARTICLE,
        [
            "青川大桥全长 3.2 公里，主跨 460 米，是省内跨度最大的斜拉桥，总投资 21 亿元，历时四年建成，今日正式通车。",
            "大桥通车后，两岸之间的车程由四十分钟缩短到五分钟，每天预计通行车辆两万辆次，沿线居民出行更加方便。",
            "市交通局表示，大桥实行分时段限速，夜间十点到次日六点禁止重型货车通行，以减少对周边居民的噪声影响。",
        ],
    ],
    ids=["english", "chinese"],
)
def test_share_of_the_article_ignores_spacing_and_weighs_han_double(article: list[str]) -> None:
    """The share an extraction holds of the article paragraphs is the same however its whitespace
    and invisible characters differ (soft hyphens, zero-width and ideographic spaces); a Han
    character weighs two; the article's weight, reckoned once, gives the same answers."""
    blocks = ["Menu", *article, "© 2024"]
    whole = article_weight(blocks)
    assert whole == sum(len("".join(p.split())) + sum("\u3400" <= c <= "\u9fff" for c in p) for p in article)
    respaced = "\n\n".join(p.replace(" ", "\u3000 \u200b").replace("，", "，\u00ad") for p in article)
    assert share(respaced, blocks) == share(respaced, blocks, whole) == 1.0
    first = article[0]
    assert share(first, blocks, whole) == share(first, blocks) == pytest.approx(1 / 3, abs=0.05)
    assert too_short(first, blocks) and too_short(first, blocks, whole)
    assert not too_short("\n".join(article[:2]), blocks, whole)
    weight = text_weight(first)
    assert share(first, blocks, whole, weight) == share(first, blocks) and too_short(first, blocks, whole, weight)


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("", 0),
        (" \t\n", 0),
        ("Tide\x1cmill\x1d \x1eopens\x1f\x0bat\x0cnine\r\n", 19),  # every ASCII space str.split() drops
        ("Tide\x00mill\x7f", 10),  # control characters that are not spaces count
        ("Tide\u00a0mill\u2003opens", 13),  # no-break and em spaces
        ("Tide\u00admill\u200b", 8),  # a soft hyphen and a zero-width space: invisible
        ("潮汐 磨坊 mill", 12),  # a Han character weighs two
    ],
)
def test_a_texts_weight_leaves_out_its_spaces_and_invisible_characters(text: str, weight: int) -> None:
    assert text_weight(text) == weight
