"""trafilatura's discard XPaths (and the XPaths that find the article's frame, BODY_XPATH),
evaluated as walks over the lxml tree in Python: the same elements in the same (document) order, so
trafilatura's `prune_unwanted_nodes` deletes exactly what it deleted before, tails and all, and
every page's text is the same.

Why: these XPaths test ids and classes with EXSLT regexes (`re:test`), which lxml runs as a Python
callback per candidate element and per test, from inside libxml2's XPath engine: ~8 ms of a real
page's ~18 in trafilatura's fast pass (bench/trafilatura_prune.py). lxml's tag-filtered iteration
yields the candidates from C and one `re.search` per present attribute decides: ~2 ms.

Exactness rests on three things, each checked here or by bench/trafilatura_prune.py:
- `re:test(@a, 'p')` is lxml's `re.search(p, value of @a or '')` (lxml/extensions.pxi,
  `_ExsltRegExp.test`; flag 'i' is re.IGNORECASE); a pattern that matches '' would also match a
  missing attribute, so such a pattern is not mirrored. `re:test(@a|@b, ...)` and
  `starts-with(@a|@b, ...)` read the first of the two attributes in source order (XPath's string
  value of a node-set), as `trafilatura_walks.first` does.
- Each walk mirrors one XPath's text, compared at install with trafilatura's own (whitespace aside,
  the regex literals taken from it): a trafilatura whose version or XPaths differ keeps its XPaths.
- Each returns what the XPath returned, a list in document order (`(...)[1]`: the first match;
  `.//*[...][1]`: the first match among each parent's children), so the deletions and the tail
  handling are trafilatura's own code, unchanged."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import trafilatura
import trafilatura.xpaths as xpaths
from lxml import etree

from search import trafilatura_walks as walks
from search.trafilatura_walks import Walk

log = logging.getLogger(__name__)

MIRRORED_VERSION = "2.3.1"  # the trafilatura whose XPaths the walks mirror

_B = "self::div or self::item or self::list or self::p or self::section or self::span"
_F = "self::article or self::div or self::main or self::section"
# (list in trafilatura.xpaths, index) -> (the XPath's text, regex literals as '{}', whitespace as one
# space; the walk that mirrors it, made from those regexes).
MIRRORS: dict[tuple[str, int], tuple[str, Callable[[list[re.Pattern]], Walk]]] = {
    ("BODY_XPATH", 0): (
        f".//*[{_F}][ @class='post' or @class='entry' or @itemprop='articleBody' or @id='articleContent' or "
        "re:test(@id, '{}') or re:test(@class, '{}') ][1]",
        walks.frames,
    ),
    ("BODY_XPATH", 2): (
        f"(.//*[{_F}][ @role='article' or @id='article' or @id='story' or @class='postarea' or "
        "@class='art-postcontent' or @class='text' or @class='cell' or @class='story' or re:test(@id, '{}') or "
        "re:test(@class, '{}', 'i') or re:test(@class, '{}') ])[1]",
        walks.story_frame,
    ),
    ("BODY_XPATH", 3): (
        f"(.//*[{_F}][ @id='content' or @class='content' or re:test(@id, '{{}}') or re:test(@class, '{{}}') or "
        "contains(translate(@id, 'CM','cm'), 'main-content') or contains(translate(@class, 'CM','cm'), "
        "'main-content') or contains(translate(@class, 'CP','cp'), 'page-content') ])[1]",
        walks.content_frame,
    ),
    ("BODY_XPATH", 4): (
        "(.//*[self::article or self::div or self::section][ starts-with(@class, 'main') or starts-with(@id, 'main') "
        "or starts-with(@role, 'main')])[1]|(.//main)[1]",
        walks.main_frame,
    ),
    ("RAW_TREE_PRUNE_XPATH", 0): (
        ".//*[self::div or self::section or self::aside][ re:test(@id, '{}') or re:test(@class, '{}')][ "
        "not(.//h1) or re:test(@id, '{}') or re:test(@class, '{}')]",
        walks.raw_tree_prune,
    ),
    ("RAW_TREE_PRUNE_XPATH", 1): (
        ".//*[self::div or self::section or self::aside][contains(@class, 'elementor-share-buttons')]",
        walks.share_buttons,
    ),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0): (
        ".//*[self::div or self::list or self::section or self::details or self::ol or self::ul][ "
        "re:test(@id, '{}') or re:test(@class, '{}')][ not(self::ol or self::ul) or re:test(@id, '{}') or "
        "re:test(@class, '{}')]",
        walks.comments_and_lists,
    ),
    ("REMOVE_COMMENTS_XPATH", 0): (
        ".//*[self::div or self::list or self::section or self::details][ re:test(@id, '{}') or re:test(@class, '{}')]",
        walks.comments,
    ),
    ("OVERALL_DISCARD_XPATH", 0): (
        f".//*[{_B}][ @data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or "
        "contains(@data-component, 'MostPopularStories') or re:test(@id|@class, '{}') or re:test(@id, '{}') or "
        "re:test(@class, '{}')]",
        walks.overall_blocks,
    ),
    ("OVERALL_DISCARD_XPATH", 1): (
        ".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or re:test(@id|@style, '{}') or "
        "contains(@style, 'display:none') or contains(@style, 'display: none') or re:test(@id, '{}') or "
        "re:test(@class, '{}') or @aria-hidden='true']",
        walks.overall_any,
    ),
    ("TEASER_DISCARD_XPATH", 0): (
        f".//*[{_B}][ contains(translate(@id, 'T', 't'), 'teaser') or contains(translate(@class, 'T', 't'), 'teaser')]",
        walks.teasers,
    ),
    ("PRECISION_DISCARD_XPATH", 1): (
        f".//*[{_B}][ re:test(@id|@class, '{{}}') or re:test(@id|@class, '{{}}') or contains(@style, 'border')]",
        walks.precision,
    ),
    ("DISCARD_IMAGE_ELEMENTS", 0): (
        f".//*[{_B}][ contains(@id, 'caption') or contains(@class, 'caption')]",
        walks.captions,
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

    def __str__(self) -> str:  # as an XPath prints (trafilatura logs it)
        return self.path

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
    mirrored, and an XPath whose text differs keeps itself. Installing twice is installing once."""
    uninstall()
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
