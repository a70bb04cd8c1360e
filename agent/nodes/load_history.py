"""Load history: the conversation so far, as much of it as the next prompt has room for."""

from __future__ import annotations

import asyncio
import functools
import time

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.budget import for_request, history_tokens
from agent.state import AgentState, Turn, replayed
from core.language import detect_language
from core.tokens import count_tokens


def turn_words(turn: Turn) -> list[str]:
    """A turn's words as the store keeps them: the question, each search call and what it read (up
    to the first round left unread), the answer. The most any protocol replays of it (one that
    cannot call replays less), so the history window is the same whichever protocol speaks."""
    words = [turn.question]
    for round_ in replayed(turn.rounds):
        if not round_.call:  # a turn saved with no call recorded replays none
            break
        words += [round_.call, round_.observation or ""]
    return [*words, turn.model_answer]


def turn_cost(turn: Turn) -> int:
    return sum(count_tokens(words) + 4 for words in turn_words(turn))  # 4: each message's framing


def history_window(
    turns: list[Turn], *, start: int, max_turns: int, budget_tokens: int, refill: float = 0.6
) -> int:
    """Where the next prompt's history begins: an index into `turns`, never half a turn.

    Sticky, for vLLM's prefix cache: the window starts where the previous prompt's did for as long
    as everything since fits. When it no longer fits (tokens or `max_turns`), it jumps past whole
    oldest turns until the rest takes `refill` of the budget — so the next few follow-ups again
    begin with the same prefix, instead of each one dropping a turn and missing the cache.
    """
    costs = [turn_cost(turn) for turn in turns]
    start = min(max(start, 0), len(turns))
    if sum(costs[start:]) <= budget_tokens and len(turns) - start <= max_turns:
        return start
    total = sum(costs[start:])
    while start < len(turns) and (total > refill * budget_tokens or len(turns) - start > refill * max_turns):
        total -= costs[start]
        start += 1
    return start


async def load_history(state: AgentState, runtime: Runtime[Deps]) -> dict:
    started = time.monotonic()  # the search rounds' time budget counts from here
    settings = for_request(runtime.context.settings, state)
    turns = await runtime.context.store.get(state.conversation_id)
    depth = state.depth or settings.default_depth
    budget = history_tokens(settings, state.question, depth)
    window = functools.partial(
        history_window,
        turns,
        start=turns[-1].history_start if turns else 0,
        max_turns=settings.history_turns,
        budget_tokens=max(budget, 0),
    )
    # Counting a long history's tokens is CPU work: off the event loop, which keeps serving others
    # (a new conversation has nothing to count: no thread's round trip for it).
    start = await asyncio.to_thread(window) if turns else window()
    return {
        "history": turns[start:],
        "history_start": start,
        "language": detect_language(state.question),
        "started_at": started,
        "depth": depth,
    }
