"""The ranker's index of a page: its passages, each one's terms and its heading's terms, split,
tokenised and counted once per page text and kept for the next question that reads the page
(search/passages.py splits and tokenises, search/rank.py ranks). A Chinese passage's Han terms are
not listed: each Han term asked is counted in the passages' text, the first time it is asked."""

from __future__ import annotations

import functools
import operator
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import compress, count, repeat

from search.models import Page, Passage
from search.passages import Counted, HanCount, han_counter, headed_passages, term_counts, tokenize
from search.passages import sentences as split_sentences

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
) -> tuple[tuple[Passage, ...], tuple[str, ...], tuple[Counted, ...], tuple[tuple[str, ...], ...]]:
    """A page's passages, its title's terms and each passage's own (a passage's terms are the page
    title's with its own: "It opened in 2021" is about the page's subject) and its context's terms
    (the heading it sits under), for BM25."""
    headed = headed_passages(Page(url=url, title=title, text=text))
    own = [passage for passage, _ in headed]
    heading_terms = _heading_terms(_contexts(headed)) if context else ((),) * len(own)
    return tuple(own), tuple(tokenize(title)), tuple(term_counts(p.text) for p in own), heading_terms


def _heading_terms(contexts: list[str]) -> tuple[tuple[str, ...], ...]:
    """Each context's terms, a heading tokenised once for all the passages under it."""
    terms = {context: tuple(tokenize(context)) for context in dict.fromkeys(contexts)}
    return tuple(map(terms.__getitem__, contexts))


class _Counted:
    """A page's passages as BM25 counts them (context at `weight`), and which of them hold each
    answer shape asked about so far: kept with the split page, for the next question that reads it."""

    def __init__(
        self,
        passages: Sequence[Passage],
        title: Sequence[str],
        terms: Sequence[Counted],
        context: Sequence[Sequence[str]],
        weight: float,
    ) -> None:
        self.title = Counter(title)  # in every passage
        self.texts = [p.text for p in passages]
        self.words = [words for words, _, _ in terms]
        self.context, self.weight = context, weight
        self.lengths: list[float] = []
        for (_, length, _), extra in zip(terms, context):  # BM25.__init__'s counting, passage by passage
            length = float(len(title) + length)
            if extra:
                length += weight * len(extra)
            self.lengths.append(length)
        self.in_context = frozenset().union(*context)
        self.han = any(han for _, _, han in terms)
        self.page = "\n".join(self.texts) if self.han else ""  # apart: no Han term spans two passages
        self.shaped: dict[tuple[str, int], list[bool | None]] = {}  # (pattern, flags) -> per passage
        # term -> (passage, count) of the passages holding it, for the terms asked about so far (past
        # TERMS_KEPT of them, only those the page holds: what questions ask is unbounded, its words not).
        self.holding: dict[str, list[tuple[int, float]]] = {}

    def passages_holding(self, term: str, han: HanCount | None) -> list[tuple[int, float]]:
        """(passage, count) of the page's passages holding `term` (BM25 adds the term to these alone);
        `han` counts it in a text where it is a Han term (han_counter(term))."""
        if (found := self.holding.get(term)) is None:
            found = self._count(term, han)
            if found or len(self.holding) < TERMS_KEPT:
                self.holding[term] = found
        return found

    def _count(self, term: str, han: HanCount | None) -> list[tuple[int, float]]:
        """What BM25.__init__ counts of `term` in each passage (the title's count and its own, then its
        context's at `weight`, added one by one), for the passages whose count holds it (in C where no
        context holds the term, as most do not)."""
        n = len(self.lengths)
        if han is None:  # not a Han term: the English terms counted hold it or nothing does
            counts = list(map(dict.get, self.words, repeat(term, n), repeat(0, n)))
        elif han(self.page):  # a Han term, counted in each passage where the page holds it at all
            counts = list(map(han, self.texts))
        elif term not in self.title and term not in self.in_context:
            return []  # no passage holds it (about half the Han terms asked on the corpus)
        else:
            counts = [0] * n
        if in_title := self.title.get(term, 0):
            counts = list(map(operator.add, counts, repeat(in_title, n)))
        if term not in self.in_context:
            return list(compress(zip(count(), counts), counts))
        found: list[tuple[int, float]] = []
        for i, (tf, extra) in enumerate(zip(counts, self.context)):
            times = extra.count(term)
            if tf or times:
                for _ in range(times):
                    tf += self.weight
                found.append((i, tf))
        return found


@functools.lru_cache(maxsize=INDEXED_PAGES)
def _counted(url: str, title: str, text: str, context: bool, weight: float) -> _Counted:
    return _Counted(*_indexed(url, title, text, context), weight)


def _shaped(
    counted: _Counted, passages: Sequence[Passage], shape: re.Pattern[str], wanted: Iterable[int]
) -> list[bool | None]:
    """Whether each of a page's passages holds a string of `shape`, for the `wanted` ones at least (each
    searched once per passage and shape, and only when wanted: a passage that scores); None where
    never searched."""
    key = (shape.pattern, shape.flags)
    if (found := counted.shaped.get(key)) is None:
        found = counted.shaped[key] = [None] * len(passages)
    for i in wanted:
        if found[i] is None:
            found[i] = bool(shape.search(passages[i].text))
    return found


def holding(pages: Sequence[_Counted], term: str) -> list[tuple[int, float]]:
    """(passage, count) of the passages holding `term` on `pages`, numbered as their passages in a row
    (as search.rank.BM25.counted gets them)."""
    found: list[tuple[int, float]] = []
    start = 0
    han = han_counter(term)
    for page in pages:
        if here := page.passages_holding(term, han):
            found.extend([(start + i, tf) for i, tf in here] if start else here)
        start += len(page.lengths)
    return found
