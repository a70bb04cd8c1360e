"""trafilatura's tree cleaning restated (search/trafilatura_cleaning.py): generated trees (scripts,
styles, forms' fields, asides nested in asides, tails everywhere) come out exactly as trafilatura's
own function leaves them, a page full of what it cleans reads the same text in English and Chinese,
real pages read the same texts, and a trafilatura other than the one mirrored keeps its own."""

from __future__ import annotations

import gzip
import random
from copy import deepcopy
from pathlib import Path

import pytest
import trafilatura
import trafilatura.core
import trafilatura.external
import trafilatura.htmlprocessing as htmlprocessing
from lxml import etree, html as lxml_html
from trafilatura.settings import Extractor

from search import html_text, trafilatura_cleaning
from search.extract import decode, extract_page
from search.fetch import Fetched
from search.models import SearchResult
from testkit.paragraphs import ARTICLE

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "bench" / "data" / "trafilatura_eval" / "html"
URL = "http://x.example/page"


def options(**kwargs) -> Extractor:
    return Extractor(**{"precision": True, "tables": True, **kwargs})


def test_the_restated_function_is_what_trafilatura_calls() -> None:
    assert trafilatura_cleaning.installed()
    assert trafilatura.core.tree_cleaning is trafilatura_cleaning.tree_cleaning
    assert trafilatura.external.tree_cleaning is trafilatura_cleaning.tree_cleaning


# Tags trafilatura cleans (some nested in themselves), tags it strips, and tags it keeps.
TAGS = ("aside", "aside", "script", "style", "noscript", "form", "input", "label", "svg", "iframe", "nav", "footer",
        "button", "time", "math", "figure", "table", "font", "abbr", "img", "div", "div", "p", "p", "span", "b", "h2")
TEXTS = ("", "x", " ", "Bridge closed for repairs", "大桥封闭维修", "  spaced   out  ", "\n")  # fmt: skip


def generated_tree(rng: random.Random) -> lxml_html.HtmlElement:
    root = lxml_html.html_parser.makeelement("html")
    nodes = [etree.SubElement(root, "body")]
    for _ in range(rng.randint(5, 60)):
        el = etree.SubElement(rng.choice(nodes), rng.choice(TAGS))
        el.text = rng.choice(TEXTS) or None
        el.tail = rng.choice(TEXTS) or None
        if rng.random() < 0.2:
            el.set("role", rng.choice(("presentation", "none", "main")))
        nodes.append(el)
    return root


def test_generated_trees_come_out_as_trafilatura_leaves_them() -> None:
    """Asides in asides included: trafilatura's loop over a tag ends inside the first element that
    holds another of its tag (the loop's next element is inside the one it removed), leaving the
    tag's later elements in place; the restated function leaves them too."""
    rng = random.Random(11)
    kept_after_nested = 0
    for _ in range(600):
        tree = generated_tree(rng)
        for kwargs in ({}, {"tables": False}, {"images": True}, {"recall": True, "precision": False}):
            mine = trafilatura_cleaning.tree_cleaning(deepcopy(tree), options(**kwargs))
            theirs = htmlprocessing.tree_cleaning(deepcopy(tree), options(**kwargs))
            assert etree.tostring(mine) == etree.tostring(theirs), (kwargs, etree.tostring(tree))
            if not kwargs:  # an aside left where the tree held a nested pair: one after that pair
                nested = any(aside.find(".//aside") is not None for aside in tree.iter("aside"))
                kept_after_nested += nested and mine.find(".//aside") is not None
    assert kept_after_nested  # some trees kept an aside after a nested pair, as trafilatura does


def page(lang: str) -> str:
    a = ARTICLE[lang]
    noise = (
        "<script>var x = 1;</script><style>p{}</style><noscript>Enable scripts</noscript>"
        "<aside><aside>Related</aside>More related</aside><aside>Popular</aside>"
        "<form><label>Name</label><input name='n'><button>Send</button></form>"
        "<svg><text>icon</text></svg><iframe src='/ad'></iframe><time>2024</time>"
    )
    body = f"<article><h1>Headline</h1>{noise}<p>{a[0]}</p>{noise}<p>{a[1]}</p><p>{a[2]}</p></article>"
    return f"<!doctype html><html lang='{lang}'><head><title>Page</title></head><body>{body}<footer>©</footer></body></html>"


def read(html: str, path: str) -> str:
    fetched = Fetched(url=URL, final_url=URL, status=200, content_type="text/html", charset=None, body=html.encode())
    return extract_page(fetched, SearchResult(url=URL, title="Headline"), path).text


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["fast", "lean", "trafilatura"])
def test_a_page_full_of_what_it_cleans_reads_the_same_text(lang: str, path: str) -> None:
    html = page(lang)
    ours = read(html, path)
    trafilatura_cleaning.uninstall()
    try:
        theirs = read(html, path)
    finally:
        assert trafilatura_cleaning.install()
    assert ours == theirs
    assert ARTICLE[lang][0] in ours
    for noise in ("var x", "Enable scripts", "Related", "Popular", "Send"):
        assert noise not in ours, noise


def test_real_pages_read_the_same_texts_as_with_trafilaturas_function() -> None:
    pages = [decode(gzip.decompress(file.read_bytes()), None) for file in sorted(REAL.glob("*.html.gz"))[:12]]

    def texts() -> list[tuple[str, str]]:
        return [(html_text.precise_text(html, URL), html_text.full_text(html, URL)) for html in pages]

    ours = texts()
    trafilatura_cleaning.uninstall()
    try:
        theirs = texts()
    finally:
        assert trafilatura_cleaning.install()
    assert any(fast for fast, _ in ours)
    assert ours == theirs


def test_another_trafilatura_keeps_its_own_function(monkeypatch) -> None:
    own = htmlprocessing.tree_cleaning
    try:
        monkeypatch.setattr(trafilatura, "__version__", "9.9.9")
        assert trafilatura_cleaning.install() is False
        assert trafilatura.core.tree_cleaning is own and trafilatura.external.tree_cleaning is own
        assert ARTICLE["en"][0] in read(page("en"), "fast")
        monkeypatch.undo()
        # the same version with the restated function changed: trafilatura's own runs
        monkeypatch.setattr(htmlprocessing, "tree_cleaning", lambda tree, options: own(tree, options))
        assert trafilatura_cleaning.install() is False
    finally:
        monkeypatch.undo()
        assert trafilatura_cleaning.install()
    assert trafilatura.core.tree_cleaning is trafilatura_cleaning.tree_cleaning
