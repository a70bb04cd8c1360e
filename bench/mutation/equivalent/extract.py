"""Equivalent mutants of the extract row (search/extract.py, measured on main at 6f3f046)."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    **{
        ("extract", "search/extract.py", MODULE_SCOPE, description):
            "the Extractor type alias, read by annotations only (Settings.extractor declares its own Literal)"
        for description in ("element dropped: 'fast'", "element dropped: 'trafilatura'")
    },
    **{
        ("extract", "search/extract.py", MODULE_SCOPE, description): "EXTRACTORS is read by the parse workers' "
        "warm-up (search/parse_preload.py: a path left out is warmed by its first real page instead, slower "
        "once, not different) and as bench/realdata.py's --extractor choices; never to choose a path"
        for description in ("element dropped: 'fast' #2", "element dropped: 'trafilatura' #2")
    },
    ("extract", "search/extract.py", "decode", "4096 -> 4097"):
        "how far a <meta charset> is looked for (browsers look in the first 1,024 bytes): one byte more "
        "differs only for a label the window's end cuts in two",
}
