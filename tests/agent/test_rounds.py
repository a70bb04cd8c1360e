"""The limits of searching again (agent/rounds.py): the round limit and the time budget."""

from agent.rounds import refusal, timing_key
from agent.settings import Settings
from agent.state import AgentState, SearchRound

SETTINGS = Settings(_env_file=None, max_search_rounds=3, deep_search_rounds=5, search_time_budget_s=20.0)


def at(round_: int, depth: str = "auto", started_at: float = 100.0) -> AgentState:
    rounds = [SearchRound(query=f"q{n}", call=f"call {n}") for n in range(1, round_ + 1)]
    return AgentState(question="q", conversation_id="c", depth=depth, rounds=rounds, started_at=started_at)


def test_another_round_is_refused_at_the_round_limit_past_the_time_budget_and_for_plain_models():
    assert refusal(at(1), SETTINGS, can_search_again=True, now=101.0) is None
    assert refusal(at(2), SETTINGS, can_search_again=True, now=101.0) is None
    assert refusal(at(3), SETTINGS, can_search_again=True, now=101.0) == "rounds"
    assert refusal(at(1, "quick"), SETTINGS, can_search_again=True, now=101.0) == "rounds"
    assert refusal(at(4, "deep"), SETTINGS, can_search_again=True, now=101.0) is None
    assert refusal(at(1), SETTINGS, can_search_again=True, now=120.0) == "time"
    assert refusal(at(1), SETTINGS, can_search_again=False, now=101.0) == "rounds"


def test_round_one_keeps_its_timing_names_later_rounds_are_suffixed():
    assert timing_key("search", 1) == "search" and timing_key("answer", 3) == "answer.3"
    # round 2's timings are its own: they never overwrite round 1's in what the operator reads
    assert [timing_key("search", r) for r in (1, 2)] == ["search", "search.2"]
