"""Equivalent mutants of the cite row."""

from __future__ import annotations

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("cite", "agent/citations.py", "CitationRewriter.feed_parts", "1 -> 2"):
        "rfind returns -1 or an index: `cut != -2` is `cut != -1` or more",
    ("cite", "agent/citations.py", "CitationRewriter.feed_parts", "operand dropped: cut != -1"):
        "with no '[' the tail is one character, which _PARTIAL (it starts with '[') never matches",
    ("cite", "agent/citations.py", "CitationRewriter.feed_parts", "operand dropped: ']' not in text[cut:]"):
        "_PARTIAL cannot match a tail holding ']' either",
    ("cite", "agent/citations.py", "CitationRewriter._rewrite", "self._ticks + text.count('`', 0, match.start()): Add -> Sub"):
        "only the parity is read: (a - b) % 2 == (a + b) % 2",
}
