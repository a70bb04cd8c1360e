"""Equivalent mutants of the select row."""

from __future__ import annotations

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("select", "search/select.py", "select_sources", "0 -> 1 #3"):
        "the snippet is its page's only passage: its position orders nothing",
    ("select", "search/select.py", "select_sources.take", "operand dropped: passage.tokens"):
        "Passage.tokens is count_tokens(text) wherever a passage is made: recounting gives the same number",
    ("select", "search/select.py", "select_sources", "operand dropped: passage.url in picks"):
        "a relevant source not picked in round 1 had each passage refused with at least as much room as round 2 has",
    ("select", "search/select.py", "Selection", "False -> True"):
        "select_evidence, the one place a Selection is made, always sets widened itself",
    ("select", "search/select.py", "ranking_unsure", "p.score > 0: Gt -> GtE"):
        "passages come best first, so 0-scored ones come last: a best of 0 returns False (0 >= lead * 0), as for "
        "nothing relevant; a later one past the share scores under crowd (False); another page's 0 is the default 0.0",
    ("select", "search/select.py", "select_sources", "operand dropped: p.tokens"):
        "Passage.tokens is count_tokens(text) wherever a passage is made: recounting gives the same number",
    ("select", "search/select.py", "select_sources", "operand dropped: count_tokens(p.text)"):
        "Passage.tokens is count_tokens(text) wherever a passage is made, never 0 for a passage with text",
    ("select", "search/select.py", "select_sources", "p.tokens or count_tokens(p.text): Or -> And"):
        "Passage.tokens is count_tokens(text) wherever a passage is made: either operand is the same number",
    ("select", "search/select.py", "select_sources", "False -> True #2"):
        "round 3 takes the leading page's rest only when all of it fits its room: no passage of it is ever cut",
    ("select", "search/select.py", "ranking_unsure", "operand dropped: passage.tokens"):
        "Passage.tokens is count_tokens(text) wherever a passage is made: recounting gives the same number",
}
