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
from search.providers.merge import normalize_url
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
    return continue_numbering(state, selection.sources)


def continue_numbering(state: AgentState, new: list[Source]) -> dict:
    """Earlier rounds' sources, then this round's numbered after them (round 1: 1..N as ever). A page
    an earlier round numbered keeps its number: it is this round's `reread`, holding only its new
    passages (the answer step adds them to that source: `grown`)."""
    earlier = state.sources[: state.round_start]
    numbered = {normalize_url(source.url): source for source in earlier}
    reread: dict[int, Source] = {}
    fresh: list[Source] = []
    for source in new:
        old = numbered.get(normalize_url(source.url))
        if old is None:
            fresh.append(source.model_copy(update={"index": len(earlier) + len(fresh) + 1}))
        else:
            reread[old.index] = source.model_copy(update={"index": old.index, "url": old.url, "title": old.title})
    return {"sources": [*earlier, *fresh], "reread": sorted(reread.values(), key=lambda source: source.index)}


def grown(sources: list[Source], reread: list[Source]) -> list[Source]:
    """`sources` with each re-read source's new passages joined to its earlier ones: one entry per
    page, which citations, claim checks and the saved turn read."""
    more = {source.index: source for source in reread}
    return [
        source.model_copy(
            update={
                "context": f"{source.context}\n\n{extra.context}",
                "positions": sorted({*source.positions, *extra.positions}),
            }
        )
        if (extra := more.get(source.index)) is not None
        else source
        for source in sources
    ]
