"""trafilatura's discard XPaths, evaluated as walks over the lxml tree in Python: the same elements
in the same (document) order, so trafilatura's `prune_unwanted_nodes` deletes exactly what it
deleted before, tails and all, and every page's text is the same.

Why: these XPaths test ids and classes with EXSLT regexes (`re:test`), which lxml runs as a Python
callback per candidate element and per test, from inside libxml2's XPath engine: ~7.5 ms of a real
page's ~20 in trafilatura's fast pass (bench/trafilatura_prune.py). lxml's tag-filtered iteration
yields the candidates from C and one `re.search` per present attribute decides: a fraction of it.

Exactness rests on three things, each checked here or by bench/trafilatura_prune.py:
- `re:test(@a, 'p')` is lxml's `re.search(p, value of @a or '')` (lxml/extensions.pxi,
  `_ExsltRegExp.test`); a pattern that matches '' would also match a missing attribute, so such a
  pattern is not mirrored. `re:test(@a|@b, ...)` and `starts-with(@a|@b, ...)` read the first of
  the two attributes in source order (XPath's string value of a node-set), as `_first` does.
- Each walk mirrors one XPath's text, compared at install with trafilatura's own (whitespace aside,
  the regex literals taken from it): a trafilatura whose version or XPaths differ keeps its XPaths.
- Each returns what the XPath returned, a list in document order, so the deletions and the tail
  handling are trafilatura's own code, unchanged."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import trafilatura
import trafilatura.xpaths as xpaths
from lxml import etree

log = logging.getLogger(__name__)

MIRRORED_VERSION = "2.3.1"  # the trafilatura whose XPaths the walks below mirror

_BLOCKS = ("div", "item", "list", "p", "section", "span")
Walk = Callable[[etree._Element], list]


def _first(el: etree._Element, a: str, b: str) -> str | None:
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


def _raw_tree_prune(rx: list[re.Pattern]) -> Walk:
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


def _share_buttons(rx: list[re.Pattern]) -> Walk:
    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants("div", "section", "aside"):
            c = el.get("class")
            if c is not None and "elementor-share-buttons" in c:
                out.append(el)
        return out

    return walk


def _comments_and_lists(rx: list[re.Pattern]) -> Walk:
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


def _comments(rx: list[re.Pattern]) -> Walk:
    ids, classes = rx

    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants("div", "list", "section", "details"):
            i, c = el.get("id"), el.get("class")
            if (i is not None and ids.search(i)) or (c is not None and classes.search(c)):
                out.append(el)
        return out

    return walk


def _overall_blocks(rx: list[re.Pattern]) -> Walk:
    either, ids, classes = rx

    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants(*_BLOCKS):
            i, c = el.get("id"), el.get("class")
            if (
                (i is not None and ids.search(i))
                or (c is not None and classes.search(c))
                or ((i is not None or c is not None) and either.search(_first(el, "id", "class")))
                or el.get("data-lp-replacement-content") is not None
                or "nav" in (el.get("role") or "").replace("N", "n")
                or "MostPopularStories" in (el.get("data-component") or "")
            ):
                out.append(el)
        return out

    return walk


def _overall_any(rx: list[re.Pattern]) -> Walk:
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
                or ((i is not None or c is not None) and _first(el, "id", "class").startswith("reply-"))
                or ((i is not None or style is not None) and hidden.search(_first(el, "id", "style")))
            ):
                out.append(el)
        return out

    return walk


def _teasers(rx: list[re.Pattern]) -> Walk:
    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants(*_BLOCKS):
            i, c = el.get("id"), el.get("class")
            if (i is not None and "teaser" in i.replace("T", "t")) or (c is not None and "teaser" in c.replace("T", "t")):
                out.append(el)
        return out

    return walk


def _precision(rx: list[re.Pattern]) -> Walk:
    bottom, link = rx

    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants(*_BLOCKS):
            style = el.get("style")
            if (style is not None and "border" in style) or (
                (first := _first(el, "id", "class")) is not None and (bottom.search(first) or link.search(first))
            ):
                out.append(el)
        return out

    return walk


def _captions(rx: list[re.Pattern]) -> Walk:
    def walk(tree: etree._Element) -> list:
        out = []
        for el in tree.iterdescendants(*_BLOCKS):
            i, c = el.get("id"), el.get("class")
            if (i is not None and "caption" in i) or (c is not None and "caption" in c):
                out.append(el)
        return out

    return walk


_B = "self::div or self::item or self::list or self::p or self::section or self::span"
# (list in trafilatura.xpaths, index) -> (the XPath's text, regex literals as '{}', whitespace as one
# space; the walk that mirrors it, made from those regexes).
MIRRORS: dict[tuple[str, int], tuple[str, Callable[[list[re.Pattern]], Walk]]] = {
    ("RAW_TREE_PRUNE_XPATH", 0): (
        ".//*[self::div or self::section or self::aside][ re:test(@id, '{}') or re:test(@class, '{}')][ "
        "not(.//h1) or re:test(@id, '{}') or re:test(@class, '{}')]",
        _raw_tree_prune,
    ),
    ("RAW_TREE_PRUNE_XPATH", 1): (
        ".//*[self::div or self::section or self::aside][contains(@class, 'elementor-share-buttons')]",
        _share_buttons,
    ),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0): (
        ".//*[self::div or self::list or self::section or self::details or self::ol or self::ul][ "
        "re:test(@id, '{}') or re:test(@class, '{}')][ not(self::ol or self::ul) or re:test(@id, '{}') or "
        "re:test(@class, '{}')]",
        _comments_and_lists,
    ),
    ("REMOVE_COMMENTS_XPATH", 0): (
        ".//*[self::div or self::list or self::section or self::details][ re:test(@id, '{}') or re:test(@class, '{}')]",
        _comments,
    ),
    ("OVERALL_DISCARD_XPATH", 0): (
        f".//*[{_B}][ @data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or "
        "contains(@data-component, 'MostPopularStories') or re:test(@id|@class, '{}') or re:test(@id, '{}') or "
        "re:test(@class, '{}')]",
        _overall_blocks,
    ),
    ("OVERALL_DISCARD_XPATH", 1): (
        ".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or re:test(@id|@style, '{}') or "
        "contains(@style, 'display:none') or contains(@style, 'display: none') or re:test(@id, '{}') or "
        "re:test(@class, '{}') or @aria-hidden='true']",
        _overall_any,
    ),
    ("TEASER_DISCARD_XPATH", 0): (
        f".//*[{_B}][ contains(translate(@id, 'T', 't'), 'teaser') or contains(translate(@class, 'T', 't'), 'teaser')]",
        _teasers,
    ),
    ("PRECISION_DISCARD_XPATH", 1): (
        f".//*[{_B}][ re:test(@id|@class, '{{}}') or re:test(@id|@class, '{{}}') or contains(@style, 'border')]",
        _precision,
    ),
    ("DISCARD_IMAGE_ELEMENTS", 0): (
        f".//*[{_B}][ contains(@id, 'caption') or contains(@class, 'caption')]",
        _captions,
    ),
}

_LITERAL = re.compile(r"('[^']*')")


def _pieces(path: str) -> list[str]:
    """The XPath's text as literals and what lies between them, whitespace outside literals as one space."""
    return [p if p.startswith("'") else re.sub(r"\s+", " ", p) for p in _LITERAL.split(path.strip())]


def regexes(path: str, template: str) -> list[str] | None:
    """The regex literals of `path` where `template` has '{}', or None where the two differ elsewhere."""
    ours, theirs = _pieces(template), _pieces(path)
    if len(ours) != len(theirs):
        return None
    found = []
    for mine, their in zip(ours, theirs, strict=True):
        if mine == "'{}'" and their.startswith("'"):
            found.append(their[1:-1])
        elif mine != their:
            return None
    return found


class MirroredXPath:
    """Called as trafilatura calls its XPath objects; anything but an element (or XPath variables)
    goes to the XPath itself."""

    def __init__(self, xpath: etree.XPath, walk: Walk):
        self.xpath, self.path, self._walk = xpath, xpath.path, walk

    def __call__(self, node: Any, **variables: Any) -> Any:
        if variables or not isinstance(node, etree._Element):
            return self.xpath(node, **variables)
        return self._walk(node)

    def __repr__(self) -> str:
        return f"MirroredXPath({self.path!r})"


def _mirror(xpath: Any, template: str, make: Callable[[list[re.Pattern]], Walk]) -> MirroredXPath | None:
    if not isinstance(xpath, etree.XPath) or (literals := regexes(xpath.path, template)) is None:
        return None
    compiled = [re.compile(literal) for literal in literals]  # lxml's flags: re.UNICODE, the default
    if any(rx.search("") for rx in compiled):  # would match a missing attribute: not mirrored
        return None
    return MirroredXPath(xpath, make(compiled))


def install() -> list[str]:
    """Put the walks in place of the XPaths they mirror, in trafilatura's own lists (which its
    modules share). Returns the XPaths replaced; none where trafilatura's version is not the one
    mirrored, and an XPath whose text differs keeps itself."""
    if trafilatura.__version__ != MIRRORED_VERSION:
        log.info("trafilatura %s, not %s: its own discard XPaths run", trafilatura.__version__, MIRRORED_VERSION)
        return []
    replaced = []
    for (name, index), (template, make) in MIRRORS.items():
        expressions = getattr(xpaths, name, None)
        if not isinstance(expressions, list) or index >= len(expressions):
            continue
        if (mirrored := _mirror(expressions[index], template, make)) is not None:
            expressions[index] = mirrored
            replaced.append(f"{name}[{index}]")
    return replaced


def uninstall() -> None:
    """trafilatura's own XPaths back in place (the bench compares both in one process)."""
    for name, index in MIRRORS:
        expressions = getattr(xpaths, name, None)
        if isinstance(expressions, list) and index < len(expressions) and isinstance(expressions[index], MirroredXPath):
            expressions[index] = expressions[index].xpath
