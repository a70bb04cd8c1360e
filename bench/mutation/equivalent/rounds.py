"""Equivalent mutants of the rounds row."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    **{
        ("rounds", "agent/rounds.py", MODULE_SCOPE, description): "the Refusal type alias, read by annotations only"
        for description in ("element dropped: 'rounds'", "element dropped: 'time'")
    },
    ("rounds", "agent/rounds.py", "refusal", "operand dropped: state.started_at"):
        "load_history, the graph's first step, always sets started_at from time.monotonic() (never 0.0): the "
        "0.0 default is only seen by a state built outside the graph, which never asks for another round",
    ("rounds", "agent/rounds.py", "record_observation", "guard removed: if not state.rounds"):
        "its one caller, the answer step, runs only after a search, and decide records round 1 with every search "
        "(searched=True comes with rounds=[first]): the rounds are never empty there",
    ("rounds", "agent/budget.py", "EvidenceBudget", "True -> False"):
        "frozen=True only refuses assignment: a budget is built once by for_round and only read after",
    ("rounds", "agent/budget.py", "for_request", "operand dropped: state.context_tokens == settings.context_tokens"):
        "a request asking for the service's own budget gets ratio min(1, max(room, 1)) = 1: a copy holding the "
        "same numbers",
    ("rounds", "agent/budget.py", "for_request", "operand dropped: not settings.context_tokens"):
        "a request's context_tokens comes only from for_context_size (Perplexity, Responses), a multiple of "
        "settings.context_tokens: with that 0 it is 0 too, and the clause before returns first",
}
