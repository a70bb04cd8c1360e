"""The main text of an HTML page, the fast way (the default `extractor`, "fast"): one lexbor parse
(resiliparse) gives the page's main-content blocks and its title, date and site name; trafilatura
runs once, for precision, in its fast mode (no second-opinion extractions, no metadata pass). The
lexbor blocks check it: where it holds under 3/4 of their article text (about one page in eight:
forum threads, layouts it misreads) trafilatura's whole cascade gives its text too, readability and
jusText included (from what the fast pass computed: search/trafilatura_reuse.py), and the longer
text stands; where that still holds under 40 %, the blocks stand in.

Why this shape (bench/cpu.py, measured on trafilatura's 949 evaluation pages): resiliparse's main
content costs ~1 ms a page and keeps more of the article, but also more around it (author boxes,
newsletter promos, dates, "related" lists: precision 0.77); almost every real page has such lines,
so choosing resiliparse's text for whole pages loses F1 (0.88 with trafilatura on 38 % of the
pages). trafilatura in fast mode is precise but drops forum posts and misread layouts; checked
against the lexbor blocks it holds the F1 of the path shipped before (trafilatura with metadata and
its fallbacks on every page, an lxml recall check, a second, recall-oriented run) at under half the
CPU per page.

The "lean" extractor (`extract_html(..., lean=True)`, not the default) asks the lexbor blocks first:
where they read like one plain article (plain_article: few, long paragraphs, no list or table beside
them) they are the text and trafilatura does not run: about one real page in six, 5-7 % less CPU
per page (bench/cpu.py), F1 0.9272 against 0.9293 on bench/data and 0.9246 against 0.9258 on the
949 pages (precision lost on the pages read lean: bylines, promos, "read more" lines); none of the
generated corpus's pages (each holds more than LEAN_MAX_BLOCKS lines), so its CPU per answer is fast's."""

from __future__ import annotations

import logging
import re

import trafilatura
import trafilatura.utils
from lxml import etree
from lxml import html as lxml_html
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree

from search import recall, trafilatura_cleaning, trafilatura_density, trafilatura_prune, trafilatura_reuse

log = logging.getLogger(__name__)


def use_c_class_lookup() -> None:
    """trafilatura's parser gives its elements lxml.html's classes through a lookup written in
    Python, called for every element lxml hands to Python (thousands a page); lxml's own lookup
    does it in C. Every element becomes an HtmlElement as before; only <form>, <input>,
    <select>, <textarea> and <label> lose their form-field helpers, which no extractor uses (the
    texts are the same on every evaluation page: tests/search/test_html_text.py)."""
    parser = getattr(trafilatura.utils, "HTML_PARSER", None)
    if isinstance(parser, etree.HTMLParser):
        parser.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=lxml_html.HtmlElement,
                comment=lxml_html.HtmlComment,
                pi=lxml_html.HtmlProcessingInstruction,
                entity=lxml_html.HtmlEntity,
            )
        )


use_c_class_lookup()
# trafilatura's discard XPaths as walks over the tree, the same nodes removed (search/trafilatura_prune.py).
trafilatura_prune.install()
# trafilatura's link-density pruning with each text computed once, the same nodes removed
# (search/trafilatura_density.py).
trafilatura_density.install()
# trafilatura's tree cleaning with its deletion loops run only for the tags the tree holds, the same
# nodes removed (search/trafilatura_cleaning.py).
trafilatura_cleaning.install()

# trafilatura's options as the path shipped before used them, plus fast=True: no readability or
# jusText extraction to compare with (the lexbor blocks are the second opinion here).
_PRECISE = dict(
    include_comments=False,
    include_tables=True,
    include_images=False,
    include_links=False,
    favor_precision=True,  # better to lose a marginal paragraph than to keep a cookie banner
    fast=True,
    with_metadata=False,
)

# resiliparse's main-content pass costs the square of the nesting depth (a page of 20,000 nested
# <div>s: half a minute); real pages stay far below this depth (none of the 949 evaluation pages
# reaches it). Deeper pages skip the recall check, as lxml (trafilatura's parser) caps depth too.
MAX_DEPTH = 200
_DEEPER = "body" + " > *" * MAX_DEPTH

_FULL = dict(_PRECISE, fast=False)
# The fast pass holding under this share of the lexbor blocks' article text looks short: a forum
# thread whose posts it dropped, a layout it misread (about 12 % of real pages). There trafilatura
# runs whole and the longer text stands (bench/cpu.py; the generated corpus's forums: F1 0.78 -> 0.89).
SECOND_OPINION_SHARE = 0.75

_TITLE_META = ("og:title", "twitter:title")
_DATE_META = (
    "article:published_time", "og:published_time", "datepublished", "date", "dc.date", "dc.date.issued",
    "dcterms.date", "publishdate", "pubdate", "sailthru.date", "parsely-pub-date", "article.published",
)  # fmt: skip
_SITE_META = ("og:site_name", "application-name")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})|(\d{4})/(\d{2})/(\d{2})")
# "Headline | Site", "Headline - Site": the part before the separator is the headline (trafilatura's rule).
_TITLE_PARTS = re.compile(r"^(.+)?\s+[–•·—|⁄*⋆~‹«<›»>:-]\s+(.+)$")
_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


def parse(html: str) -> HTMLTree | None:
    """The page as a lexbor tree; None when it holds no document at all."""
    tree = HTMLTree.parse(html)
    return tree if tree.document is not None and tree.body is not None else None


def main_blocks(tree: HTMLTree) -> list[str]:
    """The page's main-content blocks (paragraphs, list items, headings, table rows) in page order:
    resiliparse's main-content extraction, which drops navigation, headers, footers, forms,
    comments and hidden elements."""
    text = extract_plain_text(tree, main_content=True, preserve_formatting=True, comments=False, alt_texts=False)
    return [line for line in (" ".join(raw.split()) for raw in text.split("\n")) if line]


# The "lean" extractor: the lexbor blocks stand alone, without trafilatura, where they read like one
# plain article: from the first article paragraph to the last (a short line just before it, the
# headline or a subheading, kept) at most LEAN_MAX_BLOCKS lines holding LEAN_MIN_WEIGHT weighted
# characters or more. Long paragraphs in few lines leave little room for the bylines, promos and
# "related" lists that make resiliparse's main content imprecise; pages of many short lines (forum
# threads, listings, link-heavy layouts) go to trafilatura as on the "fast" path. Measured on
# trafilatura's 949 evaluation pages (bench/cpu.py): about one page in five reads lean, F1 held.
LEAN_MAX_BLOCKS = 14
LEAN_MIN_WEIGHT = 1700
# Lists and tables beside paragraphs: resiliparse's main content drops bulleted lists and flattens
# tables, where the project's text keeps `- item` lines and `| a | b |` rows; such pages go to
# trafilatura (a list in a footer, an aside or a menu does not count).
_STRUCTURED = ", ".join(
    f":not(footer):not(aside):not(nav):not(header) > p ~ {tag}" for tag in ("ul", "ol", "table", "dl", "div > table")
)


def plain_article(tree: HTMLTree, blocks: list[str]) -> str | None:
    """The lean text of a page whose `blocks` read like one plain article (LEAN_MAX_BLOCKS), else None."""
    weights = [recall.block_weight(block) for block in blocks]
    article = [i for i, weight in enumerate(weights) if weight >= recall.BLOCK_CHARS]
    if not article:
        return None
    first, last = article[0], article[-1] + 1
    if first > 0:
        first -= 1  # the line just before the first paragraph: the headline, a subheading, a lead-in
    if last - first > LEAN_MAX_BLOCKS or sum(weights[first:last]) < LEAN_MIN_WEIGHT:
        return None
    if tree.body.query_selector(_STRUCTURED) is not None:
        return None
    return "\n".join(blocks[first:last])


def _iso(value: str | None) -> str | None:
    """The first YYYY-MM-DD (or YYYY/MM/DD) in `value`, as YYYY-MM-DD."""
    if not value or not (m := _DATE.search(value)):
        return None
    year, month, day = (g for g in m.groups() if g is not None)
    return f"{year}-{month}-{day}" if 1 <= int(month) <= 12 and 1 <= int(day) <= 31 else None


def _title(tree: HTMLTree) -> str | None:
    """The page's one <h1>, else its <title> without the site's name (as trafilatura reads them)."""
    headings = tree.body.query_selector_all("h1")
    if len(headings) == 1 and (heading := " ".join(headings[0].text.split())):
        return heading
    title = " ".join((tree.title or "").split())
    if m := _TITLE_PARTS.match(title):
        return next((part for part in m.groups() if part and "." not in part), title)
    return title or None


def metadata(tree: HTMLTree) -> dict[str, str | None]:
    """Title, publication date (YYYY-MM-DD) and site name from the head's meta tags, JSON-LD and
    the first <time datetime>: the few places that hold them on most pages, read from the one tree."""
    found: dict[str, str] = {}
    # values(): the collection as a list at once; iterating it rebuilds its nodes at every step (the
    # square of its length), and a walk by hand creates a node object for every node of the head
    # (text, scripts, links): 0.4-0.5 ms a real page, against ~0.1 this way.
    for meta in tree.head.get_elements_by_tag_name("meta").values() if tree.head is not None else ():
        if not meta.hasattr("content"):
            continue
        key = (meta.getattr("property") or meta.getattr("name") or meta.getattr("itemprop") or "").lower()
        if key and key not in found:
            found[key] = meta.getattr("content") or ""
    title = next((found[k].strip() for k in _TITLE_META if found.get(k, "").strip()), None) or _title(tree)
    date = next((d for k in _DATE_META if (d := _iso(found.get(k)))), None)
    if date is None:
        for script in tree.document.query_selector_all('script[type="application/ld+json"]').values():
            if m := _LD_DATE.search(script.text):
                if date := _iso(m.group(1)):
                    break
    if date is None and (node := tree.body.query_selector("time[datetime]")) is not None:
        date = _iso(node.getattr("datetime"))
    site = next((found[k].strip() for k in _SITE_META if found.get(k, "").strip()), None)
    return {"title": title, "date": date, "sitename": site}


def precise_reading(html: str, url: str, second_opinion: bool = True) -> trafilatura_reuse.Reading:
    """trafilatura's fast pass (`.text`: precise_text's) keeping, where `second_opinion`, what its
    whole cascade would compute again: `.second_opinion()` gives full_text's text from there
    (search/trafilatura_reuse.py; bench/trafilatura_reuse.py: the same texts on every page)."""
    return trafilatura_reuse.read(html, url, _PRECISE, second_opinion)


def precise_text(html: str, url: str) -> str:
    """trafilatura's fast pass, by its public function."""
    doc = trafilatura.bare_extraction(html, url=url, **_PRECISE)
    return (doc.text if doc is not None else "") or ""


def full_text(html: str, url: str) -> str:
    """trafilatura's whole cascade (readability and jusText as second opinions), by its public
    function: the old path's extraction without its metadata."""
    return trafilatura.extract(html, url=url, **_FULL) or ""


def extract_html(
    html: str, url: str, *, recall_check: bool = True, lean: bool = False
) -> tuple[dict[str, str | None], str, str | None]:
    """(title/date/sitename, main text, which fallback was taken: None, "full" or "visible").

    `lean`: where the lexbor blocks read like one plain article (plain_article), they are the text
    and trafilatura does not run. Otherwise trafilatura's fast precise text; where it holds under SECOND_OPINION_SHARE of the lexbor
    blocks' article text, trafilatura's whole cascade too, the longer text standing ("full"); where
    that still holds under recall.MIN_SHARE, the article was lost: the lexbor blocks stand in, from
    the first article paragraph to the last ("visible")."""
    tree = parse(html)
    if tree is None:
        return {}, "", None
    meta = metadata(tree)
    blocks: list[str] | None = None
    deep: bool | None = None
    if lean:
        deep = tree.document.query_selector(_DEEPER) is not None
        if not deep:
            blocks = main_blocks(tree)
            if (lean_text := plain_article(tree, blocks)) is not None:
                return meta, lean_text, None
    reading = precise_reading(html, url, second_opinion=recall_check)
    text = reading.text
    if not recall_check or len(text) >= recall.ENOUGH_CHARS:  # that much text has not lost the article
        return meta, text, None
    if deep if deep is not None else tree.document.query_selector(_DEEPER) is not None:
        log.info("%s: nested deeper than %d elements; no recall check", url, MAX_DEPTH)
        return meta, text, None
    blocks = main_blocks(tree) if blocks is None else blocks
    whole = recall.article_weight(blocks)  # once, for both comparisons
    weight: int | None = recall.text_weight(text)  # the text's, for both while it stands
    fallback = None
    # No text at all is short too, whatever the blocks (a page whose lists resiliparse took for menus).
    looks_short = not text.strip() or recall.share(text, blocks, whole, weight) < SECOND_OPINION_SHARE
    if looks_short and len(fuller := reading.second_opinion()) > len(text):
        text, fallback, weight = fuller, "full", None
    if not recall.too_short(text, blocks, whole, weight):
        # A long paragraph may be missing while most of the text is there: that paragraph is more
        # often a privacy notice or a comment than the article (search/recall.py), so it stands.
        return meta, text, fallback
    visible = recall.article_span(blocks)
    return (meta, visible, "visible") if len(visible) > len(text) else (meta, text, fallback)

