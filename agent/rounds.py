"""The limits of searching again (issue #13): whether the model's next call may be followed now.
How many rounds a depth allows and what each round reads: agent/budget.py."""

from __future__ import annotations

import time
from typing import Literal

from agent.budget import max_rounds
from agent.settings import Settings
from agent.state import AgentState

Refusal = Literal["rounds", "time"]


def refusal(
    state: AgentState, settings: Settings, *, can_search_again: bool, now: float | None = None
) -> Refusal | None:
    """Why another search may not run now (None: it may). A model that can call nothing never asks."""
    if not can_search_again or state.round >= max_rounds(settings, state.depth):
        return "rounds"
    now = time.monotonic() if now is None else now
    if state.started_at and now - state.started_at >= settings.search_time_budget_s:
        return "time"
    return None


def record_observation(state: AgentState, results: str) -> dict:
    """The state update that records the results on the round under way (the last one asked for)."""
    if not state.rounds:
        return {}
    return {"rounds": [*state.rounds[:-1], state.rounds[-1].model_copy(update={"observation": results})]}


def timing_key(stage: str, round_: int) -> str:
    """Round 1's stages keep their names; a later round's are suffixed: `search.2`, `answer.2`."""
    return stage if round_ <= 1 else f"{stage}.{round_}"
