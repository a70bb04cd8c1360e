"""The evidence policy (agent/budget.py): rounds and pages per depth, each round's evidence, when round 1
widens, a request's own budget, and the room the history keeps for all of it."""

from agent.budget import (
    EvidenceBudget,
    evidence_budget,
    for_request,
    for_context_size,
    for_round,
    history_tokens,
    max_rounds,
    pages_per_round,
    round_budget,
)
from agent.evidence_policy import CPU_EVIDENCE
from agent.settings import Settings
from agent.state import AgentState, SearchRound
from core.tokens import count_tokens

SETTINGS = Settings(_env_file=None, max_search_rounds=3, deep_search_rounds=5, search_time_budget_s=20.0)
QUESTION = "How much did the Aurora Bridge cost?"


def at(round_: int, **fields) -> AgentState:
    rounds = [SearchRound(query=f"q{n}", call=f"call {n}") for n in range(1, round_ + 1)]
    return AgentState(question=QUESTION, conversation_id="c", rounds=rounds, **fields)


def test_quick_is_one_round_auto_the_limit_deep_more_and_more_pages():
    assert [max_rounds(SETTINGS, d) for d in ("quick", "auto", "deep")] == [1, 3, 5]
    assert pages_per_round(SETTINGS, "deep") > pages_per_round(SETTINGS, "auto") == SETTINGS.fetch_pages


def test_a_request_naming_no_depth_gets_the_default_depths_rounds_and_pages():
    deep = Settings(_env_file=None, default_depth="deep", fetch_pages=5, deep_fetch_pages=8, deep_search_rounds=5)
    assert (max_rounds(deep, None), pages_per_round(deep, None)) == (5, 8)
    assert (max_rounds(deep, "auto"), pages_per_round(deep, "auto")) == (deep.max_search_rounds, 5)


def test_later_rounds_read_a_smaller_share_so_the_prompt_stays_bounded():
    assert round_budget(SETTINGS, 1) == SETTINGS.context_tokens
    assert round_budget(SETTINGS, 2) == round_budget(SETTINGS, 3) == SETTINGS.context_tokens // 2
    assert evidence_budget(SETTINGS, "auto") == 2 * SETTINGS.context_tokens
    assert evidence_budget(SETTINGS, "quick") == SETTINGS.context_tokens


def test_only_round_one_widens_when_the_ranking_is_unsure():
    first = for_round(SETTINGS, at(1))
    assert first == EvidenceBudget(tokens=1000, source_tokens=350, unsure_tokens=1500, crowd=0.55, lead=0.5)
    later = for_round(SETTINGS, at(2))
    assert (later.tokens, later.source_tokens, later.unsure_tokens) == (500, 350, 0)


def test_a_requests_evidence_budget_grows_every_share_within_the_models_context():
    settings = Settings(_env_file=None)  # 8192-token context, 1000 evidence tokens, 350 a source
    assert for_request(settings, at(1)) is settings
    wide = for_request(settings, at(1, depth="quick", context_tokens=2500))
    assert (wide.context_tokens, wide.source_tokens, wide.unsure_context_tokens) == (2500, 875, 3750)
    assert for_round(settings, at(1, depth="quick", context_tokens=2500)).unsure_tokens == 3750
    # five deep rounds at 2.5 times would not fit the model's context: as much as does
    deep = for_request(settings, at(1, depth="deep", context_tokens=2500))
    assert settings.context_tokens < deep.context_tokens < 2500
    evidence = max(2 * deep.context_tokens, deep.unsure_context_tokens) + evidence_budget(deep, "deep") - deep.context_tokens
    assert evidence + deep.answer_max_tokens + deep.prompt_reserve_tokens < settings.llm_context_tokens


def test_the_history_keeps_room_for_every_rounds_evidence_the_answer_and_the_prompts():
    settings = Settings(_env_file=None)
    question = 2 * count_tokens(QUESTION)
    # auto: 3 rounds; round 1 twice its 1000 (never under the unsure 1500), two later rounds of 500
    auto = 8192 - 768 - 800 - 2 * 120 - 3 * question - (2000 + 1000)
    assert history_tokens(settings, QUESTION, "auto") == auto
    assert history_tokens(settings, QUESTION, "quick") == 8192 - 768 - 800 - question - 2000
    assert history_tokens(settings, QUESTION, "deep") < auto


def test_the_cpu_reads_less_evidence_over_fewer_rounds():
    cpu = Settings(_env_file=None, **CPU_EVIDENCE)
    assert (cpu.context_tokens, cpu.source_tokens, cpu.unsure_context_tokens) == (450, 250, 700)
    assert max_rounds(cpu, None) == 1 and max_rounds(cpu, "auto") == 2


def test_a_requests_search_context_size_scales_the_evidence_budget():
    # Perplexity's and the Responses API's low / medium / high: low is the service's own budget.
    assert [for_context_size(SETTINGS, s) for s in ("low", "medium", "high")] == [
        SETTINGS.context_tokens, int(SETTINGS.context_tokens * 1.5), int(SETTINGS.context_tokens * 2.5)
    ]
    assert for_context_size(SETTINGS, None) is None  # no size asked: the service's budget, unscaled
