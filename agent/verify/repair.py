"""Repair, never silence: which markers a checked claim keeps.

- A cited source that holds the claim (supported or partial) keeps its marker: a correct citation,
  paraphrased or not, is never touched (a false alarm costs the reader as much as a miss).
- A cited source that does not hold it loses its marker; when none of the cited sources holds it,
  the marker is re-pointed to the read source that does (supported; or partial, clearly ahead of
  every other source).
- When no read source holds it, the claim keeps its words and loses its markers: "unsupported".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from agent.state import Quote, Support
from agent.verify.lexical import RANK, Evidence, Features, Judgement
from agent.verify.served import Checker, CheckerError
from search.models import Source

log = logging.getLogger(__name__)

REPOINT_MARGIN = 0.15  # a partly supporting source re-pointed to leads every other by this coverage


@dataclass
class Decision:
    citations: list[int]  # the markers the claim shows
    support: Support
    quotes: list[Quote] = field(default_factory=list)
    repointed: int = 0  # markers moved to another source
    removed: int = 0  # markers dropped (a source that does not hold the claim)


class Repairer:
    """Checks claims against the sources of one answer (the index is built at the first claim)."""

    def __init__(self, sources: list[Source], checker: Checker | None = None) -> None:
        self.sources = sources
        self.checker = checker
        self._evidence: Evidence | None = None

    @property
    def evidence(self) -> Evidence:
        if self._evidence is None:
            self._evidence = Evidence(self.sources)
        return self._evidence

    async def decide(self, claim: str, cited: list[int]) -> Decision:
        features = Features.of(claim)
        if features.empty:  # nothing to check ("Yes.", a bare list item): the model's word stands
            return Decision(citations=list(cited), support="partial")
        evidence = self.evidence
        judged = {i: evidence.judge(features, i) for i in cited}
        await self._second_opinion(claim, features, judged)
        kept = [i for i in cited if RANK[judged[i].support] >= RANK["partial"]]
        if kept:
            support: Support = max((judged[i].support for i in kept), key=RANK.__getitem__)
            if support == "partial" and len(kept) > 1:
                support = evidence.judge_together(features, kept)
                support = "partial" if support == "unsupported" else support
            return Decision(kept, support, _quotes(judged, kept), removed=len(cited) - len(kept))
        others = {i: evidence.judge(features, i) for i in evidence.indexes if i not in judged}
        await self._second_opinion(claim, features, others)
        best = _best_elsewhere(others)
        if best is not None:
            return Decision([best.index], best.support, _quotes(others, [best.index]), repointed=1, removed=len(cited) - 1)
        return Decision([], "unsupported", removed=len(cited))

    async def judge(self, claim: str, indexes: list[int]) -> dict[int, Judgement]:
        """Each of these sources alone on the claim, as `decide` judges them (the lexical checker, and
        the served one's word where it has one); `websearch eval` scores citations with it."""
        features = Features.of(claim)
        judged = {i: self.evidence.judge(features, i) for i in indexes}
        await self._second_opinion(claim, features, judged)
        return judged

    async def _second_opinion(self, claim: str, features: Features, judged: dict[int, Judgement]) -> None:
        """The served checker, where there is one, on sources whose numbers fit but words fell short."""
        doubtful = [j for j in judged.values() if j.support != "supported" and j.numbers_found]
        if self.checker is None or not doubtful:
            return
        passages: list[tuple[int, str]] = []
        for judgement in doubtful:
            sentences = self.evidence.docs[judgement.index].sentences if judgement.index in self.evidence.docs else []
            passages += [(judgement.index, " ".join(sentences[k : k + 2])) for k in range(0, max(1, len(sentences) - 1))]
        try:
            scores = await self.checker.scores(claim, [text for _, text in passages])
        except CheckerError as exc:
            log.warning("served checker unavailable, the lexical verdict stands: %s", exc)
            return
        for (index, text), score in zip(passages, scores):
            current = judged[index]
            if score >= self.checker.threshold and current.support != "supported":
                judged[index] = Judgement(index, "supported", max(current.coverage, score), True, current.quote or text)


def _quotes(judged: dict[int, Judgement], indexes: list[int]) -> list[Quote]:
    return [Quote(index=i, text=judged[i].quote) for i in indexes if judged[i].quote]


def _best_elsewhere(judged: dict[int, Judgement]) -> Judgement | None:
    ranked = sorted(judged.values(), key=lambda j: (RANK[j.support], j.coverage), reverse=True)
    if not ranked or ranked[0].support == "unsupported":
        return None
    best = ranked[0]
    if best.support == "partial" and len(ranked) > 1 and best.coverage - ranked[1].coverage < REPOINT_MARGIN:
        return None  # partly held here, nearly as much there: no source to point at with confidence
    return best


__all__ = ["Decision", "REPOINT_MARGIN", "Repairer"]
