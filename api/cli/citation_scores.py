"""Citation precision and recall of answers, as ALCE defines them (Gao et al. 2023), for `websearch eval`.

Per claim (`AgentOutput.claims`: the answer's cited claims as the reader sees them, markers repaired;
with WEBSEARCH_VERIFY=false, drawn from the answer's markers as the model wrote them):

- **recall**: a claim counts when its citations, read together, support it (a claim shown without a
  citation, flagged unsupported, does not) — claims supported / claims;
- **precision**: a citation counts when its source alone supports its claim, or when the claim is
  supported with it and no longer without it (ALCE's "irrelevant" citation is neither) —
  citations that support their claim / citations.

"Support" is the verify library's verdict `supported` (agent/verify: the lexical checker, and the
served checker's word where WEBSEARCH_VERIFY_BACKEND configures one); `partial` is not entailment.
A claim with nothing to check ("Yes.") is left out of both, as the verify stage leaves it unchecked.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from agent.state import AgentOutput
from agent.verify.claims import claim_start
from agent.verify.lexical import Features
from agent.verify.repair import Repairer
from agent.verify.served import Checker

_GROUP_RE = re.compile(r"(?:\s*\[\d{1,3}\])+")
_MARKER_RE = re.compile(r"\[(\d{1,3})\]")


class CitationCounts(BaseModel):
    """One answer's claims and citations, and how many of each hold."""

    claims: int = 0
    claims_supported: int = 0  # recall's numerator
    citations: int = 0
    citations_supporting: int = 0  # precision's numerator


def drawn_claims(answer: str) -> list[tuple[str, list[int]]]:
    """The claims of an answer whose markers were not checked: each marker group and the words it cites."""
    out: list[tuple[str, list[int]]] = []
    floor = 0
    for group in _GROUP_RE.finditer(answer):
        start = claim_start(answer, floor, group.start())
        cited = list(dict.fromkeys(int(n) for n in _MARKER_RE.findall(group.group(0))))
        out.append((answer[start : group.start()].strip(), cited))
        floor = group.end()
    return out


async def measure(output: AgentOutput, checker: Checker | None = None) -> CitationCounts:
    """The counts of one answer, its claims judged against the passages the model read."""
    if output.claims:
        claims = [(c.text, list(c.citations)) for c in output.claims]
    else:
        claims = drawn_claims(output.answer)
    counts = CitationCounts()
    if not claims:
        return counts
    repairer = Repairer(output.sources, checker)
    for text, cited in claims:
        features = Features.of(text)
        if features.empty:
            continue
        counts.claims += 1
        counts.citations += len(cited)
        if not cited:
            continue
        alone = {i: j.support == "supported" for i, j in (await repairer.judge(text, cited)).items()}

        def holds(indexes: list[int]) -> bool:
            if any(alone[i] for i in indexes):
                return True
            return len(indexes) > 1 and repairer.evidence.judge_together(features, indexes) == "supported"

        supported = holds(cited)
        counts.claims_supported += supported
        for i in cited:
            counts.citations_supporting += alone[i] or (supported and not holds([k for k in cited if k != i]))
    return counts


def summary(counts: list[CitationCounts | None]) -> dict:
    """Micro-averaged over every claim and citation: `citation_recall`, `citation_precision` (None
    where there is nothing to divide by) and the totals."""
    rows = [c for c in counts if c is not None]
    claims = sum(c.claims for c in rows)
    citations = sum(c.citations for c in rows)
    return {
        "citation_recall": round(sum(c.claims_supported for c in rows) / claims, 4) if claims else None,
        "citation_precision": round(sum(c.citations_supporting for c in rows) / citations, 4) if citations else None,
        "claims": claims,
        "citations": citations,
    }


def line(scores: dict, checker: str) -> str:
    """One line for the table: the figures, or why there are none."""
    if not scores.get("claims"):
        return "citations: no cited claims to score"
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    return (
        f"citations ({checker} checker): precision {fmt(scores['citation_precision'])}, "
        f"recall {fmt(scores['citation_recall'])} over {scores['claims']} claims, {scores['citations']} citations (ALCE)"
    )


__all__ = ["CitationCounts", "drawn_claims", "line", "measure", "summary"]
