"""Equivalent mutants of the extract row (search/extract.py): its first 38 mutants measured on main at
6f3f046, the row whole (191) on the branch extract, main at 1f69b12 with its new tests."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    **{
        ("extract", "search/extract.py", MODULE_SCOPE, description):
            "the Extractor type alias, read by annotations only (Settings.extractor declares its own Literal)"
        for description in ("element dropped: 'fast'", "element dropped: 'lean'", "element dropped: 'trafilatura'")
    },
    **{
        ("extract", "search/extract.py", MODULE_SCOPE, description): "EXTRACTORS is read by the parse workers' "
        "warm-up (search/parse_preload.py: a path left out is warmed by its first real page instead, slower "
        "once, not different) and as bench/realdata.py's --extractor choices; never to choose a path"
        for description in ("element dropped: 'fast' #2", "element dropped: 'lean' #2", "element dropped: 'trafilatura' #2")
    },
    ("extract", "search/extract.py", "decode", "4096 -> 4097"):
        "how far a <meta charset> is looked for (browsers look in the first 1,024 bytes): one byte more "
        "differs only for a label the window's end cuts in two",
    ("extract", "search/extract.py", "decode", "200000 -> 200001"):
        "how much of an unlabelled, non-UTF-8 page the statistical sniff reads (decoding is always of the whole "
        "body): one byte more reaches only pages over 200,000 bytes, whose guess already rests on 200,000 others",
    ("extract", "search/extract.py", "_hostile", "operand dropped: _may_be_hostile(text)"):
        "_may_be_hostile is a shortcut the patterns imply: each match of them holds one of _NEEDED's words once "
        "casefolded, İ and ı read as i (pinned word by word and letter by letter in test_extract.py); without it the "
        "patterns run on every clean text too, slower, to the same verdict",
    ("extract", "search/extract.py", "defuse", "guard removed: if not _hostile(text)"):
        "a shortcut for the clean text: split and checked line by line, it keeps every line and joins them back to "
        "the same text with 0 removed (a text hostile only across lines is returned whole either way)",
    ("extract", "search/extract.py", "_garbled", "100000 -> 100001"):
        "how much of a text the garble check samples (for speed on long pages): one character more changes the "
        "verdict only for a text whose control characters reach the line at exactly its 100,001st character",
    ("extract", "search/extract.py", "_garbled", "operand dropped: bool(sample)"):
        "an empty sample has no control characters, and 0 is never more than 0.005 * 0 + 2: False either way",
    **{
        ("extract", "search/pdf.py", "_pdf_limits", change):
            "one byte more of a pypdf limit in the tens of megabytes (the tightening itself is pinned by a 25 MB "
            "bomb page): it differs only for a stream of exactly that size"
        for change in ("20000000 -> 20000001", *(f"20000000 -> 20000001 #{n}" for n in range(2, 7)),
                       "50000000 -> 50000001")
    },
    ("extract", "search/extract.py", "_cap", "0 -> 1"):
        "rfind from 1 instead of 0 differs only when the one line end before the cap is at 0, and a cut there "
        "(not past halfway) is refused either way; the text is clean_plain's, which never starts with one",
    ("extract", "search/pdf.py", "pdf_text", "operand dropped: reader.metadata"):
        "a PDF without /Info: reading .title of None raises AttributeError inside the try, whose except sets the "
        "same title None",
    ("extract", "search/pdf.py", "pdf_text", "0 -> 1"):
        "the page loop's count one high stops early only when the pages so far hold exactly 399,999 characters: "
        "one page, since two carry a separator past the cap; then the final [:max_chars] cut would add only the "
        "separator's first line end, which clean_plain strips (search/documents.py reads without a cap)",
    ("extract", "search/pdf.py", "pdf_text", "operand dropped: ''"):
        "pypdf's PageObject.extract_text returns a str ('' for a page without text, pinned by the fixtures), "
        "never None",
    ("extract", "search/extract.py", "extract_page", "operand dropped: None"):
        "a page without a site name gets site_name '' instead of None: Page.site_name is read nowhere past "
        "extraction (not in prompts, sources, the API or MCP), and both are falsy",
    ("extract", "search/extract.py", "drop_leading_title", "operand dropped: not head"):
        "without it a first line with no letter or digit (punctuation, symbols, emoji: _norm gives '') is dropped "
        "where a title, or a part of one, also normalizes to '' (a title of symbols, one ending in ' - '): the "
        "text loses a line of no word; a first line with any word is judged as before",
}
