"""Verify: the answer's claims, checked, on their way to every surface; each citation with its quote.

Each cited claim was checked as the answer streamed (agent/verify, through agent/reply.py): the
markers of a claim are shown only once it is checked, so the check cannot wait for this step.
Here the claims reach the reader (the `claims` event, before `done`), each citation gets the
sentence of its source that best supports the claim citing it and a link that opens the page at
that sentence, and the figures go to /metrics (claims by verdict, markers re-pointed and removed,
the time checking took)."""

from __future__ import annotations

from collections import Counter

from agent import telemetry
from agent.events import Claims, emit
from agent.state import AgentState, Citation
from agent.verify.fragment import text_fragment_url


def quoted(citations: list[Citation], state: AgentState) -> list[Citation]:
    quotes: dict[int, str] = {}
    for claim in state.claims:
        for quote in claim.quotes:
            quotes.setdefault(quote.index, quote.text)
    return [
        c.model_copy(update={"quote": quotes[c.index], "quote_url": text_fragment_url(c.url, quotes[c.index])})
        if c.index in quotes
        else c
        for c in citations
    ]


async def verify(state: AgentState) -> dict:
    if not state.claims:
        return {"ahead_s": state.verify_ms / 1000}
    emit(Claims(claims=state.claims))
    verdicts = Counter(claim.support for claim in state.claims)
    telemetry.observe_claims(dict(verdicts), repointed=state.repointed, removed=state.removed)
    telemetry.observe_verify(state.verify_ms / 1000)
    # The stage's time (timings, the stage histogram) includes the checks made while the answer streamed.
    return {"citations": quoted(state.citations, state), "ahead_s": state.verify_ms / 1000}
