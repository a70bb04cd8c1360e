"""The lexical checker, always on: does a source's read text hold what a claim says?

Only the passages the model read count (`Source.context`), split into sentences. A claim is held
by a source when every number, date and quantity it writes is there (agent/verify/signals.py) and
its words are covered: the share of the claim's word weight found in the best window of the source
(a sentence with its neighbours; a claim may join two of them), a word weighing more the rarer it
is among the sentences read (a name counts, "opened" little); the numbers must stand in that window.
Words of the claim that one other source alone has (a name) and this one lacks mark a source about
something else ("霓虹雀鲷…" is not "颊鳞雀鲷…", however alike the rest). The best sentence is the quote. Building the index costs a few milliseconds and happens at the first claim, never before the
first words are shown.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from agent.state import Support
from agent.verify.claims import sentences
from agent.verify.signals import numbers, words
from search.models import Source

SUPPORTED = 0.62  # word coverage at or above which a claim with all its numbers found is supported
PARTIAL = 0.40  # … and at or above which it is partly supported
FOREIGN = 0.2  # a source missing words another source alone has, this share of the claim's weight, does not hold it
WINDOW = 1  # neighbours on each side a claim may draw on (a claim may join two sentences)
RANK: dict[Support, int] = {"unsupported": 0, "partial": 1, "supported": 2}


@dataclass(frozen=True)
class Features:
    """What a claim asks for."""

    numbers: frozenset[str]
    words: frozenset[str]

    @classmethod
    def of(cls, claim: str) -> Features:
        return cls(numbers(claim), words(claim))

    @property
    def empty(self) -> bool:
        return not self.numbers and not self.words


@dataclass(frozen=True)
class Judgement:
    index: int
    support: Support
    coverage: float  # the share of the claim's word weight found (0..1)
    numbers_found: bool  # every number of the claim is in the source
    quote: str  # the source's sentence that best supports the claim ("" when none shares a word)


class _Doc:
    """One source's read text, indexed; shared read-only (see `_doc`)."""

    def __init__(self, context: str) -> None:
        self.sentences = [context[a:b] for a, b in sentences(context)] or [context]
        self.words = [words(s, implied=True) for s in self.sentences]
        self.all_words = frozenset().union(*self.words)
        self.numbers = [numbers(s, implied=True) for s in self.sentences]
        self.all_numbers = frozenset().union(*self.numbers)
        # Each sentence with its neighbours (a claim may join two sentences), built once.
        spans = [slice(max(0, i - WINDOW), i + WINDOW + 1) for i in range(len(self.sentences))]
        self.window_words = [frozenset().union(*self.words[span]) for span in spans]
        self.window_numbers = [frozenset().union(*self.numbers[span]) for span in spans]


# The same text read for the same question (a question asked again, a page's passages read again in
# a later round) is indexed once: a pure function of the text, ~0.2 ms a source in Python.
@functools.lru_cache(maxsize=128)
def _doc(context: str) -> _Doc:
    return _Doc(context)


class Evidence:
    """The sentences read from each source, indexed for checking claims against them."""

    def __init__(self, sources: list[Source]) -> None:
        self.docs = {source.index: _doc(source.context or source.snippet) for source in sources}
        df: dict[str, int] = {}
        for doc in self.docs.values():
            for sentence in doc.words:
                for word in sentence:
                    df[word] = df.get(word, 0) + 1
        self._n = sum(len(doc.sentences) for doc in self.docs.values()) or 1
        self._df = df
        self._sources: dict[str, int] = {}  # word -> how many sources have it
        for doc in self.docs.values():
            for word in doc.all_words:
                self._sources[word] = self._sources.get(word, 0) + 1

    @property
    def indexes(self) -> list[int]:
        return list(self.docs)

    def weight(self, word: str) -> float:
        """Rarer words weigh more; a word no source has weighs the most (its absence is telling)."""
        return math.log(1.0 + self._n / (1.0 + self._df.get(word, 0)))

    def judge(self, claim: Features, index: int) -> Judgement:
        doc = self.docs.get(index)
        if doc is None:
            return Judgement(index, "unsupported", 0.0, False, "")
        total = sum(self.weight(w) for w in claim.words)
        # Words of the claim that one other read source alone has (a name, a rare word): a source
        # missing much of them is about something else, however much of the rest it shares.
        elsewhere = {w for w in claim.words if self._sources.get(w) == 1} - doc.all_words
        foreign = sum(self.weight(w) for w in elsewhere) / total if total else 0.0
        best: tuple[int, float] = (-1, -1.0)
        coverage, numbers_found, quote, best_single = 0.0, False, "", -1.0
        weights = {w: self.weight(w) for w in claim.words}
        for i in range(len(doc.sentences)):
            held = claim.words & doc.window_words[i]
            covered = sum(weights[w] for w in held) / total if total else (1.0 if claim.numbers else 0.0)
            found = claim.numbers <= doc.window_numbers[i]  # near the words, not anywhere
            rank = (RANK[verdict(covered, found)], covered)
            if rank > best:
                best, coverage, numbers_found = rank, covered, found
            # The quote: the sentence holding most of the claim, ties to the one holding its numbers.
            single = sum(weights[w] for w in claim.words & doc.words[i])
            single += 0.5 * total * bool(claim.numbers and claim.numbers & doc.numbers[i])
            if single > best_single and single > 0:
                best_single, quote = single, doc.sentences[i]
        support = verdict(coverage, numbers_found) if foreign < FOREIGN else "unsupported"
        return Judgement(index, support, round(coverage, 3), numbers_found, quote)

    def judge_together(self, claim: Features, indexes: list[int]) -> Support:
        """Several cited sources read together: each may hold a part of the claim."""
        docs = [self.docs[i] for i in indexes if i in self.docs]
        if not docs:
            return "unsupported"
        found = frozenset().union(*(d.all_words for d in docs))
        total = sum(self.weight(w) for w in claim.words)
        coverage = sum(self.weight(w) for w in claim.words & found) / total if total else 1.0
        return verdict(coverage, claim.numbers <= frozenset().union(*(d.all_numbers for d in docs)))


def verdict(coverage: float, numbers_found: bool) -> Support:
    if not numbers_found:
        return "unsupported"  # a number, date or quantity the source does not have: not its claim
    if coverage >= SUPPORTED:
        return "supported"
    return "partial" if coverage >= PARTIAL else "unsupported"


__all__ = ["Evidence", "Features", "Judgement", "PARTIAL", "RANK", "SUPPORTED", "verdict"]
