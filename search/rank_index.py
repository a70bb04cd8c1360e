"""The ranker's index of a page: its passages, each one's terms and its heading's terms, split,
tokenised and counted once per page text and kept for the next question that reads the page
(search/passages.py splits and tokenises, search/rank.py ranks)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence

from search.models import Page, Passage
from search.passages import headed_passages, sentences as split_sentences, tokenize

PREVIOUS = False  # the sentence before a passage indexed with it too: measured and left out (README)


def _contexts(passages: list[tuple[Passage, bool]]) -> list[str]:
    """For each passage of one page (in order, each with whether it starts with a heading): the
    heading it sits under and the sentence before it.

    "ACB Chair Jane Roe said..." answers "who chairs the Atlantic Cable Board" only with the sentence
    before it, which spells the board out; "It opened in 2021" needs the heading that names "it"."""
    out: list[str] = []
    heading = ""
    previous = ""
    for passage, starts_with_heading in passages:
        first = passage.text.split("\n", 1)[0]
        out.append(" ".join(x for x in (heading if not starts_with_heading else "", previous if PREVIOUS else "") if x))
        if starts_with_heading:
            heading = first
        if PREVIOUS:  # measured and left out (README): not split for nothing
            sentences = split_sentences(passage.text.rsplit("\n", 1)[-1])
            previous = sentences[-1] if sentences else ""
    return out


# Pages split and tokenised lately, by their text: a page read for one question (or served from the
# page cache) is split and tokenised once, not again for every question that reads it.
INDEXED_PAGES = 128
TERMS_KEPT = 512  # per page: the passages holding each term asked about, kept for this many terms (10 MB or so at most)


@functools.lru_cache(maxsize=INDEXED_PAGES)
def _indexed(
    url: str, title: str, text: str, context: bool
) -> tuple[tuple[Passage, ...], tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """A page's passages, each one's terms (the page title's with its own: "It opened in 2021" is
    about the page's subject) and its context's terms (the heading it sits under), for BM25."""
    headed = headed_passages(Page(url=url, title=title, text=text))
    own = [passage for passage, _ in headed]
    heading_terms = tuple(tuple(tokenize(c)) if c else () for c in _contexts(headed)) if context else ((),) * len(own)
    title_terms = tokenize(title)
    return tuple(own), tuple(tuple(title_terms + tokenize(p.text)) for p in own), heading_terms


class _Counted:
    """A page's passages as BM25 counts them (context at `weight`), and which of them hold each
    answer shape asked about so far: kept with the split page, for the next question that reads it."""

    def __init__(self, terms: Sequence[Sequence[str]], context: Sequence[Sequence[str]], weight: float) -> None:
        self.docs: list[Counter] = []
        self.lengths: list[float] = []
        for own, extra in zip(terms, context):  # BM25.__init__'s counting, passage by passage
            doc, length = Counter(own), float(len(own))
            if extra:
                for term in extra:
                    doc[term] += weight
                length += weight * len(extra)
            self.docs.append(doc)
            self.lengths.append(length)
        self.shaped: dict[tuple[str, int], tuple[bool, ...]] = {}  # (pattern, flags) -> per passage
        # term -> (passage, count) of the passages holding it, for the terms asked about so far (past
        # TERMS_KEPT of them, only those the page holds: what questions ask is unbounded, its words not).
        self.holding: dict[str, list[tuple[int, float]]] = {}

    def passages_holding(self, term: str) -> list[tuple[int, float]]:
        """(passage, count) of the page's passages holding `term` (BM25 adds the term to these alone)."""
        if (found := self.holding.get(term)) is None:
            found = [(i, doc[term]) for i, doc in enumerate(self.docs) if term in doc]
            if found or len(self.holding) < TERMS_KEPT:
                self.holding[term] = found
        return found


@functools.lru_cache(maxsize=INDEXED_PAGES)
def _counted(url: str, title: str, text: str, context: bool, weight: float) -> _Counted:
    _, terms, heading_terms = _indexed(url, title, text, context)
    return _Counted(terms, heading_terms, weight)


def _shaped(counted: _Counted, passages: Sequence[Passage], shape: re.Pattern[str]) -> tuple[bool, ...]:
    """Which of a page's passages hold a string of `shape` (searched once per page and shape)."""
    key = (shape.pattern, shape.flags)
    if (found := counted.shaped.get(key)) is None:
        found = counted.shaped[key] = tuple(bool(shape.search(p.text)) for p in passages)
    return found


def holding(pages: Sequence[_Counted], term: str) -> list[tuple[int, float]]:
    """(passage, count) of the passages holding `term` on `pages`, numbered as their passages in a row
    (as search.rank.BM25.counted gets them)."""
    found: list[tuple[int, float]] = []
    start = 0
    for page in pages:
        found.extend([(start + i, tf) for i, tf in page.passages_holding(term)])
        start += len(page.docs)
    return found
