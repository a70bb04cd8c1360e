"""trafilatura's link-density pruning (`htmlprocessing.delete_by_link_density`, with its
`link_density_test` and `collect_link_info`), restated so that each call does its work once: the
same elements deleted, in the same order, so every page's text is the same.

Why: `prune_unwanted_sections` runs it eight times over the tree (twice more where the main
extractor recovers "wild" text), once per tag and pass; each call tests every div (list, p, head,
quote) in the tree: an ElementPath `findall(".//ref")` and `find(".//graphic")` per element (Python
code in lxml), `text_content()` of each element twice where backtracking asks, and of each link
once per enclosing element tested. ~0.65 ms of a page's ~6 in the fast pass (bench/corpus).

Here, per call (the tree does not change while a call tests it: trafilatura deletes afterwards):
- the elements that hold a link are found from the links up (`iterancestors`, in C), in document
  order (each link's new ancestors, outermost first: a preorder), and only they are tested: an
  element without a `ref` below it returns (False, False) in trafilatura's test, never deleted;
- `findall(".//ref")` is `list(elem.iter("ref"))` and `find(".//graphic")` the first of
  `elem.iter("graphic")` (the same descendants in document order: lxml's ElementPath walks
  `iterdescendants(tag)`; the tested element is neither: other tags run trafilatura's own function);
- each element's trimmed text and each link's trimmed text are computed once (memoised for the call).

Exactness: trafilatura 2.3.1's three functions, pinned by version and source hash (MIRRORED_SOURCES)
at install; a trafilatura that differs keeps its own. bench/trafilatura_density.py reads every
evaluation page both ways on the fast, lean and trafilatura paths: the same title, text, date and
site on all of them."""

from __future__ import annotations

import hashlib
import inspect
import logging
from typing import Any

import trafilatura
import trafilatura.htmlprocessing as htmlprocessing
import trafilatura.main_extractor as main_extractor

log = logging.getLogger(__name__)

MIRRORED_VERSION = "2.3.1"
# sha256 (first 16 hex digits) of the source of each trafilatura function restated here.
MIRRORED_SOURCES = {
    "trafilatura.htmlprocessing.delete_by_link_density": "306ab5a31636cd08",
    "trafilatura.htmlprocessing.link_density_test": "0b3d71f252bf1963",
    "trafilatura.htmlprocessing.collect_link_info": "f19694013146ff10",
}
# the tags trafilatura's main extractor tests (neither "ref" nor "graphic", nor a wildcard); others:
# trafilatura's own code
_MIRRORED_TAGS = frozenset(("div", "list", "p", "head", "quote"))

_hp: Any = None  # trafilatura.htmlprocessing once installed; None: trafilatura's own function runs
_original = htmlprocessing.delete_by_link_density


def _source_hash(qualified: str) -> str | None:
    module_name, _, name = qualified.rpartition(".")
    try:
        module = __import__(module_name, fromlist=[name])
        return hashlib.sha256(inspect.getsource(getattr(module, name)).encode()).hexdigest()[:16]
    except (AttributeError, ImportError, OSError, TypeError):
        return None


def delete_by_link_density(subtree: Any, tagname: str, backtracking: bool = False, favor_precision: bool = False) -> Any:
    """htmlprocessing.delete_by_link_density (2.3.1): the same deletions, each text computed once."""
    hp = _hp
    if hp is None or not isinstance(tagname, str) or tagname not in _MIRRORED_TAGS:
        return _original(subtree, tagname, backtracking=backtracking, favor_precision=favor_precision)
    trim = hp.trim
    # the `tagname` elements holding a link, in document order (subtree.iter(tagname)'s): the links in
    # document order, and for each the new ones among its ancestors, outermost first (preorder)
    seen = set(subtree.iterancestors(tagname))  # above `subtree`: never tested
    holders = []
    for ref in subtree.iter("ref"):
        chain = []
        for ancestor in ref.iterancestors(tagname):
            if ancestor in seen:  # and so are its ancestors
                break
            seen.add(ancestor)
            chain.append(ancestor)
        if chain:
            chain.reverse()
            holders += chain
    if not holders:
        return subtree
    link_texts: dict = {}  # ref -> its trimmed text

    def link_info(links: list) -> tuple[int, int, int]:
        """collect_link_info: total length, number and short ones of the non-empty link texts."""
        linklen = elemnum = shortelems = 0
        for link in links:
            text = link_texts.get(link)
            if text is None:
                text = link_texts[link] = trim(link.text_content())
            if text:
                length = len(text)
                linklen += length
                elemnum += 1
                shortelems += length < 10
        return linklen, elemnum, shortelems

    deletions = []
    len_threshold = 200 if favor_precision else 100
    depth_threshold = 1 if favor_precision else 3
    for elem in holders:  # the others: link_density_test gives (False, False), never deleted
        # link_density_test(elem, favor_precision)
        result = short_with_links = False
        text = None
        links = list(elem.iter("ref"))
        if next(elem.iter("graphic"), None) is None:  # image containers are kept
            text = trim(elem.text_content())
            decided = False
            if len(links) == 1:
                threshold = 10 if favor_precision else 100
                link_text = link_texts.get(links[0])
                if link_text is None:
                    link_text = link_texts[links[0]] = trim(links[0].text_content())
                if len(link_text) > threshold and len(link_text) > len(text) * 0.9:
                    result, decided = True, True
            if not decided:
                if elem.tag == "p":
                    limitlen = 60 if elem.getnext() is None else 30
                elif elem.getnext() is None:
                    limitlen = 300
                else:
                    limitlen = 100
                elemlen = len(text)
                if elemlen < limitlen:
                    linklen, elemnum, shortelems = link_info(links)
                    if elemnum == 0:
                        result = True
                    else:
                        hp.LOGGER.debug(
                            "list link text/total: %s/%s – short elems/total: %s/%s",
                            linklen,
                            elemlen,
                            shortelems,
                            elemnum,
                        )
                        result = linklen > elemlen * 0.8 or (elemnum > 1 and shortelems / elemnum > 0.8)
                        short_with_links = True
                elif len(links) > 4:
                    linklen, elemnum, _ = link_info(links)
                    if (
                        linklen > len(text) * hp.LINK_FARM_RATIO
                        and linklen < 100 * elemnum
                        and not hp.is_paragraph_listing(links)
                    ):
                        result = True
        if result or (
            backtracking
            and short_with_links
            and len(elem) >= depth_threshold
            and len(text if text is not None else trim(elem.text_content())) < len_threshold
        ):
            parent = elem.getparent()
            if tagname == "p" and parent is not None and parent.tag in ("item", "td", "th"):
                continue
            deletions.append(elem)

    delete_element = hp.delete_element
    for elem in dict.fromkeys(deletions):
        delete_element(elem)
    return subtree


def install() -> bool:
    """Put delete_by_link_density in place where trafilatura's main extractor calls it: True where
    installed (the version and the restated functions' sources as pinned), False where trafilatura's
    own runs. Installing twice is installing once."""
    global _hp
    uninstall()
    if trafilatura.__version__ != MIRRORED_VERSION:
        log.info("trafilatura %s, not %s: its own link-density pruning runs", trafilatura.__version__, MIRRORED_VERSION)
        return False
    differ = [name for name, digest in MIRRORED_SOURCES.items() if _source_hash(name) != digest]
    if differ:
        log.info("trafilatura's %s differ from the mirror: its own link-density pruning runs", ", ".join(differ))
        return False
    if main_extractor.delete_by_link_density is not _original:
        log.info("trafilatura's main extractor calls another delete_by_link_density: left as it is")
        return False
    _hp = htmlprocessing
    main_extractor.delete_by_link_density = delete_by_link_density
    return True


def uninstall() -> None:
    """trafilatura's own delete_by_link_density back in place (the bench compares both in one process)."""
    global _hp
    if main_extractor.delete_by_link_density is delete_by_link_density:
        main_extractor.delete_by_link_density = _original
    _hp = None


def installed() -> bool:
    """Whether trafilatura's main extractor calls the function here (install's last answer)."""
    return _hp is not None
