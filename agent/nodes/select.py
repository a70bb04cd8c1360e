"""Select: the ranked passages packed into numbered sources within the answer's token budget."""

from __future__ import annotations

import asyncio
import functools

from langgraph.runtime import Runtime

from agent import telemetry
from agent.deps import Deps
from agent.budget import for_round
from agent.state import AgentState
from search.models import Source
from search.select import select_evidence


async def select(state: AgentState, runtime: Runtime[Deps]) -> dict:
    budget = for_round(runtime.context.settings, state)  # agent/budget.py: how much, and when it widens
    # Packing counts tokens (CPU work): off the event loop too.
    selection = await asyncio.to_thread(
        functools.partial(
            select_evidence,
            state.pages,
            state.passages,
            budget_tokens=budget.tokens,
            source_tokens=budget.source_tokens,
            max_title_chars=runtime.context.settings.max_result_title_chars,
            unsure_budget_tokens=budget.unsure_tokens,
            crowd=budget.crowd,
            lead=budget.lead,
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
