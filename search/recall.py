"""The extraction's recall check: notice when the main-text extractor lost the article, and fall back.

trafilatura (run for precision) sometimes keeps a teaser and drops the body: a page layout it
misreads, an article split across unusual containers, answers on a Q&A page. Nothing downstream
can recover a paragraph that was never extracted, so the extracted text is compared with the
page's visible paragraphs (the HTML without scripts, navigation, headers, footers, forms, and the
containers whose class or id says comments, sharing, cookies, related links...). When it is much
shorter than them, or misses one of the longest ones, a recall-oriented extraction is tried
(trafilatura favor_recall) and used when it holds them; when it does not and the extraction is
far too short (under MIN_SHARE of the visible text), the cleaned visible paragraphs stand in. Measured in bench/realdata.py (segment F1 on trafilatura's evaluation pages)."""

from __future__ import annotations

import re

import trafilatura
from lxml import etree
from lxml import html as lxml_html

# A paragraph this long (characters; Han text is denser, so it counts double) is article text,
# not a caption or a menu item.
BLOCK_CHARS = 80
# The longest visible paragraphs that must survive extraction (at least this long each).
LARGEST = 3
LARGEST_MIN_CHARS = 200
# Extracted text shorter than this share of the visible paragraphs' text means the article was lost.
MIN_SHARE = 0.4
# An extraction this long has not lost the article (the model reads ~1,000 tokens of evidence),
# and a page this large costs more to parse twice than the check could win: both skip the check.
ENOUGH_CHARS = 20_000
MAX_HTML_CHARS = 1_000_000
# A paragraph whose text is mostly link text is navigation (related stories, tag clouds).
MAX_LINK_SHARE = 0.5

_DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "iframe", "nav", "header", "footer", "aside",
    "form", "button", "select", "textarea", "figure", "figcaption",
)  # fmt: skip
_BOILERPLATE = re.compile(
    r"comment|footer|sidebar|related|share|sharing|social|cookie|consent|newsletter|subscri|promo"
    r"|advert|\bads?\b|banner|menu|\bnav|breadcrumb|widget|popup|modal|author-bio|byline|teaser|recommend",
    re.IGNORECASE,
)
_BLOCK_TAGS = ("p", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "dd")
_HAN = re.compile(r"[\u3400-\u9fff]+")


def _weight(text: str) -> int:
    """Characters, a Han character counting double (a Chinese sentence says in 30 what English says in 80)."""
    if text.isascii():  # most pages: no Han to count (checked in C)
        return len(text)
    return len(text) + sum(map(len, _HAN.findall(text)))  # runs, not one match per character


def block_weight(text: str) -> int:
    """A block's weighted characters as the article test counts them (BLOCK_CHARS): spaces included."""
    return _weight(text)


def _squash(text: str) -> str:
    return " ".join(text.split())


def visible_blocks(html: str) -> list[str]:
    """The page's visible text blocks in document order, cleaned of navigation and boilerplate."""
    try:
        root = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    for element in root.xpath("|".join(f"//{tag}" for tag in _DROP_TAGS)):
        element.drop_tree()
    for element in root.xpath("//*[@class or @id]"):
        label = f"{element.get('class', '')} {element.get('id', '')}"
        if _BOILERPLATE.search(label) and element.getparent() is not None and element.tag not in ("body", "html"):
            element.drop_tree()
    blocks: list[str] = []
    for element in root.iter(*_BLOCK_TAGS):
        if element.tag == "li" and element.find(".//p") is not None:
            continue  # its paragraphs are blocks of their own
        if any(ancestor.tag in ("p", "blockquote") for ancestor in element.iterancestors()):
            continue
        text = _squash(element.text_content())
        if not text:
            continue
        links = sum(len(_squash(a.text_content())) for a in element.iter("a"))
        if links > MAX_LINK_SHARE * len(text):
            continue
        blocks.append(text)
    return blocks


def _article(blocks: list[str]) -> list[str]:
    return [b for b in blocks if _weight(b) >= BLOCK_CHARS]


# Whitespace and invisible characters differ between the page and an extraction of it (soft
# hyphens dropped, a bold lead-in joined to its sentence or split onto a line of its own).
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060\ufeff]+")


def _key(text: str) -> str:
    """`text` without whitespace and invisible characters. str.split() drops exactly what the
    regex class \\s matches (both ask Py_UNICODE_ISSPACE), at a fraction of a substitution's cost."""
    joined = "".join(text.split())
    return joined if joined.isascii() else _INVISIBLE.sub("", joined)


def missing(text: str, blocks: list[str]) -> list[str]:
    """The longest article paragraphs that `text` lacks; all of them when it is too short overall."""
    article = _article(blocks)
    if not article:
        return []
    flat = _key(text)
    largest = [b for b in sorted(article, key=_weight, reverse=True)[:LARGEST] if _weight(b) >= LARGEST_MIN_CHARS]
    lost = [b for b in largest if _key(b)[:50] not in flat]
    if _too_short(flat, article):
        lost = lost or largest or article
    return lost


def _too_short(flat: str, article: list[str]) -> bool:
    return _weight(flat) < MIN_SHARE * sum(_weight(_key(b)) for b in article)


def too_short(text: str, blocks: list[str], whole: int | None = None, weight: int | None = None) -> bool:
    """`text` holds under MIN_SHARE of the article paragraphs among `blocks`: the article was lost.
    `whole`: article_weight(blocks), `weight`: text_weight(text), when already known."""
    whole = article_weight(blocks) if whole is None else whole
    return (text_weight(text) if weight is None else weight) < MIN_SHARE * whole


def article_weight(blocks: list[str]) -> int:
    """The weighted characters of the article paragraphs among `blocks`: share() and too_short()
    of several texts against the same blocks need it once."""
    return sum(text_weight(b) for b in _article(blocks))


# str.split()'s whitespace below U+0080 (Py_UNICODE_ISSPACE, as str.isspace): what _key drops from
# an ASCII text.
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())


def text_weight(text: str) -> int:
    """_weight(_key(text)): the weighted characters of `text` beside its whitespace and invisible
    characters. An ASCII text (most pages) holds no invisible or Han character: its length less its
    whitespace, counted in C by one translate instead of a split and a join (a page's 0.2 ms of recall
    checks -> ~0.05)."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _ASCII_SPACE))
    return _weight(_key(text))


def share(text: str, blocks: list[str], whole: int | None = None, weight: int | None = None) -> float:
    """How much `text` holds beside the article paragraphs among `blocks` (weighted characters;
    1.0 when there are none). `whole`: article_weight(blocks), `weight`: text_weight(text), when
    already known."""
    whole = article_weight(blocks) if whole is None else whole
    return (text_weight(text) if weight is None else weight) / whole if whole else 1.0


def article_span(blocks: list[str]) -> str:
    """The blocks from the first article paragraph to the last: short blocks stay only between
    article paragraphs (subheadings, list items), not around them (menus, bylines, footers)."""
    article = _article(blocks)
    if not article:
        return ""
    first, last = blocks.index(article[0]), len(blocks) - blocks[::-1].index(article[-1])
    return "\n".join(blocks[first:last])


def _recall_extraction(html: str, url: str) -> str:
    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        favor_recall=True,
    )
    return text or ""


def checked(html: str, url: str, text: str) -> tuple[str, str | None]:
    """`text` (the precision extraction of `html`), or a fuller extraction when it lost the article;
    also which fallback was taken (None, "recall" or "visible")."""
    if len(text) >= ENOUGH_CHARS or len(html) > MAX_HTML_CHARS:
        return text, None
    blocks = visible_blocks(html)
    lost = missing(text, blocks)
    if not lost:
        return text, None
    fuller = _recall_extraction(html, url)
    if not missing(fuller, blocks):
        return fuller, "recall"
    if not too_short(text, blocks):
        # A long paragraph is missing but most of the text is there: that paragraph is more often
        # a privacy notice or a comment than the article, so the precise extraction stands.
        return text, None
    # Neither extraction holds the article: the visible paragraphs, cleaned, in page order.
    visible = article_span(blocks)
    return (visible, "visible") if len(visible) > len(text) else (text, None)
