"""Cite: the model's markers rewritten against the sources it was given (every round's)."""

from __future__ import annotations

from agent.citations import rewrite
from agent.no_answer import no_answer_text
from agent.state import AgentState


async def cite(state: AgentState) -> dict:
    """Graph node: rewrite the model's markers against the sources it was given (every round's).

    What the reader saw before each search (the preamble, the words before each later call) stays
    in the final text, in order; the citations are those of all of it."""
    answer, _ = rewrite(state.model_answer, state.sources)
    if state.no_answer:  # the line the reader was shown instead of an answer
        answer = no_answer_text(state.language, sources=bool(state.sources))
    earlier = [state.preamble, *(round_.shown for round_ in state.later_rounds)]
    answer = "\n\n".join(part for part in (*earlier, answer) if part)
    written = "\n\n".join([*(round_.text for round_ in state.later_rounds), state.model_answer])
    _, citations = rewrite(written, state.sources)
    return {"answer": answer, "citations": citations}
