"""The limits of searching again (issue #13): how many rounds a depth allows, how many pages and how
much evidence each round reads, and whether the model's next call may be followed now."""

from __future__ import annotations

import time
from typing import Literal

from agent.settings import Settings
from agent.state import AgentState, Depth
from core.tokens import count_tokens

Refusal = Literal["rounds", "time"]
# A later round's own words in the prompt beside its evidence: the call, the answer instructions.
ROUND_OVERHEAD_TOKENS = 120


def max_rounds(settings: Settings, depth: Depth | None) -> int:
    depth = depth or settings.default_depth
    if depth == "quick":
        return 1
    return max(1, settings.deep_search_rounds if depth == "deep" else settings.max_search_rounds)


def pages_per_round(settings: Settings, depth: Depth | None) -> int:
    return settings.deep_fetch_pages if (depth or settings.default_depth) == "deep" else settings.fetch_pages


def for_request(settings: Settings, state: AgentState) -> Settings:
    """The settings as this request's evidence budget makes them (a caller's `context_tokens`, e.g.
    Perplexity's search_context_size): the unsure-ranking budget and each source's share grow with it,
    never past what the model's context holds with every round's evidence, the answer and the prompts."""
    if state.context_tokens is None or state.context_tokens == settings.context_tokens or not settings.context_tokens:
        return settings
    rounds = max_rounds(settings, state.depth)
    fixed = (
        settings.answer_max_tokens
        + settings.prompt_reserve_tokens
        + (rounds - 1) * ROUND_OVERHEAD_TOKENS
        + 2 * count_tokens(state.question) * rounds
    )
    evidence = max(2 * settings.context_tokens, settings.unsure_context_tokens) + (
        evidence_budget(settings, state.depth) - settings.context_tokens
    )
    room = (settings.llm_context_tokens - fixed) / evidence
    ratio = min(state.context_tokens / settings.context_tokens, max(room, 1.0))
    return settings.model_copy(
        update={
            "context_tokens": int(settings.context_tokens * ratio),
            "unsure_context_tokens": int(settings.unsure_context_tokens * ratio),
            "source_tokens": int(settings.source_tokens * ratio),
        }
    )


def round_budget(settings: Settings, round_: int) -> int:
    """Evidence tokens the round reads: round 1 today's budget, each later one a smaller share."""
    return settings.context_tokens if round_ <= 1 else int(settings.context_tokens * settings.later_round_context_share)


def evidence_budget(settings: Settings, depth: Depth | None) -> int:
    """All the evidence one question may read, every round together (the prompt stays bounded)."""
    return sum(round_budget(settings, r) for r in range(1, max_rounds(settings, depth) + 1))


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
