"""Rank: the pages' passages ordered by how well they answer the question, best first."""

from __future__ import annotations

import asyncio
import functools

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.state import AgentState
from search.providers.merge import normalize_url
from search.rank import rank_passages
from search.semantic import rerank


async def rank(state: AgentState, runtime: Runtime[Deps]) -> dict:
    settings = runtime.context.settings
    query = state.queries[-1] if state.queries else state.question  # this round's query
    # Ranking is CPU work (tens of ms on long pages): off the event loop, so other streams flow.
    # In a follow-up the latest question says what is asked, the query and earlier questions whom about.
    history = [turn.question for turn in state.history]
    passages = await asyncio.to_thread(
        functools.partial(rank_passages, state.pages, state.question, query, history=history)
    )
    # A page an earlier round showed offers only the passages the model has not read: the same
    # question ranks the same passage first again, and the part it lacks is in another.
    shown = {(normalize_url(source.url), position) for source in state.sources for position in source.positions}
    if shown:
        passages = [p for p in passages if (normalize_url(p.url), p.position) not in shown]
    if (semantic := runtime.context.semantic) is not None:
        passages = await rerank(
            passages, state.question, semantic, candidates=settings.semantic_candidates, weight=settings.semantic_weight
        )
    return {"passages": passages}
