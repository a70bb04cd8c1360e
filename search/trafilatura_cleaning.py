"""trafilatura's tree cleaning (`htmlprocessing.tree_cleaning`) with its deletion loops run only for
the tags the tree holds: the same elements deleted, in the same order, so every page's text is the
same.

Why: tree_cleaning deletes the elements of ~50 tags (settings.MANUALLY_CLEANED: scripts, styles,
asides, forms' fields...) tag after tag, `for element in tree.iter(tag): delete_element(element)`:
a walk over the whole tree for every tag whose name the page's parse met anywhere (lxml skips a
name its document never held, not one that only named an attribute or a removed element), ~0.37 ms
of the function's ~0.6 on a real page, on every page read (again for the second opinion). One walk
with all the tags (lxml's multi-tag match, in C) finds the tags the tree holds, ~0.18 ms, and only
their loops run, unchanged: a loop over a tag the tree does not hold deletes nothing, and no loop
makes an element of another tag (deletions only remove elements).

Exactness: trafilatura 2.3.1's tree_cleaning, pinned by version and source hash (MIRRORED_SOURCES)
at install, verbatim but for that loop; a trafilatura that differs keeps its own.
bench/trafilatura_cleaning.py reads every evaluation page both ways on the fast, lean and
trafilatura paths: the same title, text, date and site on all of them."""

from __future__ import annotations

import logging
from copy import deepcopy
from typing import Any

import trafilatura.core as core
import trafilatura.external as external
import trafilatura.htmlprocessing as htmlprocessing
from lxml.html import HtmlElement

from search.trafilatura_reuse import pin_mismatch

log = logging.getLogger(__name__)

MIRRORED_VERSION = "2.3.1"
# sha256 (first 16 hex digits) of the source of each trafilatura function restated here.
MIRRORED_SOURCES = {"trafilatura.htmlprocessing.tree_cleaning": "828e83a7393082de"}
# the modules that call tree_cleaning by the name they imported
CALLERS = (core, external)

_hp: Any = None  # trafilatura.htmlprocessing once installed; None: trafilatura's own function runs
_original = htmlprocessing.tree_cleaning


def delete_tags(tree: HtmlElement, tags: list[str]) -> None:
    """`for expression in tags: for element in tree.iter(expression): delete_element(element)`, the
    loops run only for the tags the tree holds."""
    delete_element = _hp.delete_element
    present = {element.tag for element in tree.iter(*tags)}
    for expression in tags:
        if expression in present:
            for element in tree.iter(expression):
                delete_element(element)


def tree_cleaning(tree: HtmlElement, options: Any) -> HtmlElement:
    """htmlprocessing.tree_cleaning (2.3.1), its deletion loop as delete_tags."""
    hp = _hp
    if hp is None:
        return _original(tree, options)
    # salvage formulas before <math> is discarded along with its subtree
    hp.recover_math(tree)
    # determine cleaning strategy, use lists to keep it deterministic
    cleaning_list, stripping_list = hp.MANUALLY_CLEANED.copy(), hp.MANUALLY_STRIPPED.copy()
    # forms are handled separately below, once the rest of the noise is gone. MANUALLY_CLEANED is
    # public API users mutate in place, so honour a removed "form" instead of assuming it is there.
    clean_forms = "form" in cleaning_list
    if clean_forms:
        cleaning_list.remove("form")
    if not options.tables:
        cleaning_list.extend(["table", "td", "th", "tr"])
    else:
        # figures holding a table (#301) and ARIA layout tables (role=presentation/none)
        for elem in tree.iter("figure", "table"):
            if elem.find(".//table") is not None if elem.tag == "figure" else elem.get("role") in ("presentation", "none"):
                elem.tag = "div"
    if options.images:
        # Many websites have <img> inside <figure> or <picture> or <source> tag
        cleaning_list = [e for e in cleaning_list if e not in hp.PRESERVE_IMG_CLEANING]
        stripping_list.remove("img")

    # strip targeted elements
    hp.strip_tags(tree, stripping_list)

    # recall: undo the deletions if they remove every paragraph (copy only if none can survive)
    tcopy = None
    if (
        options.focus == "recall"
        and tree.find(".//p") is not None
        and ("p" in cleaning_list or not any(next(p.iterancestors(cleaning_list), tree) is tree for p in tree.iter("p")))
    ):
        tcopy = deepcopy(tree)
    delete_tags(tree, cleaning_list)
    if tcopy is not None and tree.find(".//p") is None:
        tree = tcopy

    if clean_forms:
        hp._handle_forms(tree)

    return hp.prune_html(tree, options.focus)


def install() -> bool:
    """Put tree_cleaning in place where trafilatura calls it: True where installed (the version and
    the restated function's source as pinned), False where trafilatura's own runs. Installing
    twice is installing once."""
    global _hp
    uninstall()
    if (why := pin_mismatch(MIRRORED_VERSION, MIRRORED_SOURCES)) is not None:
        log.info("%s: its own tree cleaning runs", why)
        return False
    if any(module.tree_cleaning is not _original for module in CALLERS):
        log.info("trafilatura calls another tree_cleaning: left as it is")
        return False
    _hp = htmlprocessing
    for module in CALLERS:
        module.tree_cleaning = tree_cleaning
    return True


def uninstall() -> None:
    """trafilatura's own tree_cleaning back in place (the bench compares both in one process)."""
    global _hp
    for module in CALLERS:
        if module.tree_cleaning is tree_cleaning:
            module.tree_cleaning = _original
    _hp = None


def installed() -> bool:
    """Whether trafilatura calls the function here (install's last answer)."""
    return _hp is not None
