"""The limits of searching again (agent/rounds.py): rounds per depth, the time budget, each round's share."""

from agent.rounds import evidence_budget, for_request, max_rounds, pages_per_round, refusal, round_budget, timing_key
from agent.settings import Settings
from agent.state import AgentState, SearchRound

SETTINGS = Settings(_env_file=None, max_search_rounds=3, deep_search_rounds=5, search_time_budget_s=20.0)


def at(round_: int, depth: str = "auto", started_at: float = 100.0) -> AgentState:
    rounds = [SearchRound(query=f"q{n}", call=f"call {n}") for n in range(1, round_ + 1)]
    return AgentState(question="q", conversation_id="c", depth=depth, rounds=rounds, started_at=started_at)


def test_quick_is_one_round_auto_the_limit_deep_more_and_more_pages():
    assert [max_rounds(SETTINGS, d) for d in ("quick", "auto", "deep")] == [1, 3, 5]
    assert pages_per_round(SETTINGS, "deep") > pages_per_round(SETTINGS, "auto") == SETTINGS.fetch_pages


def test_another_round_is_refused_at_the_round_limit_past_the_time_budget_and_for_plain_models():
    assert refusal(at(1), SETTINGS, can_search_again=True, now=101.0) is None
    assert refusal(at(2), SETTINGS, can_search_again=True, now=101.0) is None
    assert refusal(at(3), SETTINGS, can_search_again=True, now=101.0) == "rounds"
    assert refusal(at(1, "quick"), SETTINGS, can_search_again=True, now=101.0) == "rounds"
    assert refusal(at(4, "deep"), SETTINGS, can_search_again=True, now=101.0) is None
    assert refusal(at(1), SETTINGS, can_search_again=True, now=120.0) == "time"
    assert refusal(at(1), SETTINGS, can_search_again=False, now=101.0) == "rounds"


def test_later_rounds_read_a_smaller_share_so_the_prompt_stays_bounded():
    assert round_budget(SETTINGS, 1) == SETTINGS.context_tokens
    assert round_budget(SETTINGS, 2) == round_budget(SETTINGS, 3) == SETTINGS.context_tokens // 2
    assert evidence_budget(SETTINGS, "auto") == 2 * SETTINGS.context_tokens
    assert evidence_budget(SETTINGS, "quick") == SETTINGS.context_tokens


def test_round_one_keeps_its_timing_names_later_rounds_are_suffixed():
    assert timing_key("search", 1) == "search" and timing_key("answer", 3) == "answer.3"


def test_a_requests_evidence_budget_grows_every_share_within_the_models_context():
    settings = Settings(_env_file=None)  # 8192-token context, 1000 evidence tokens, 350 a source
    question = "How much did the Aurora Bridge cost?"
    assert for_request(settings, AgentState(question=question, conversation_id="c")) is settings
    wide = for_request(settings, AgentState(question=question, conversation_id="c", depth="quick", context_tokens=2500))
    assert (wide.context_tokens, wide.source_tokens, wide.unsure_context_tokens) == (2500, 875, 3750)
    # five deep rounds at 2.5 times would not fit the model's context: as much as does
    deep = for_request(settings, AgentState(question=question, conversation_id="c", depth="deep", context_tokens=2500))
    assert settings.context_tokens < deep.context_tokens < 2500
    evidence = max(2 * deep.context_tokens, deep.unsure_context_tokens) + evidence_budget(deep, "deep") - deep.context_tokens
    assert evidence + deep.answer_max_tokens + deep.prompt_reserve_tokens < settings.llm_context_tokens
