"""Equivalent mutants of the rank row."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    **{
        ("rank", "search/passages.py", MODULE_SCOPE, description): "a size tuned on bench/retrieval.py (passages of about "
        "80 tokens, a split above 120): one token more moves a passage boundary by a word, which no reader could "
        "call wrong (the heading's 12 is pinned: tests/search/test_rank.py, a 12-character Chinese heading)"
        for description in ("80 -> 81", "120 -> 121")
    },
    ("rank", "search/passages.py", "stem", "1 -> 2 #3"): "word[-2] is word[-1] there: the condition before it says so",
    **{
        ("rank", "search/passages.py", "tokenize", description): "a fast path: the loop below gives a text with no "
        "Chinese the same terms (each run through _term), and text.isascii() only skips the Han scan on text that "
        "has none"
        for description in (
            "guard removed: if text.isascii() or not _HAN_RE.search(text)",
            "text.isascii() or not _HAN_RE.search(text): Or -> And",
            "operand dropped: text.isascii()",
            "operand dropped: not _HAN_RE.search(text)",
        )
    },
    ("rank", "search/passages.py", "_cost", "right operand dropped: units[0] * _tokens.CJK_COST"):
        "core.tokens.CJK_COST is 1.0: a Han character's price times 1.0 is the count itself",
    ("rank", "search/passages.py", "_pack", "_cost((cjk + units[0], other + units[1])) > TARGET_TOKENS: Gt -> GtE"):
        "TARGET_TOKENS is a size tuned on bench/retrieval.py, listed above (80 -> 81): a passage that would come to "
        "exactly 80 tokens closing one piece early moves a boundary by a line, which no reader could call wrong",
    ("rank", "search/passages.py", "headed_passages", "_cost(units) > MAX_TOKENS: Gt -> GtE"):
        "MAX_TOKENS is a size tuned on bench/retrieval.py, listed above (120 -> 121): a paragraph of exactly 120 "
        "tokens split at its sentences moves a boundary by a sentence, which no reader could call wrong",
    **{
        ("rank", "search/passages.py", scope, description): "which paragraphs are split into sentences before "
        "they are counted is a guess that saves time: a paragraph's units are its sentences' units summed, so "
        "every passage is the same either way (bench/rank_cpu.py)"
        for scope, description in (
            ("headed_passages", "'。' in paragraph: In -> NotIn"),
            ("headed_passages", "len(paragraph) > (SPLIT_FIRST_CH…h else SPLIT_FIRST_CHARS): Gt -> GtE"),
            (MODULE_SCOPE, "120 -> 121 #2"),
            (MODULE_SCOPE, "600 -> 601"),
        )
    },
    ("rank", "search/passages.py", "_pack", "False -> True"):
        "only_heading's first value is never read: the test that reads it needs a piece in `current`, and the "
        "first piece sets only_heading before one is (and starts_with_heading, set when `current` is empty)",
    **{
        ("rank", "search/rank.py", "BM25.__init__", description): "a context is counted in BM25.__init__ only "
        "for a caller that passes one, and none does: rank_passages builds its BM25 with BM25.counted from the "
        "counts search/rank_index.py's _Counted keeps (the headings counted there; its mutants are killed), and "
        "the tests build BM25(docs) alone"
        for description in ("operand dropped: context", "right operand dropped: weight * len(extra)")
    },
    ("rank", "search/passages.py", "is_heading", "guard removed: if units is not None and _cost(units) > HEADING_TOKENS"):
        "a fast path: the last line prices the same units against the same HEADING_TOKENS, so a line over it is "
        "no heading either way (the early test only skips the regexes)",
    ("rank", "search/rank_index.py", "_contexts", "1 -> 2"):
        "split('\\n', 2)[0] is split('\\n', 1)[0]: the first line either way",
    **{
        ("rank", "search/rank_index.py", "_contexts", description): "inside `if PREVIOUS:`, which is off (measured and left "
        "out, README; a test pins that a passage is not lifted by the sentence before it)"
        for description in ("1 -> 2 #2", "1 -> 2 #3", "1 -> 2 #4")
    },
    ("rank", "search/rank_index.py", "_indexed", "right operand dropped: ((),) * len(own)"):
        "with context off every entry is empty: one empty entry or one per passage adds no term to any passage",
    ("rank", "search/rank.py", "rank_passages", "operand dropped: score"):
        "a score of 0 times the boost is 0 all the same",
    ("rank", "search/rank.py", "rank_passages", "6 -> 7"):
        "the rounding absorbs float noise in the sums (about 1e-15): at 6 or 7 places alike; it orders differently "
        "only two scores that differ by under 1e-6, which no reader could call a different ranking",
    ("rank", "search/rank.py", "rank_passages", "0 -> 1"):
        "order.get's default is never taken: every passage's url is one of the pages' urls",
    ("rank", "search/rank_index.py", MODULE_SCOPE, "128 -> 129"):
        "INDEXED_PAGES, the size of a cache of split pages: one more kept changes what is computed again, not the result",
    **{
        ("rank", "search/rank_index.py", scope, description): "which terms' lists a page keeps (TERMS_KEPT): a list "
        "not kept is made again, the same, when a question asks the term again"
        for scope, description in (
            (MODULE_SCOPE, "512 -> 513"),
            ("_Counted.passages_holding", "len(self.holding) < TERMS_KEPT: Lt -> LtE"),
            ("_Counted.passages_holding", "found or len(self.holding) < TERMS_KEPT: Or -> And"),
            ("_Counted.passages_holding", "operand dropped: found"),
            ("_Counted.passages_holding", "operand dropped: len(self.holding) < TERMS_KEPT"),
        )
    },
    ("rank", "search/passages.py", MODULE_SCOPE, "3 -> 4"):
        "TOKENIZER_VERSION: a bump only makes search/index.py tokenise what it stored again (the stems are pinned "
        "by tests/search/test_rank.py, so a change that needs a bump is caught there)",
}
