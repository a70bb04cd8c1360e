"""trafilatura's link-density pruning (`htmlprocessing.delete_by_link_density`, with its
`link_density_test` and `collect_link_info`), restated so that each call does its work once: the
same elements deleted, in the same order, so every page's text is the same.

Why: `prune_unwanted_sections` runs it eight times over the tree (twice more where the main
extractor recovers "wild" text), once per tag and pass; each call tests every div (list, p, head,
quote) in the tree: an ElementPath `findall(".//ref")` and `find(".//graphic")` per element (Python
code in lxml), `text_content()` of each element twice where backtracking asks, and of each link
once per enclosing element tested, and the trimmed text of the large blocks around the article,
whose length decides nothing. ~0.5-0.6 ms of a real page's ~11 in the fast pass (bench/data),
~0.35 here (bench/trafilatura_density.py, the time inside the function).

Here, per call (the tree does not change while a call tests it: trafilatura deletes afterwards):
- the elements that hold a link are found from the links up (`iterancestors`, in C), in document
  order (each link's new ancestors, outermost first: a preorder), and only they are tested: an
  element without a `ref` below it returns (False, False) in trafilatura's test, never deleted;
- `findall(".//ref")` is `list(elem.iter("ref"))` and `find(".//graphic")` the first of
  `elem.iter("graphic")` (the same descendants in document order: lxml's ElementPath walks
  `iterdescendants(tag)`; the tested element is neither: other tags run trafilatura's own function);
- each element's trimmed text and each link's trimmed text are computed once (memoised for the call);
- an element around another that holds a link is at least as long as that one, once trimmed (the
  inner text is a run of the outer one; trimming a text never gives less than trimming a run of it):
  the inner ones' lengths are computed first, and where they reach 300 characters (the largest limit
  the test compares with) the outer one's text is computed only where that bound leaves the test
  undecided (a single link, or a farm's links, longer than 0.9 of the bound). The bound only skips work:
  wherever it decides nothing the exact length is computed, so the threshold changes speed only.

Exactness: trafilatura 2.3.1's three functions, pinned by version and source hash (MIRRORED_SOURCES)
at install; a trafilatura that differs keeps its own. bench/trafilatura_density.py reads every
evaluation page both ways on the fast, lean and trafilatura paths: the same title, text, date and
site on all of them."""

from __future__ import annotations

import logging
from typing import Any

import trafilatura.htmlprocessing as htmlprocessing
import trafilatura.main_extractor as main_extractor

from search.trafilatura_reuse import pin_mismatch

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


def delete_by_link_density(subtree: Any, tagname: str, backtracking: bool = False, favor_precision: bool = False) -> Any:
    """htmlprocessing.delete_by_link_density (2.3.1): the same deletions, each text computed once."""
    hp = _hp
    if hp is None or not isinstance(tagname, str) or tagname not in _MIRRORED_TAGS:
        return _original(subtree, tagname, backtracking=backtracking, favor_precision=favor_precision)
    trim = hp.trim
    # the `tagname` elements holding a link, in document order (subtree.iter(tagname)'s): the links in
    # document order, and for each the new ones among its ancestors, outermost first (preorder); and
    # for each, the nearest one around it
    above = set(subtree.iterancestors(tagname))  # above `subtree`: never tested
    seen = set(above)
    holders: list = []
    outer_of: dict = {}
    for ref in subtree.iter("ref"):
        chain = []
        for ancestor in ref.iterancestors(tagname):
            if ancestor in seen:  # and so are its ancestors
                break
            seen.add(ancestor)
            chain.append(ancestor)
        else:
            ancestor = None
        if chain:
            outer = None if ancestor is None or ancestor in above else ancestor
            for inner, around in zip(chain, chain[1:]):
                outer_of[inner] = around
            outer_of[chain[-1]] = outer
            chain.reverse()
            holders += chain
    if not holders:
        return subtree
    # Each holder's trimmed text, inner ones first; where an inner one's is already 300 characters or
    # more (the largest limit below), an outer one's text is at least as long (the inner one's text is
    # part of it, and trimming a text never makes it shorter than trimming a part) and is computed only
    # where a test cannot be decided from that bound.
    texts: dict = {}  # holder -> its trimmed text
    lower = dict.fromkeys(holders, 0)  # holder -> a lower bound on its trimmed text's length
    images = set()  # holders with a graphic below: link_density_test gives (False, False)
    for elem in reversed(holders):
        bound = lower[elem]
        if next(elem.iter("graphic"), None) is not None:
            images.add(elem)
        elif bound < 300:
            text = texts[elem] = trim(elem.text_content())
            bound = len(text)
        outer = outer_of[elem]
        if outer is not None and bound > lower[outer]:
            lower[outer] = bound
    link_texts: dict = {}  # ref -> its trimmed text

    def link_text_of(link: Any) -> str:
        text = link_texts.get(link)
        if text is None:
            text = link_texts[link] = trim(link.text_content())
        return text

    def text_of(elem: Any) -> str:
        text = texts.get(elem)
        if text is None:
            text = texts[elem] = trim(elem.text_content())
        return text

    def link_info(links: list) -> tuple[int, int, int]:
        """collect_link_info: total length, number and short ones of the non-empty link texts."""
        linklen = elemnum = shortelems = 0
        for link in links:
            if text := link_text_of(link):
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
        if elem not in images:  # image containers are kept
            links = list(elem.iter("ref"))
            least = lower[elem] if elem not in texts else len(texts[elem])  # <= len(text)
            decided = False
            if len(links) == 1:
                threshold = 10 if favor_precision else 100
                link_len = len(link_text_of(links[0]))
                if link_len > threshold and link_len > least * 0.9 and link_len > len(text_of(elem)) * 0.9:
                    result, decided = True, True
            if not decided:
                if elem.tag == "p":
                    limitlen = 60 if elem.getnext() is None else 30
                elif elem.getnext() is None:
                    limitlen = 300
                else:
                    limitlen = 100
                if least < limitlen and (elemlen := len(text_of(elem))) < limitlen:
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
                    ratio = hp.LINK_FARM_RATIO
                    if (
                        (ratio < 0 or linklen > least * ratio)
                        and linklen > len(text_of(elem)) * ratio
                        and linklen < 100 * elemnum
                        and not hp.is_paragraph_listing(links)
                    ):
                        result = True
        if result or (
            backtracking
            and short_with_links
            and len(elem) >= depth_threshold
            and len(text_of(elem)) < len_threshold
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
    if (why := pin_mismatch(MIRRORED_VERSION, MIRRORED_SOURCES)) is not None:
        log.info("%s: its own link-density pruning runs", why)
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
