"""Select: the ranked passages packed into numbered sources within the answer's token budget."""

from __future__ import annotations

import asyncio
import functools

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.state import AgentState
from search.select import select_sources


async def select(state: AgentState, runtime: Runtime[Deps]) -> dict:
    settings = runtime.context.settings
    # Packing counts tokens (CPU work): off the event loop too.
    sources = await asyncio.to_thread(
        functools.partial(
            select_sources,
            state.pages,
            state.passages,
            budget_tokens=settings.context_tokens,
            source_tokens=settings.source_tokens,
            max_title_chars=settings.max_result_title_chars,
        )
    )
    return {"sources": sources}
