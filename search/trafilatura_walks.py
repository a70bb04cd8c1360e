"""The walks that stand in for trafilatura's XPaths (search/trafilatura_prune.py installs them): each
returns the elements its XPath returns, in document order, from lxml's tag-filtered iteration and
one test per attribute present. Each takes the XPath's regex literals, compiled, in the order they
appear in it; the rest of the XPath (tags, fixed strings) is written out here, as in the XPath's text
that search/trafilatura_prune.py compares with trafilatura's before a walk is used."""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

Walk = Callable[[etree._Element], list]

_BLOCKS = ("div", "item", "list", "p", "section", "span")


def first(el: etree._Element, a: str, b: str) -> str | None:
    """XPath's string value of `@a|@b`: the attribute that comes first in the element's source."""
    va, vb = el.get(a), el.get(b)
    if va is None or vb is None:
        return vb if va is None else va
    for name in el.keys():
        if name == a:
            return va
        if name == b:
            return vb
    return va  # not reached: both attributes are among the keys


def raw_tree_prune(rx: list[re.Pattern]) -> Walk:
    ids, classes, h1_ids, h1_classes = rx

    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants("div", "section", "aside"):
            i, c = el.get("id"), el.get("class")
            if (i is not None and ids.search(i)) or (c is not None and classes.search(c)):
                if (
                    next(el.iterdescendants("h1"), None) is None
                    or (i is not None and h1_ids.search(i))
                    or (c is not None and h1_classes.search(c))
                ):
                    out.append(el)
        return out

    return walk


def share_buttons(rx: list[re.Pattern]) -> Walk:
    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants("div", "section", "aside"):
            c = el.get("class")
            if c is not None and "elementor-share-buttons" in c:
                out.append(el)
        return out

    return walk


def comments_and_lists(rx: list[re.Pattern]) -> Walk:
    ids, classes, list_ids, list_classes = rx

    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants("div", "list", "section", "details", "ol", "ul"):
            i, c = el.get("id"), el.get("class")
            if (i is not None and ids.search(i)) or (c is not None and classes.search(c)):
                if (
                    (el.tag != "ol" and el.tag != "ul")
                    or (i is not None and list_ids.search(i))
                    or (c is not None and list_classes.search(c))
                ):
                    out.append(el)
        return out

    return walk


def comments(rx: list[re.Pattern]) -> Walk:
    ids, classes = rx

    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants("div", "list", "section", "details"):
            i, c = el.get("id"), el.get("class")
            if (i is not None and ids.search(i)) or (c is not None and classes.search(c)):
                out.append(el)
        return out

    return walk


def overall_blocks(rx: list[re.Pattern]) -> Walk:
    either, ids, classes = rx

    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants(*_BLOCKS):
            i, c = el.get("id"), el.get("class")
            if (
                (i is not None and ids.search(i))
                or (c is not None and classes.search(c))
                or ((i is not None or c is not None) and either.search(first(el, "id", "class")))
                or el.get("data-lp-replacement-content") is not None
                or "nav" in (el.get("role") or "").replace("N", "n")
                or "MostPopularStories" in (el.get("data-component") or "")
            ):
                out.append(el)
        return out

    return walk


def overall_any(rx: list[re.Pattern]) -> Walk:
    hidden, ids, classes = rx

    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants(etree.Element):
            if not el.attrib:  # the usual case: nothing to test
                continue
            i, c, style = el.get("id"), el.get("class"), el.get("style")
            if (
                c == "comments-title"
                or (c is not None and classes.search(c))
                or (i is not None and ids.search(i))
                or (style is not None and ("display:none" in style or "display: none" in style))
                or el.get("aria-hidden") == "true"
                or ((i is not None or c is not None) and first(el, "id", "class").startswith("reply-"))
                or ((i is not None or style is not None) and hidden.search(first(el, "id", "style")))
            ):
                out.append(el)
        return out

    return walk


def teasers(rx: list[re.Pattern]) -> Walk:
    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants(*_BLOCKS):
            i, c = el.get("id"), el.get("class")
            if (i is not None and "teaser" in i.replace("T", "t")) or (c is not None and "teaser" in c.replace("T", "t")):
                out.append(el)
        return out

    return walk


def precision(rx: list[re.Pattern]) -> Walk:
    bottom, link = rx

    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants(*_BLOCKS):
            style = el.get("style")
            if (style is not None and "border" in style) or (
                (value := first(el, "id", "class")) is not None and (bottom.search(value) or link.search(value))
            ):
                out.append(el)
        return out

    return walk


def captions(rx: list[re.Pattern]) -> Walk:
    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants(*_BLOCKS):
            i, c = el.get("id"), el.get("class")
            if (i is not None and "caption" in i) or (c is not None and "caption" in c):
                out.append(el)
        return out

    return walk


_FRAMES = ("article", "div", "main", "section")


def frames(rx: list[re.Pattern]) -> Walk:
    """BODY_XPATH[0], `.//*[...][1]`: the first matching child of each parent, in document order."""
    ids, classes = rx

    def walk(tree: etree._Element) -> list:
        out, parents = [], set()
        for el in tree.iterdescendants(*_FRAMES):
            i, c = el.get("id"), el.get("class")
            if (
                c == "post"
                or c == "entry"
                or el.get("itemprop") == "articleBody"
                or i == "articleContent"
                or (i is not None and ids.search(i))
                or (c is not None and classes.search(c))
            ) and (parent := el.getparent()) not in parents:
                parents.add(parent)
                out.append(el)
        return out

    return walk


def story_frame(rx: list[re.Pattern]) -> Walk:
    """BODY_XPATH[2], `(...)[1]`: the first match in document order."""
    ids, fulltext, classes = rx[0], re.compile(rx[1].pattern, re.IGNORECASE), rx[2]  # its 'i' flag

    def walk(tree: etree._Element) -> list:
        for el in tree.iterdescendants(*_FRAMES):
            i, c = el.get("id"), el.get("class")
            if (
                el.get("role") == "article"
                or i == "article"
                or i == "story"
                or c in ("postarea", "art-postcontent", "text", "cell", "story")
                or (i is not None and ids.search(i))
                or (c is not None and (fulltext.search(c) or classes.search(c)))
            ):
                return [el]
        return []

    return walk


def content_frame(rx: list[re.Pattern]) -> Walk:
    """BODY_XPATH[3], `(...)[1]`: the first match in document order."""
    ids, classes = rx

    def walk(tree: etree._Element) -> list:
        for el in tree.iterdescendants(*_FRAMES):
            i, c = el.get("id"), el.get("class")
            if (
                i == "content"
                or c == "content"
                or (i is not None and (ids.search(i) or "main-content" in i.replace("C", "c").replace("M", "m")))
                or (
                    c is not None
                    and (
                        classes.search(c)
                        or "main-content" in c.replace("C", "c").replace("M", "m")
                        or "page-content" in c.replace("C", "c").replace("P", "p")
                    )
                )
            ):
                return [el]
        return []

    return walk


def main_frame(rx: list[re.Pattern]) -> Walk:
    """BODY_XPATH[4], `(...)[1]|(.//main)[1]`: the first match and the first <main>, in document order."""

    def walk(tree: etree._Element) -> list:
        out, frame, main = [], False, False
        for el in tree.iterdescendants("article", "div", "section", "main"):
            if el.tag == "main":
                if not main:
                    main = True
                    out.append(el)
            elif not frame and (
                (el.get("class") or "").startswith("main")
                or (el.get("id") or "").startswith("main")
                or (el.get("role") or "").startswith("main")
            ):
                frame = True
                out.append(el)
            if frame and main:
                break
        return out

    return walk
