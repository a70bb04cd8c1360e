"""The lexical checker, always on: does a source's read text hold what a claim says?

Only the passages the model read count (`Source.context`), split into sentences. A claim is held
by a source when every number, date and quantity it writes is there (agent/verify/signals.py) and
its words are covered: the share of the claim's word weight found in the best window of the source
(a sentence with its neighbours; a claim may join two of them), a word weighing more the rarer it
is among the sentences read (a name counts, "opened" little). The window's best sentence is the
quote. Building the index costs a few milliseconds and happens at the first claim, never before the
first words are shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from agent.state import Support
from agent.verify.claims import sentences
from agent.verify.signals import numbers, words
from search.models import Source

SUPPORTED = 0.62  # word coverage at or above which a claim with all its numbers found is supported
PARTIAL = 0.40  # … and at or above which it is partly supported
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
    def __init__(self, source: Source) -> None:
        context = source.context or source.snippet
        self.sentences = [context[a:b] for a, b in sentences(context)] or [context]
        self.words = [words(s) for s in self.sentences]
        self.numbers = frozenset().union(*(numbers(s, implied=True) for s in self.sentences))


class Evidence:
    """The sentences read from each source, indexed for checking claims against them."""

    def __init__(self, sources: list[Source]) -> None:
        self.docs = {source.index: _Doc(source) for source in sources}
        df: dict[str, int] = {}
        for doc in self.docs.values():
            for sentence in doc.words:
                for word in sentence:
                    df[word] = df.get(word, 0) + 1
        self._n = sum(len(doc.sentences) for doc in self.docs.values()) or 1
        self._df = df

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
        numbers_found = claim.numbers <= doc.numbers
        total = sum(self.weight(w) for w in claim.words)
        best, quote, best_single = 0.0, "", -1.0
        count = len(doc.sentences)
        for i in range(count):
            single = sum(self.weight(w) for w in claim.words & doc.words[i])
            window = claim.words & frozenset().union(*doc.words[max(0, i - WINDOW) : i + WINDOW + 1])
            covered = sum(self.weight(w) for w in window)
            best = max(best, covered)
            # The quote: the sentence holding most of the claim, ties to the one holding its numbers.
            single += 0.5 * total * bool(claim.numbers and claim.numbers & numbers(doc.sentences[i], implied=True))
            if single > best_single and single > 0:
                best_single, quote = single, doc.sentences[i]
        coverage = best / total if total else (1.0 if claim.numbers else 0.0)
        return Judgement(index, verdict(coverage, numbers_found), round(coverage, 3), numbers_found, quote)

    def judge_together(self, claim: Features, indexes: list[int]) -> Support:
        """Several cited sources read together: each may hold a part of the claim."""
        docs = [self.docs[i] for i in indexes if i in self.docs]
        if not docs:
            return "unsupported"
        found = frozenset().union(*(frozenset().union(*d.words) for d in docs))
        total = sum(self.weight(w) for w in claim.words)
        coverage = sum(self.weight(w) for w in claim.words & found) / total if total else 1.0
        return verdict(coverage, claim.numbers <= frozenset().union(*(d.numbers for d in docs)))


def verdict(coverage: float, numbers_found: bool) -> Support:
    if not numbers_found:
        return "unsupported"  # a number, date or quantity the source does not have: not its claim
    if coverage >= SUPPORTED:
        return "supported"
    return "partial" if coverage >= PARTIAL else "unsupported"


__all__ = ["Evidence", "Features", "Judgement", "PARTIAL", "RANK", "SUPPORTED", "verdict"]
