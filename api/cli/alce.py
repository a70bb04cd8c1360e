"""ALCE's citation recall and precision (Gao et al. 2023, "Enabling Large Language Models to
Generate Text with Citations"), per claim, for `websearch eval`.

ALCE judges with an NLI model (TRUE); here the judge is the service's own lexical checker
(agent/verify/lexical.py) over the passages the model read (`Source.context`), so the figures say
what readers see as that checker sees it: the same checker has already repaired the markers, so
they measure what is left after repair, not an independent verdict.

- recall: a claim scores 1 when it cites at least one source and its cited sources together hold
  it ("supported"), else 0 (a claim whose marker repair removed scores 0);
- precision: each citation scores 1, unless its claim's sources together do not hold the claim
  (then every citation of it scores 0), or it is ALCE's "irrelevant" citation: its source alone
  does not hold the claim and the claim's other cited sources hold it without it.

The claims are the answer's as the service lists them (each sentence or clause the model cited)."""

from __future__ import annotations

from collections.abc import Sequence

from agent.state import Claim
from agent.verify.lexical import Evidence, Features
from search.models import Source


def _holds(evidence: Evidence, claim: Features, cited: Sequence[int]) -> bool:
    if not cited:
        return False
    if len(cited) == 1:
        return evidence.judge(claim, cited[0]).support == "supported"
    return evidence.judge_together(claim, list(cited)) == "supported"


def citation_scores(claims: Sequence[Claim], sources: Sequence[Source]) -> tuple[float | None, float | None]:
    """(recall, precision) of one answer; None where there is nothing to score (no claims, no citations)."""
    if not claims:
        return None, None
    evidence = Evidence(list(sources))
    held = precise = citations = 0
    for claim in claims:
        features = Features.of(claim.text)
        cited = list(dict.fromkeys(claim.citations))
        citations += len(cited)
        joint = _holds(evidence, features, cited)
        held += joint
        if not joint:
            continue
        if len(cited) == 1:
            precise += 1
            continue
        for n in cited:
            alone = _holds(evidence, features, [n])
            others = _holds(evidence, features, [m for m in cited if m != n])
            precise += alone or not others
    return round(held / len(claims), 4), (round(precise / citations, 4) if citations else None)
