"""trafilatura's discard XPaths run as walks over the tree (search/trafilatura_prune.py): real pages
read the same text, a boilerplate block (share buttons, a cookie banner, comments, a hidden or
caption block) is still removed in English and Chinese, generated markup loses the same nodes, and
a trafilatura other than the one mirrored keeps its own XPaths."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest
import trafilatura
import trafilatura.xpaths as xpaths
from lxml import etree, html as lxml_html

from search import html_text, trafilatura_prune
from search.extract import decode, extract_page
from search.fetch import Fetched
from search.models import SearchResult
from testkit.paragraphs import ARTICLE

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "bench" / "data" / "trafilatura_eval" / "html"
CORPUS = ROOT / "bench" / "corpus" / "pages"
URL = "http://x.example/page"


def texts(pages: list[str]) -> list[tuple[str, str]]:
    return [(html_text.precise_text(html, URL), html_text.full_text(html, URL)) for html in pages]


@pytest.mark.parametrize(
    "path",
    [REAL, CORPUS / "haizhou-metro-5-opening.html", CORPUS / "xinglan-s7-user-forum.html", CORPUS / "lumen-os-wifi-forum.html"],
    ids=["real-pages", "chinese-news", "chinese-forum", "english-forum"],
)
def test_real_pages_read_the_same_text_as_with_trafilaturas_xpaths(path: Path) -> None:
    if path.is_dir():
        pages = [decode(gzip.decompress(file.read_bytes()), None) for file in sorted(path.glob("*.html.gz"))[:12]]
    else:
        pages = [decode(path.read_bytes(), None)]
    ours = texts(pages)
    trafilatura_prune.uninstall()
    try:
        theirs = texts(pages)
    finally:
        trafilatura_prune.install()
    assert any(fast for fast, _ in ours)
    assert ours == theirs


BOILERPLATE = {
    "en": {
        "share": "<div class='share-buttons'><p>Share this story with your friends on every network you use today</p></div>",
        "cookie": "<div id='cookie-banner'><p>We use cookies to improve your experience on this website, accept them all</p></div>",
        "comments": "<section id='comments'><p>Reader comment: I walked under the arches last week and loved it</p></section>",
        "hidden": "<div style='display:none'><p>Subscribe now for unlimited access to every article we publish</p></div>",
        "caption": "<p class='photo-caption'>The viaduct photographed from the river bank at dawn by our photographer</p>",
    },
    "zh": {
        "share": "<div class='share-buttons'><p>分享到微信朋友圈和微博，让更多的朋友看到这条新闻报道</p></div>",
        "cookie": "<div id='cookie-banner'><p>本网站使用缓存文件以改善您的浏览体验，继续浏览即表示同意</p></div>",
        "comments": "<section id='comments'><p>网友评论：我上周坐了五号线，车厢很新，速度也很快，非常满意</p></section>",
        "hidden": "<div style='display:none'><p>立即订阅我们的会员服务，畅享所有独家新闻报道和深度分析内容</p></div>",
        "caption": "<p class='photo-caption'>图为五号线列车驶过海州大桥时的情景，摄影记者现场拍摄</p>",
    },
}


def article_page(lang: str) -> str:
    paragraphs = ARTICLE[lang]
    blocks = list(BOILERPLATE[lang].values())
    body = "".join(f"<p>{p}</p>{b}" for p, b in zip(paragraphs, blocks, strict=False)) + "".join(blocks[len(paragraphs):])
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>Page</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><main><article><h1>Headline</h1>{body}</article></main></body></html>"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_boilerplate_blocks_still_removed_and_the_article_kept(lang: str) -> None:
    html = article_page(lang)
    url = f"http://x.example/{lang}"
    fetched = Fetched(url=url, final_url=url, status=200, content_type="text/html", charset=None, body=html.encode())
    read = extract_page(fetched, SearchResult(url=url, title="Headline"), "fast")
    assert all(p in read.text for p in ARTICLE[lang])
    for name, block in BOILERPLATE[lang].items():
        words = lxml_html.fromstring(block).text_content()
        assert words not in read.text, name


# Attribute values built from the words the XPaths test (and near misses), in any order and case.
WORDS = (
    "comment", "Comment", "commentary", "comments", "comol", "disqus_thread", "dsq-comments", "article-comments",
    "post-comments", "mvp-post-add-box", "infinite-scroll", "elementor-share-buttons", "cookie", "share", "Share",
    "social", "nav", "Nav", "navbar", "menu", "footer", "related", "ad", "-ad-", "widget", "byline", "tags",
    "meta", "hidden", "hide", "reply-", "comments-title", "display:none", "display: none", "border", "bottom",
    "link", "teaser", "Teaser", "caption", "premium", "jp-", "breadcrumb", "MostPopularStories", "akismet",
    "main", "content", "post", "x", "", "entry", "articleBody", "articleContent", "article-content", "article",
    "story", "FullText", "primary", "story-body", "postarea", "text", "cell", "Main-Content", "content-body",
    "page-Content", "PAGE-CONTENT",
)  # fmt: skip
ATTRIBUTES = (
    "id", "class", "style", "role", "aria-hidden", "data-component", "data-lp-replacement-content", "itemprop", "title",
)  # fmt: skip
TAGS = ("div", "section", "aside", "details", "ol", "ul", "list", "item", "p", "span", "h1", "header", "a", "article", "main")


def generated_tree(rng: random.Random) -> lxml_html.HtmlElement:
    root = etree.Element("body")
    nodes = [root]
    for _ in range(rng.randint(20, 60)):
        el = etree.SubElement(rng.choice(nodes), rng.choice(TAGS))
        for name in rng.sample(ATTRIBUTES, rng.randint(0, 4)):  # attribute order as written varies
            value = rng.choice(" -_").join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
            el.set(name, "true" if name == "aria-hidden" and rng.random() < 0.5 else value)
        el.text = rng.choice(("text ", None))
        el.tail = rng.choice(("tail ", None))
        nodes.append(el)
    return lxml_html.fromstring(etree.tostring(root))  # parsed back: an HTML tree as trafilatura's


def test_generated_markup_loses_the_same_nodes_as_with_the_xpaths() -> None:
    rng = random.Random(25)
    mirrored = {(name, index): getattr(xpaths, name)[index] for name, index in trafilatura_prune.MIRRORS}
    assert all(isinstance(m, trafilatura_prune.MirroredXPath) for m in mirrored.values())
    matched = dict.fromkeys(mirrored, 0)
    for _ in range(300):
        tree = generated_tree(rng)
        for key, mirror in mirrored.items():
            ours = mirror(tree)
            assert ours == mirror.xpath(tree), (key, etree.tostring(tree))
            matched[key] += len(ours)
    assert all(matched.values()), matched  # every walk found something to remove


def test_another_trafilatura_keeps_its_own_xpaths(monkeypatch) -> None:
    trafilatura_prune.uninstall()
    own = xpaths.DISCARD_IMAGE_ELEMENTS[0]
    try:
        monkeypatch.setattr(trafilatura, "__version__", "9.9.9")
        assert trafilatura_prune.install() == []
        assert all(isinstance(getattr(xpaths, name)[i], etree.XPath) for name, i in trafilatura_prune.MIRRORS)
        monkeypatch.undo()
        # the same version with one XPath changed: that one stays trafilatura's own
        changed = etree.XPath(".//*[self::div][contains(@class, 'caption') or contains(@id, 'figure')]")
        xpaths.DISCARD_IMAGE_ELEMENTS[0] = changed
        replaced = trafilatura_prune.install()
        assert "DISCARD_IMAGE_ELEMENTS[0]" not in replaced and "OVERALL_DISCARD_XPATH[0]" in replaced
        assert xpaths.DISCARD_IMAGE_ELEMENTS[0] is changed
    finally:
        monkeypatch.undo()
        trafilatura_prune.uninstall()
        xpaths.DISCARD_IMAGE_ELEMENTS[0] = own
        trafilatura_prune.install()
