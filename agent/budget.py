"""The evidence policy: how much the model reads, from how many pages, over how many rounds.

The rules choosing the numbers are here (the numbers themselves, `EvidencePolicy`'s defaults and the
CPU's `CPU_EVIDENCE`, in agent/evidence_policy.py, below Settings); search/select.py only packs passages to the `EvidenceBudget` a round gets, with plain arguments.

- Round 1 reads `context_tokens` of evidence, at most `source_tokens` from one source.
- When the ranking is unsure (search.select.ranking_unsure: one page leads, more of its passages
  score close to its best than its share holds) round 1 grows to `unsure_context_tokens`, each
  source's share in proportion. Later rounds never grow.
- Each later round reads `later_round_context_share` of round 1's budget (half), so a prompt with
  every round's evidence stays bounded and the history budget keeps room for all of it
  (`evidence_reserve`).
- A request's own evidence budget (Perplexity's search_context_size) scales all three, never past
  what the model's context holds (`for_request`).
- Depth: quick is one round, auto at most `max_search_rounds`, deep `deep_search_rounds` reading
  `deep_fetch_pages` a round instead of `fetch_pages`; a request naming none gets `default_depth`.
- With the model on the service's own CPU the defaults are smaller (`CPU_EVIDENCE`, applied with the
  rest of the CPU profile by agent/profile.py): every prompt token costs the answer time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from core.tokens import count_tokens

if TYPE_CHECKING:  # the settings offer EvidencePolicy's fields (agent/settings.py SECTIONS; it imports nothing here)
    from agent.settings import Settings
    from agent.state import AgentState, Depth

# A later round's own words in the prompt beside its evidence: the call, the answer instructions.
ROUND_OVERHEAD_TOKENS = 120


class EvidenceBudget(BaseModel):
    """One round's evidence, worked out once (`for_round`): what search.select.select_evidence packs to."""

    model_config = ConfigDict(frozen=True)

    tokens: int  # the round's evidence
    source_tokens: int  # at most this much from one source
    unsure_tokens: int  # grown to this when the ranking is unsure; 0: never (a later round)
    crowd: float  # when the ranking is unsure: search.select.ranking_unsure's thresholds
    lead: float


def max_rounds(settings: Settings, depth: Depth | None) -> int:
    depth = depth or settings.default_depth
    if depth == "quick":
        return 1
    return max(1, settings.deep_search_rounds if depth == "deep" else settings.max_search_rounds)


def pages_per_round(settings: Settings, depth: Depth | None) -> int:
    return settings.deep_fetch_pages if (depth or settings.default_depth) == "deep" else settings.fetch_pages


def round_budget(settings: Settings, round_: int) -> int:
    """Evidence tokens the round reads: round 1 today's budget, each later one a smaller share."""
    return settings.context_tokens if round_ <= 1 else int(settings.context_tokens * settings.later_round_context_share)


def evidence_budget(settings: Settings, depth: Depth | None) -> int:
    """All the evidence one question may read, every round together (the prompt stays bounded)."""
    return sum(round_budget(settings, r) for r in range(1, max_rounds(settings, depth) + 1))


def evidence_reserve(settings: Settings, depth: Depth | None) -> int:
    """The room a question's prompt keeps for evidence: round 1 twice its budget (and never less than
    the widened budget of an unsure ranking), each later round its own share."""
    return max(2 * settings.context_tokens, settings.unsure_context_tokens) + (
        evidence_budget(settings, depth) - settings.context_tokens
    )


def fixed_tokens(settings: Settings, question: str, depth: Depth | None) -> int:
    """What every prompt of the question holds besides evidence and history: the answer, the prompts'
    own words, each later round's call, and the question (twice in each round's answer prompt)."""
    rounds = max_rounds(settings, depth)
    return (
        settings.answer_max_tokens
        + settings.prompt_reserve_tokens
        + (rounds - 1) * ROUND_OVERHEAD_TOKENS
        + 2 * count_tokens(question) * rounds
    )


# Perplexity's and OpenAI's `search_context_size` as a multiple of the evidence budget (low: the
# service's own measured budget).
CONTEXT_SHARE: dict[str, float] = {"low": 1.0, "medium": 1.5, "high": 2.5}


def for_context_size(settings: Settings, size: str | None) -> int | None:
    """A request's own evidence budget from its `search_context_size` (None: the service's)."""
    return int(settings.context_tokens * CONTEXT_SHARE[size]) if size else None


def for_request(settings: Settings, state: AgentState) -> Settings:
    """The settings as this request's evidence budget makes them (a caller's `context_tokens`, e.g.
    Perplexity's search_context_size): the unsure-ranking budget and each source's share grow with it,
    never past what the model's context holds with every round's evidence, the answer and the prompts."""
    if state.context_tokens is None or state.context_tokens == settings.context_tokens or not settings.context_tokens:
        return settings
    room = (settings.llm_context_tokens - fixed_tokens(settings, state.question, state.depth)) / evidence_reserve(
        settings, state.depth
    )
    ratio = min(state.context_tokens / settings.context_tokens, max(room, 1.0))
    return settings.model_copy(
        update={
            "context_tokens": int(settings.context_tokens * ratio),
            "unsure_context_tokens": int(settings.unsure_context_tokens * ratio),
            "source_tokens": int(settings.source_tokens * ratio),
        }
    )


def for_round(settings: Settings, state: AgentState) -> EvidenceBudget:
    """The evidence budget of the round `state` is in, for this request."""
    settings = for_request(settings, state)
    first = state.round <= 1
    return EvidenceBudget(
        tokens=round_budget(settings, state.round),
        source_tokens=settings.source_tokens,
        # Only round 1 widens: a later round's share stays its own (the prompt stays bounded).
        unsure_tokens=settings.unsure_context_tokens if first else 0,
        crowd=settings.unsure_crowd,
        lead=settings.unsure_lead,
    )


def history_tokens(settings: Settings, question: str, depth: Depth | None) -> int:
    """What is left of the model's context for the conversation so far, once the answer, every
    round's evidence, the prompts and the question have their share (may be below 0: none)."""
    return settings.llm_context_tokens - fixed_tokens(settings, question, depth) - evidence_reserve(settings, depth)
