"""Select: the ranked passages packed into numbered sources within the answer's token budget."""

from __future__ import annotations

import asyncio
import functools

from langgraph.runtime import Runtime

from agent import telemetry
from agent.deps import Deps
from agent.rounds import for_request, round_budget
from agent.state import AgentState
from search.models import Source
from search.select import select_evidence


async def select(state: AgentState, runtime: Runtime[Deps]) -> dict:
    settings = for_request(runtime.context.settings, state)
    # Packing counts tokens (CPU work): off the event loop too. The budget widens to
    # `unsure_context_tokens` only when the ranking is unsure (search/select.py says when).
    selection = await asyncio.to_thread(
        functools.partial(
            select_evidence,
            state.pages,
            state.passages,
            budget_tokens=round_budget(settings, state.round),
            source_tokens=settings.source_tokens,
            max_title_chars=settings.max_result_title_chars,
            # Only round 1 widens: a later round's share stays its own (the prompt stays bounded).
            unsure_budget_tokens=settings.unsure_context_tokens if state.round <= 1 else 0,
            crowd=settings.unsure_crowd,
            lead=settings.unsure_lead,
        )
    )
    if selection.widened:
        telemetry.observe_evidence_widened()
    return {"sources": continue_numbering(state, selection.sources)}


def continue_numbering(state: AgentState, new: list[Source]) -> list[Source]:
    """Earlier rounds' sources, then this round's numbered after them (round 1: 1..N as ever)."""
    earlier = state.sources[: state.round_start]
    offset = len(earlier)
    return [*earlier, *(source.model_copy(update={"index": source.index + offset}) for source in new)]
