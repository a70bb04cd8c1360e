"""trafilatura's link-density pruning restated (search/trafilatura_density.py): pages built around
link-heavy sections (menus, "latest news" farms, link-only paragraphs, image links, document
listings) read the same text as with trafilatura's own function, in English and Chinese, the link
farms still go and the article stays; generated trees lose exactly the elements trafilatura's
function deletes; a trafilatura other than the one mirrored keeps its own."""

from __future__ import annotations

import gzip
import random
from copy import deepcopy
from pathlib import Path

import pytest
import trafilatura
import trafilatura.htmlprocessing as htmlprocessing
import trafilatura.main_extractor as main_extractor
from lxml import etree, html as lxml_html

from search import html_text, trafilatura_density
from search.extract import decode, extract_page
from search.fetch import Fetched
from search.models import SearchResult
from testkit.paragraphs import ARTICLE

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "bench" / "data" / "trafilatura_eval" / "html"
URL = "http://x.example/page"

LINK_WORDS = {
    "en": ["Rail fares rise again", "Bridge closed for repairs", "New station opens", "Bus lanes extended",
           "Cycle path consultation", "Airport link delayed", "Tram trial ends", "Ferry timetable changes"],
    "zh": ["铁路票价再次上调", "大桥封闭维修", "新车站启用", "公交专用道延长", "自行车道征求意见", "机场快线推迟",
           "有轨电车试运行结束", "轮渡时刻表调整"],
}  # fmt: skip
PAGING = {"en": ["Previous story", "Next story", "Back to top"], "zh": ["上一篇", "下一篇", "返回顶部"]}


def links(lang: str, n: int, start: int = 0) -> list[str]:
    words = LINK_WORDS[lang]
    return [f"<a href='/n/{i}'>{words[(start + i) % len(words)]}</a>" for i in range(n)]


def link_heavy_page(lang: str) -> tuple[str, list[str]]:
    """An article among link-heavy sections; returns the page and the link texts that should go."""
    a = ARTICLE[lang]
    farm = "".join(f"<div>{link}</div>" for link in links(lang, 8))  # "latest news": a div of link divs
    menu = "<ul>" + "".join(f"<li>{link}</li>" for link in links(lang, 6, 2)) + "</ul>"
    link_para = "<p>" + " | ".join(f"<a href='/p/{i}'>{w}</a>" for i, w in enumerate(PAGING[lang])) + "</p>"
    long_link = f"<div><a href='/long'>{a[2]}</a></div>"  # one link holding all its block's text
    image_link = f"<div><a href='/img'><img src='/i.jpg' alt='x'></a> {LINK_WORDS[lang][0]}</div>"
    inline = f"<p>{a[1][:40]}<a href='/in'>{a[1][40:60]}</a>{a[1][60:]}</p>"  # a link inside prose: kept
    listing = "".join(f"<p>{link}</p>" for link in links(lang, 5, 1))  # one link a paragraph
    body = (
        f"<div class='wrap'><div class='col'><h1>Headline</h1><p>{a[0]}</p>{inline}<div><p>{a[2]}</p>{link_para}</div>"
        f"{long_link}{image_link}</div><div class='side'>{farm}<div>{menu}</div>{listing}</div>"
        f"<blockquote><a href='/q'>{LINK_WORDS[lang][3]}</a></blockquote>"
        f"<h2><a href='/h'>{LINK_WORDS[lang][5]}</a></h2></div>"
    )
    page = (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>Page</title></head>"
        f"<body>{body}</body></html>"
    )
    return page, LINK_WORDS[lang][1:]  # the first: the text beside an image link, whose block is kept


def read(html: str, path: str) -> str:
    fetched = Fetched(url=URL, final_url=URL, status=200, content_type="text/html", charset=None, body=html.encode())
    return extract_page(fetched, SearchResult(url=URL, title="Headline"), path).text


@pytest.fixture
def trafilaturas_own():
    """Run the body with trafilatura's own delete_by_link_density, then put the restated one back."""
    trafilatura_density.uninstall()
    try:
        yield
    finally:
        assert trafilatura_density.install()


def test_the_restated_function_is_what_trafilatura_calls() -> None:
    assert trafilatura_density.installed()
    assert main_extractor.delete_by_link_density is trafilatura_density.delete_by_link_density


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["fast", "lean", "trafilatura"])
def test_link_heavy_page_reads_the_same_text_and_loses_its_link_farms(lang: str, path: str) -> None:
    page, gone = link_heavy_page(lang)
    ours = read(page, path)
    trafilatura_density.uninstall()
    try:
        theirs = read(page, path)
    finally:
        trafilatura_density.install()
    assert ours == theirs
    assert ARTICLE[lang][0] in ours
    for words in gone:
        assert words not in ours, words


def test_real_pages_read_the_same_text_as_with_trafilaturas_function() -> None:
    pages = [decode(gzip.decompress(file.read_bytes()), None) for file in sorted(REAL.glob("*.html.gz"))[:12]]

    def texts() -> list[tuple[str, str]]:
        return [(html_text.precise_text(html, URL), html_text.full_text(html, URL)) for html in pages]

    ours = texts()
    trafilatura_density.uninstall()
    try:
        theirs = texts()
    finally:
        trafilatura_density.install()
    assert any(fast for fast, _ in ours)
    assert ours == theirs


# Trees as trafilatura's main extractor hands them over (its tags after conversion), links and
# images anywhere, texts of every length (some at the limits the test uses), in English and Chinese.
TAGS = ("div", "div", "list", "item", "p", "p", "ref", "ref", "ref", "graphic", "head", "quote", "hi", "td", "th")
TEXTS = ("", "x", "word ", "  spaced   out  ", "Bridge closed for repairs", "大桥封闭维修", "新车站启用，欢迎乘坐",
         "a sentence long enough to pass the shorter limits on its own, with more words after it " * 2,
         "一段足够长的中文文字，用来越过较短的长度门槛，后面还有更多的字" * 4,
         *("n" * n for n in (9, 10, 11, 29, 30, 59, 60, 99, 100, 101, 199, 200, 299, 300)))  # fmt: skip


def generated_tree(rng: random.Random) -> lxml_html.HtmlElement:
    root = lxml_html.html_parser.makeelement("body")  # built, not parsed: the parser would move a <head>
    nodes = [root]
    for _ in range(rng.randint(10, 70)):
        parent = rng.choice(nodes)
        el = etree.SubElement(parent, rng.choice(TAGS))
        el.text = rng.choice(TEXTS) or None
        el.tail = rng.choice(TEXTS) or None
        if el.tag != "graphic":
            nodes.append(el)
    return root


def test_generated_trees_lose_exactly_the_elements_trafilatura_deletes() -> None:
    rng = random.Random(7)
    theirs_fn, ours_fn = htmlprocessing.delete_by_link_density, trafilatura_density.delete_by_link_density
    deleted = dict.fromkeys(("div", "list", "p", "head", "quote"), 0)
    for _ in range(400):
        tree = generated_tree(rng)
        for tagname in deleted:
            for backtracking in (False, True):
                for favor_precision in (False, True):
                    mine, theirs = deepcopy(tree), deepcopy(tree)
                    before = len(list(mine.iter(tagname)))
                    ours_fn(mine, tagname, backtracking=backtracking, favor_precision=favor_precision)
                    theirs_fn(theirs, tagname, backtracking=backtracking, favor_precision=favor_precision)
                    assert etree.tostring(mine) == etree.tostring(theirs), (tagname, etree.tostring(tree))
                    deleted[tagname] += before - len(list(mine.iter(tagname)))
    assert all(deleted.values()), deleted  # every tag had elements to delete


def boundary_trees():
    """One element holding links beside each of the test's limits (text lengths 9 to 301, one to
    six links, last child or not, inside a list item or not)."""
    for tag in ("div", "p", "list", "head", "quote"):
        for parent_tag in ("body", "item"):
            for links_n in (1, 2, 4, 5):
                for link_len in (0, 9, 10, 11, 60, 100, 101, "mixed"):
                    # mixed: four short links in five (the share of short ones at its limit)
                    lengths = (9, 9, 60, 9, 9)[:links_n] if link_len == "mixed" else (link_len,) * links_n
                    for total in (10, 11, 12, 29, 30, 31, 59, 60, 61, 99, 100, 101, 199, 200, 201, 250, 299, 300, 301, 550):
                        rest = total - sum(lengths)
                        if rest < 0:
                            continue
                        for has_next in (False, True):
                            root = lxml_html.html_parser.makeelement("body")
                            parent = root if parent_tag == "body" else etree.SubElement(root, parent_tag)
                            elem = etree.SubElement(parent, tag)
                            elem.text = "t" * rest or None
                            for length in lengths:
                                etree.SubElement(elem, "ref").text = "l" * length or None
                            if has_next:
                                etree.SubElement(parent, "div").text = "next"
                            yield root


def test_elements_at_the_limits_are_kept_or_deleted_as_trafilatura_does() -> None:
    theirs_fn, ours_fn = htmlprocessing.delete_by_link_density, trafilatura_density.delete_by_link_density
    kept = deleted = 0
    for tree in boundary_trees():
        tagname = tree.find(".//ref").getparent().tag
        for backtracking in (False, True):
            for favor_precision in (False, True):
                mine, theirs = deepcopy(tree), deepcopy(tree)
                ours_fn(mine, tagname, backtracking=backtracking, favor_precision=favor_precision)
                theirs_fn(theirs, tagname, backtracking=backtracking, favor_precision=favor_precision)
                assert etree.tostring(mine) == etree.tostring(theirs), (backtracking, favor_precision, etree.tostring(tree))
                gone = mine.find(".//ref") is None
                deleted, kept = deleted + gone, kept + (not gone)
    assert kept and deleted


@pytest.mark.parametrize("word", ["l", "链"])
def test_a_link_farm_around_a_long_one_is_judged_on_its_own_length(word: str) -> None:
    """An outer block whose inner block already holds 300 characters or more: its own length, a few
    characters more, decides (a farm with a short caption goes, one with a longer text stays)."""
    theirs_fn, ours_fn = htmlprocessing.delete_by_link_density, trafilatura_density.delete_by_link_density
    outcomes = set()
    for own in range(40):  # the inner block's text beside its links
        for extra in (0, 1, 2, 40):  # the outer block's text beside the inner block
            root = lxml_html.html_parser.makeelement("body")
            outer = etree.SubElement(root, "div")
            inner = etree.SubElement(outer, "div")
            inner.text = "t" * own or None
            for _ in range(5):
                etree.SubElement(inner, "ref").text = word * 60
            inner.tail = "t" * extra or None
            for tagname in ("div", "list"):
                mine, theirs = deepcopy(root), deepcopy(root)
                ours_fn(mine, tagname, backtracking=True, favor_precision=True)
                theirs_fn(theirs, tagname, backtracking=True, favor_precision=True)
                assert etree.tostring(mine) == etree.tostring(theirs), (own, extra)
                outcomes.add(len(mine))
    assert outcomes == {0, 1}  # the outer block deleted on some, kept on others


def test_a_subtree_is_tested_as_trafilatura_tests_it() -> None:
    """Called on an inner element (as on the recovery's trees): the elements above it are not tested."""
    for words in ("Bridge closed for repairs tonight", "大桥今晚封闭维修"):
        trees = []
        for _ in range(2):
            body = lxml_html.html_parser.makeelement("body")
            inner = etree.SubElement(etree.SubElement(etree.SubElement(body, "div", id="outer"), "list"), "div", id="inner")
            inner.text = "x"
            etree.SubElement(inner, "ref").text = words
            trees.append(body)
        mine, theirs = (tree.find(".//list") for tree in trees)
        trafilatura_density.delete_by_link_density(mine, "div", backtracking=True)
        htmlprocessing.delete_by_link_density(theirs, "div", backtracking=True)
        assert etree.tostring(trees[0]) == etree.tostring(trees[1])
        assert trees[0].find(".//div[@id='inner']") is None and trees[0].find(".//div[@id='outer']") is not None


def test_another_trafilatura_keeps_its_own_function(monkeypatch) -> None:
    own = htmlprocessing.delete_by_link_density
    try:
        monkeypatch.setattr(trafilatura, "__version__", "9.9.9")
        assert trafilatura_density.install() is False
        assert main_extractor.delete_by_link_density is own
        page, _ = link_heavy_page("en")
        assert ARTICLE["en"][0] in read(page, "fast")
        monkeypatch.undo()
        # the same version with one of the restated functions changed: trafilatura's own runs
        monkeypatch.setattr(htmlprocessing, "collect_link_info", lambda links_xpath: (0, len(links_xpath), 0, []))
        assert trafilatura_density.install() is False
        assert main_extractor.delete_by_link_density is own
    finally:
        monkeypatch.undo()
        assert trafilatura_density.install()
