"""Select: the ranked passages packed into numbered sources within the answer's token budget."""

from __future__ import annotations

import asyncio
import functools

from langgraph.runtime import Runtime

from agent import telemetry
from agent.deps import Deps
from agent.state import AgentState
from search.select import select_evidence


async def select(state: AgentState, runtime: Runtime[Deps]) -> dict:
    settings = runtime.context.settings
    # Packing counts tokens (CPU work): off the event loop too. The budget widens to
    # `unsure_context_tokens` only when the ranking is unsure (search/select.py says when).
    selection = await asyncio.to_thread(
        functools.partial(
            select_evidence,
            state.pages,
            state.passages,
            budget_tokens=settings.context_tokens,
            source_tokens=settings.source_tokens,
            max_title_chars=settings.max_result_title_chars,
            unsure_budget_tokens=settings.unsure_context_tokens,
            crowd=settings.unsure_crowd,
            lead=settings.unsure_lead,
        )
    )
    if selection.widened:
        telemetry.observe_evidence_widened()
    return {"sources": selection.sources}
