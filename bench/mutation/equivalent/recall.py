"""Equivalent mutants of the recall row."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

_ROOT = ("lxml's drop_tree leaves the document's root (it has no parent) in place (tested: an <html> and a bare "
         "fragment whose class says sidebar or share)")

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("recall", "search/recall.py", "missing", "guard removed: if not article"):
        "with no article paragraph the rest finds nothing lost either: no largest, and 0 < 0.4 × 0 is false",
    **{
        ("recall", "search/recall.py", MODULE_SCOPE, f"element dropped: '{tag}'"):
            f"lxml's HTML parser reads what is inside <{tag}> as raw text: no block tag there to read (tested)"
        for tag in ("script", "style", "iframe", "textarea")
    },
    ("recall", "search/recall.py", "_weight", "guard removed: if text.isascii()"):
        "a fast path: an ASCII text holds no Han run, so the sum below adds 0 to the same length",
    ("recall", "search/recall.py", "visible_blocks", "element dropped: 'html'"): _ROOT,
    ("recall", "search/recall.py", "visible_blocks", "operand dropped: element.getparent() is not None"): _ROOT,
    ("recall", "search/recall.py", "visible_blocks", "element dropped: 'p'"):
        "the HTML parser closes a <p> before any block tag opens, so no block has a <p> ancestor",
}
