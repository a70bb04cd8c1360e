"""trafilatura's second opinion on a page, from what its fast pass already computed: the same text as
`trafilatura.extract(html, fast=False, ...)`, without extracting the page a second time.

Why: where the fast pass (`bare_extraction(..., fast=True)`) looks short (search/html_text.py), the
path ran `trafilatura.extract(..., fast=False)` from scratch: a second lxml parse, the same prunes,
the same cleaning and tag conversion, the same main extractor, all to reach the one step the fast
pass skips, `compare_extraction` (readability and jusText). With the options used here the two runs
are the same up to that step, but for one thing: the main extractor's last-resort recovery of "wild"
text (`recover_wild_text`, run only when its main pass found under MIN_EXTRACTED_SIZE characters)
keeps teaser blocks in fast mode and prunes them otherwise. So the fast pass here stops where the
cascade forks and keeps what the second opinion needs:
- not the raw tree after the raw-tree prunes (readability reads a copy of it; the cleaned tree
  that jusText reads, `_prepare_tree`'s backup, is rebuilt from it by `tree_cleaning`): where the
  second opinion is asked (one page in eight) the page is parsed and pruned again, the same tree
  (the parse and the prunes are deterministic), and the fast pass cleans the parsed tree itself
  instead of a copy (trafilatura's `copy(tree)` copies the root element into a document of its own:
  the same elements, attributes and texts, without the page's DTD, which only changes how lxml
  would serialize the tree, and the extraction reads no serialization of it). On the 949 evaluation
  pages the copy cost ~0.45 ms every page, the second parse and prunes ~1.6 ms a page asked;
- the main extractor's body and text, shared when no recovery ran; where it ran, copies of its
  inputs (the main pass's body and the pre-pass tree) taken before the fast recovery mutates them,
  so the second opinion recovers as the whole cascade does.
Nothing the fast pass does after that point writes to what the second opinion reads (`xmltotxt`
without formatting only reads its tree).

The page is parsed as `load_html` parses it, but its first repair, the removal of characters XML
forbids, runs only on a page that holds one (`in` looks for them in half the regex's time).

Exactness: the code below mirrors trafilatura 2.3.1's `bare_extraction`, `trafilatura_sequence`,
`_prepare_tree`, `_extract_and_compare`, `extract_content`, `extract`, `determine_returnstring`,
`load_html` and `repair_faulty_html` for one set of options (MIRRORED_OPTIONS: precision, no
comments, tables, no images or links, no metadata), calling trafilatura's own functions for every
step it does not restate. At import the
version and the source of each mirrored function are checked (MIRRORED_SOURCES); a trafilatura that
differs, or other options, read the page through trafilatura's public functions as before.
bench/trafilatura_reuse.py reads every evaluation page both ways: the same text on all of them."""

from __future__ import annotations

import hashlib
import inspect
import logging
from copy import copy, deepcopy
from typing import Any

import trafilatura
from lxml.etree import Element, strip_elements, strip_tags

log = logging.getLogger(__name__)

MIRRORED_VERSION = "2.3.1"
# The options the mirror reads a page with (html_text's, `fast` aside: True for the first read,
# False for the second opinion).
MIRRORED_OPTIONS: dict[str, Any] = dict(
    include_comments=False,
    include_tables=True,
    include_images=False,
    include_links=False,
    favor_precision=True,
    with_metadata=False,
)
# sha256 (first 16 hex digits) of the source of each trafilatura function the code below restates.
MIRRORED_SOURCES = {
    "trafilatura.core.bare_extraction": "2e57adb3062086f9",
    "trafilatura.core.trafilatura_sequence": "f03dc4d2946dacbd",
    "trafilatura.core._prepare_tree": "9595f0642825c2c7",
    "trafilatura.core._extract_and_compare": "f7d056c2118222e8",
    "trafilatura.core.extract": "e0fa59198274f62e",
    "trafilatura.core._internal_extraction": "bdf38a3bab82427b",
    "trafilatura.core.determine_returnstring": "78c5075c01c300d3",
    "trafilatura.main_extractor.extract_content": "f0270c94ac5f30b5",
    "trafilatura.utils.load_html": "bc0039c89805dea3",
    "trafilatura.utils.repair_faulty_html": "7e68c7a3cb24910c",
}
# repair_faulty_html's first step, `INVALID_XML_CHARS.sub("", html)`, scans the whole page with a
# regex (~0.3 ms a page); most pages hold none of these characters, and `in` finds one or shows
# there is none in half the time (memchr). The substitution runs where one is found.
_INVALID_XML_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_INVALID_XML_CHARS = (*map(chr, (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))), "\ufffe", "\uffff")

_core: Any = None  # trafilatura's modules, once the check passed; None: the public functions read
_main: Any = None
_utils: Any = None


def source_hash(qualified: str) -> str | None:
    """A short digest of a trafilatura function's source, for the mirrors' pins (None: not found)."""
    module_name, _, name = qualified.rpartition(".")
    try:
        module = __import__(module_name, fromlist=[name])
        return hashlib.sha256(inspect.getsource(getattr(module, name)).encode()).hexdigest()[:16]
    except (AttributeError, ImportError, OSError, TypeError):
        return None


def pin_mismatch(version: str, sources: dict[str, str]) -> str | None:
    """Why the installed trafilatura is not the one a mirror restates (its version, or the functions
    whose source differs from the pinned digests); None where it is."""
    if trafilatura.__version__ != version:
        return f"trafilatura {trafilatura.__version__}, not {version}"
    differ = [name for name, digest in sources.items() if source_hash(name) != digest]
    return f"trafilatura's {', '.join(differ)} differ from the mirror" if differ else None


def install() -> bool:
    """Check trafilatura against the mirror: True where the mirror reads pages (the version and every
    mirrored function's source as pinned), False where trafilatura's public functions do."""
    global _core, _main, _utils
    _core = _main = _utils = None
    if (why := pin_mismatch(MIRRORED_VERSION, MIRRORED_SOURCES)) is not None:
        log.info("%s: its second opinion runs whole", why)
        return False
    import trafilatura.core as core
    import trafilatura.main_extractor as main_extractor
    import trafilatura.utils as utils

    if getattr(getattr(utils, "INVALID_XML_CHARS", None), "pattern", None) != _INVALID_XML_PATTERN:
        log.info("trafilatura's INVALID_XML_CHARS differs from the mirror: its second opinion runs whole")
        return False
    if core.Extractor(config=core.DEFAULT_CONFIG).max_tree_size:  # bare_extraction's size guard: not mirrored
        log.info("trafilatura's MAX_TREE_SIZE is set: its second opinion runs whole")
        return False
    _core, _main, _utils = core, main_extractor, utils
    return True


def uninstall() -> None:
    """trafilatura's public functions read every page (the bench compares both in one process)."""
    global _core, _main, _utils
    _core = _main = _utils = None


def mirrored() -> bool:
    """Whether pages are read by the mirror (install's last answer)."""
    return _core is not None


def _options(url: str | None, fast: bool, output_format: str) -> Any:
    """The Extractor `bare_extraction` (output "python") or `extract` (output "txt") builds from
    MIRRORED_OPTIONS."""
    return _core.Extractor(
        config=_core.DEFAULT_CONFIG, output_format=output_format, fast=fast, precision=True, recall=False,
        comments=False, formatting=None, links=False, images=False, tables=True, dedup=False, lang=None,
        url=url, with_metadata=False, only_with_metadata=False, author_blacklist=None, url_blacklist=None,
        date_params=None,
    )  # fmt: skip


def _repair_faulty_html(htmlstring: str, beginning: str) -> str:
    """utils.repair_faulty_html (2.3.1), its substitution only where an invalid character is."""
    if any(char in htmlstring for char in _INVALID_XML_CHARS):
        htmlstring = _utils.INVALID_XML_CHARS.sub("", htmlstring)
    if "doctype" in beginning:
        firstline, _, rest = htmlstring.partition("\n")
        htmlstring = _utils.DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    for line in htmlstring[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            htmlstring = _utils.FAULTY_HTML.sub(r"\1>", htmlstring, count=1)
            break
    return htmlstring


def _load_html(htmlobject: Any, max_size: int | None) -> Any:
    """utils.load_html (2.3.1) for a str (decode_file returns it as it is), with _repair_faulty_html."""
    if not isinstance(htmlobject, str):
        return _utils.load_html(htmlobject, max_size)
    tree = None
    beginning = htmlobject[:50].lower()
    check_flag = _utils.is_dubious_html(beginning)
    htmlobject = _repair_faulty_html(htmlobject, beginning)
    fallback_parse = False
    try:
        tree = _utils.fromstring(htmlobject, parser=_utils.HTML_PARSER)
    except ValueError:
        tree = _utils.fromstring_bytes(htmlobject)
        fallback_parse = True
    except Exception as err:  # pragma: no cover
        _utils.LOGGER.error("lxml parsing failed: %s", err)
    if (tree is None or len(tree) < 1) and not fallback_parse:
        tree = _utils.fromstring_bytes(htmlobject)
    if tree is not None and check_flag is True and len(tree) < 2:
        _utils.LOGGER.error("parsed tree length: %s, wrong data type or not valid HTML", len(tree))
        tree = None
    return tree


def _finish(result_body: Any) -> None:
    """extract_content's last steps, after the recovery (2.3.1, verbatim)."""
    previous = None
    for el in list(result_body):
        current = _main._elem_text(el)
        if current and current == previous and len(current) > _main.MIN_DUPLICATE_LENGTH:
            _main.delete_element(el, keep_tail=False)
        else:
            previous = current
    strip_elements(result_body, "done")
    strip_tags(result_body, "div")
    for linebreak in result_body.iter("lb"):
        if (
            linebreak.tail
            and not _main.text_chars_test(linebreak.tail)
            and not any(anc.tag in _main.SPACING_PROTECTED for anc in linebreak.iterancestors())
        ):
            linebreak.tail = None


_FAILED = "failed"  # the steps both passes share raised: the whole cascade gives nothing either


def _prune_raw(tree: Any) -> Any:
    """trafilatura_sequence's prunes of the raw tree, comments off."""
    tree = _core.prune_unwanted_nodes(tree, _core.RAW_TREE_PRUNE_XPATH)
    return _core.prune_unwanted_nodes(tree, _core.REMOVE_COMMENTS_AND_LISTS_XPATH)


def _raw_tree(html: str, options: Any) -> Any:
    """The raw tree after its prunes, as the fast pass made it before cleaning it (it parsed the same
    page into a tree, so this parse does too)."""
    tree = _load_html(html, options.max_file_size)
    if tree is None:  # not reached: the fast pass parsed this page
        raise ValueError
    return _prune_raw(tree)


class Reading:
    """One page read by trafilatura's fast pass (`text`: `bare_extraction(html, fast=True, ...).text`,
    "" where it gives nothing) and able to give its second opinion (`second_opinion()`)."""

    __slots__ = ("html", "url", "options", "text", "_kept")

    def __init__(self, html: str, url: str | None, options: dict[str, Any]):
        self.html, self.url, self.options = html, url, options  # options: without `fast`
        self.text = ""
        # What the second opinion starts from: None (trafilatura's public functions read the page
        # again), _FAILED, or (main extractor's body, its text, the recovery's inputs where it ran,
        # else None).
        self._kept: tuple | str | None = None

    def second_opinion(self) -> str:
        """`trafilatura.extract(html, url=url, fast=False, **options) or ""`: the whole cascade,
        readability and jusText included."""
        kept, self._kept = self._kept, None  # what it reads, it mutates: once
        if kept is None or _core is None:
            return trafilatura.extract(self.html, url=self.url, **dict(self.options, fast=False)) or ""
        if kept == _FAILED:
            return ""
        result_body, temp_text, spare = kept
        options = _options(self.url, fast=False, output_format="txt")
        try:
            tree = _raw_tree(self.html, options)
            if spare is not None:  # extract_content's recovery, as the whole cascade runs it
                backup_tree, result_body, potential_tags, consumed = spare
                result_body = _main.recover_wild_text(backup_tree, result_body, options, potential_tags, consumed)
                temp_text = " ".join(result_body.itertext()).strip()
                _finish(result_body)
            # _prepare_tree's backup (the cleaned tree before tag conversion), rebuilt
            cleaned_tree_backup = _core.tree_cleaning(copy(tree), options)
            postbody, temp_text = _core.compare_extraction(cleaned_tree_backup, copy(tree), result_body, temp_text, options)
            # trafilatura_sequence's stages 3 and 4 and its forum salvage do not apply (focus "precision",
            # comments off), nor bare_extraction's tree size guard (unset: install), dedup or language check
            if len(temp_text) < options.min_output_size and 0 < options.min_output_comm_size:
                raise ValueError
        except (TypeError, ValueError):
            _core.LOGGER.warning("discarding data: %s", options.source)
            return ""
        # determine_returnstring, format "txt" without metadata: the body, then the (empty) comments
        returnstring = _core.xmltotxt(postbody, options.formatting)
        returnstring = f"{returnstring}\n{_core.xmltotxt(Element('body'), options.formatting)}".strip()
        return _core.normalize_unicode(returnstring) or ""


def read(html: str, url: str | None, options: dict[str, Any], second_opinion: bool = True) -> Reading:
    """trafilatura's fast pass over `html` with `options` (MIRRORED_OPTIONS plus fast=True): its text,
    and, where `second_opinion`, what the whole cascade's second opinion needs."""
    reading = Reading(html, url, {k: v for k, v in options.items() if k != "fast"})
    if _core is None or options != dict(MIRRORED_OPTIONS, fast=True):
        doc = trafilatura.bare_extraction(html, url=url, **options)
        reading.text = (doc.text if doc is not None else "") or ""
        return reading
    options = _options(url, fast=True, output_format="python")
    # bare_extraction, trafilatura_sequence and extract_content (2.3.1) for these options, to the fork
    try:
        tree = _load_html(html, options.max_file_size)
        if tree is None:
            _core.LOGGER.error("empty HTML tree: %s", url)
            raise ValueError
        is_forum = _core._forum_thread_page(tree)
        tree = _prune_raw(tree)
        # _prepare_tree on the tree itself, without its backup copy (the second opinion rebuilds both)
        cleaned_tree = _core.convert_tags(_core.tree_cleaning(tree, options), options, url or None)
        if not is_forum:  # focus "precision"
            cleaned_tree = _core.prune_unwanted_nodes(cleaned_tree, _core.REMOVE_COMMENTS_XPATH)
        # extract_content: its main pass
        backup_tree = deepcopy(cleaned_tree)
        order = list(cleaned_tree.iter())
        result_body, temp_text, potential_tags = _main._extract(cleaned_tree, options)
        spare = None
        if recover := len(result_body) == 0 or len(temp_text) < options.min_extracted_size:
            consumed = {twin for elem, twin in zip(order, backup_tree.iter(), strict=True) if elem.tag == "done"}
            if second_opinion:  # the recovery differs with `fast` (teasers kept or pruned) and mutates its inputs
                spare_tree = deepcopy(backup_tree)
                spare_consumed = {twin for elem, twin in zip(order, spare_tree.iter(), strict=True) if elem.tag == "done"}
                spare = (spare_tree, deepcopy(result_body), potential_tags, spare_consumed)
        else:
            _finish(result_body)  # the same in both passes
    except (TypeError, ValueError):
        _core.LOGGER.warning("discarding data: %s", options.source)
        reading._kept = _FAILED if second_opinion else None
        return reading
    if second_opinion:  # the main extractor's body where no recovery runs, else the recovery's inputs
        reading._kept = (None, "", spare) if recover else (result_body, temp_text, None)
    try:
        if recover:  # extract_content's recovery and last steps, in fast mode
            result_body = _main.recover_wild_text(backup_tree, result_body, options, potential_tags, consumed)
            temp_text = " ".join(result_body.itertext()).strip()
            _finish(result_body)
        if len(temp_text) < options.min_output_size and 0 < options.min_output_comm_size:
            raise ValueError
    except (TypeError, ValueError):
        _core.LOGGER.warning("discarding data: %s", options.source)
        return reading
    reading.text = _core.xmltotxt(result_body, options.formatting) or ""
    return reading


install()
