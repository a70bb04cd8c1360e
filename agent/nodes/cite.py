"""Cite: the answer as the reader saw it, and the sources its markers name.

The final reply was streamed with its markers rewritten and each claim's checked (agent/verify,
through agent/reply.py): that text is the answer. An answer the decide step wrote (no sources) is
rewritten here."""

from __future__ import annotations

from agent.citations import rewrite
from agent.no_answer import no_answer_text
from agent.state import AgentState, Citation, Claim


def parts(state: AgentState) -> list[tuple[str, list[Claim]]]:
    """What the reader saw, in order, each part with its claims: the words before each search, then
    the final reply."""
    final = state.shown_answer if state.shown_answer is not None else rewrite(state.model_answer, state.sources)[0]
    if state.no_answer:  # the line the reader was shown instead of an answer
        final = no_answer_text(state.language, sources=bool(state.sources))
    shown = [(round_.shown, round_.claims) for round_ in state.rounds]
    return [(text, claims) for text, claims in (*shown, (final, state.answer_claims)) if text]


def joined(state: AgentState) -> tuple[str, list[Claim]]:
    """The answer (its parts joined as they were streamed) and its claims, offsets into it."""
    answer, claims = "", []
    for text, own in parts(state):
        if answer:
            answer += "\n\n"
        claims += [c.model_copy(update={"start": c.start + len(answer), "end": c.end + len(answer)}) for c in own]
        answer += text
    return answer, claims


async def cite(state: AgentState) -> dict:
    answer, claims = joined(state)
    if claims:  # checked as it streamed (agent/verify)  # the sources the markers name after repair, in order of first use
        order = list(dict.fromkeys(n for claim in claims for n in claim.citations))
        by_index = {source.index: source for source in state.sources}
        citations = [Citation(index=i, url=by_index[i].url, title=by_index[i].title) for i in order if i in by_index]
    else:
        # The words before each later call, then the answer (round 1's words are not kept).
        written = "\n\n".join([*(round_.text for round_ in state.rounds[1:]), state.model_answer])
        _, citations = rewrite(written, state.sources)
    return {"answer": answer, "citations": citations, "claims": claims}
