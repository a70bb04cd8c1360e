"""Prompts are built so that each request shares the longest possible prefix with the last one."""

import json
from datetime import date

import prompts

from agent.nodes.answer import observation
from agent.nodes.load_history import history_window, turn_cost
from agent.protocols.megrez import answer_messages, conversation, render_call
from agent.rounds import record_observation
from agent.state import AgentState, SearchRound, Turn
from core.tokens import count_tokens
from search.models import Source

DAY = date(2026, 11, 23)


def state(question: str, history: list[Turn] = (), **extra) -> AgentState:
    return AgentState(question=question, conversation_id="c", history=list(history), **extra)


def turn(q: str, a: str) -> Turn:
    return Turn(question=q, answer=a, model_answer=a)


def searching(query: str) -> list[SearchRound]:
    """Round 1 as the decide step records it: the call alone."""
    return [SearchRound(query=query, call=render_call(query))]


def observed(s: AgentState, results: str) -> AgentState:
    """The state once the answer node has recorded the round's results (as the graph does)."""
    return s.model_copy(update=record_observation(s, results))


def test_answer_prompt_extends_the_decide_prompt():
    s = state(
        "How much did it cost?",
        [turn("When did it open?", "In 2021 [citation:1].")],
        rounds=searching("Aurora Bridge cost"),
        sources=[Source(index=1, url="https://a.eu", title="Aurora", context="It cost 420 million euros.")],
    )
    decide = conversation(s, DAY, websearch=True)
    answer = answer_messages(observed(s, observation(s)), DAY)
    assert answer[: len(decide)] == decide
    assert answer[-2].role == "assistant" and "Aurora Bridge cost" in answer[-2].content
    assert answer[-1].role == "observation"
    assert "[[citation:1]] Aurora (https://a.eu)" in answer[-1].content


def test_follow_up_prompt_starts_with_the_earlier_turns_verbatim():
    first = turn("When did it open?", "In 2021 [citation:1].")
    one = conversation(state("When did it open?"), DAY, websearch=True)
    two = conversation(state("And the cost?", [first]), DAY, websearch=True)
    assert two[: len(one)] == one
    assert two[len(one)].content == "In 2021 [citation:1]."


def test_call_is_rendered_canonically():
    assert render_call("青川大桥 投资") == (
        '<|function_start|>{"name": "search", "arguments": {"query": "青川大桥 投资"}}<|function_end|>'
    )


def test_history_is_trimmed_by_whole_oldest_turns_only_when_the_budget_demands():
    turns = [turn(f"question {i}", "word " * 100) for i in range(10)]
    cost = turn_cost(turns[0])
    assert history_window(turns, start=0, max_turns=50, budget_tokens=100_000) == 0  # all fit: nothing dropped
    start = history_window(turns, start=0, max_turns=50, budget_tokens=4 * cost)
    assert 6 <= start < 10  # whole oldest turns dropped, the newest kept
    assert sum(turn_cost(t) for t in turns[start:]) <= 4 * cost
    assert history_window(turns, start=0, max_turns=5, budget_tokens=100_000) >= 5  # the turn cap


def same_cost_turns(n: int) -> tuple[list[Turn], int]:
    turns = [turn(f"question {i}", "word " * 100) for i in range(n)]
    assert len({turn_cost(t) for t in turns}) == 1
    return turns, turn_cost(turns[0])


def test_a_history_exactly_at_its_caps_is_kept_whole():
    turns, cost = same_cost_turns(10)
    assert history_window(turns, start=0, max_turns=10, budget_tokens=10 * cost) == 0  # tokens and turns at the cap
    assert history_window(turns, start=2, max_turns=8, budget_tokens=8 * cost) == 2  # from a later start alike


def test_over_a_cap_the_window_jumps_to_the_turns_that_take_at_most_the_refill_share():
    turns, cost = same_cost_turns(11)
    # one turn over the token budget of ten: whole oldest turns go until the rest takes 0.6 of it (six)
    assert history_window(turns, start=0, max_turns=50, budget_tokens=10 * cost) == 5
    # one turn over the cap of ten turns: the same, counted in turns
    assert history_window(turns, start=0, max_turns=10, budget_tokens=100_000) == 5
    # and from the window's earlier start, never back before it
    assert history_window(turns, start=3, max_turns=7, budget_tokens=100_000) == 7


def test_a_turn_costs_each_replayed_message_and_four_tokens_of_framing_each():
    question, answer = "When did the Aurora Bridge open?", "It opened in 2021 [citation:1]."
    plain = turn(question, answer)
    assert turn_cost(plain) == count_tokens(question) + count_tokens(answer) + 2 * 4
    call, results = render_call("Aurora Bridge opening"), "[[citation:1]] Aurora (https://a.eu)\nIt opened in 2021."
    searched = Turn(question=question, answer=answer, model_answer=answer,
                    rounds=[SearchRound(query="Aurora Bridge opening", call=call, observation=results)])
    assert turn_cost(searched) == turn_cost(plain) + count_tokens(call) + count_tokens(results) + 2 * 4
    # a round saved with no call recorded replays none of itself: it costs nothing
    uncalled = Turn(question=question, answer=answer, model_answer=answer,
                    rounds=[SearchRound(query="Aurora Bridge opening", call="", observation=results)])
    assert turn_cost(uncalled) == turn_cost(plain)


def test_the_window_is_sticky_so_follow_ups_keep_their_prefix():
    turns = [turn(f"question {i}", "word " * 100) for i in range(12)]
    budget = 5 * turn_cost(turns[0])
    starts = []
    start = 0
    for n in range(1, len(turns) + 1):  # the conversation grows one turn at a time
        start = history_window(turns[:n], start=start, max_turns=50, budget_tokens=budget)
        starts.append(start)
    assert starts == sorted(starts)  # never moves back
    # after a trim the start stays put for the next turns: only a few distinct cut points
    assert len(set(starts)) <= 4
    changes = sum(1 for a, b in zip(starts, starts[1:]) if a != b)
    assert changes < len(turns) - 5


def test_follow_up_begins_with_the_whole_previous_answer_prompt_and_answer():
    s1 = state(
        "When did the Aurora Bridge open?",
        rounds=searching("Aurora Bridge opening"),
        sources=[Source(index=1, url="https://a.eu", title="Aurora", context="It opened in 2021.")],
    )
    results = observation(s1)
    previous = answer_messages(observed(s1, results), DAY)
    saved = Turn(
        question=s1.question,
        answer="It opened in 2021 [1].",
        model_answer="It opened in 2021 [citation:1].",
        rounds=observed(s1, results).rounds,
    )
    follow_up = conversation(state("And the cost?", [saved]), DAY, websearch=True)
    assert follow_up[: len(previous)] == previous
    assert follow_up[len(previous)].content == "It opened in 2021 [citation:1]."
    assert follow_up[-1].content == "And the cost?"


def test_a_turn_saved_before_rounds_loads_and_renders_exactly_as_before():
    # What Redis holds for a turn saved before search rounds: one call, one observation, no rounds.
    stored = {
        "question": "When did the Aurora Bridge open?",
        "answer": "In 2021 [1].",
        "model_answer": "In 2021 [citation:1].",
        "function_call": render_call("Aurora Bridge opening"),
        "observation": "[[citation:1]] Aurora (https://a.eu)\nIt opened in 2021.",
        "history_start": 0,
        "queries": ["Aurora Bridge opening"],
        "sources": [],
        "citations": [],
        "searched": True,
        "created_at": "2026-11-01T10:00:00Z",
    }
    old = Turn.model_validate_json(json.dumps(stored))
    assert [(r.query, r.call, r.observation) for r in old.rounds] == [
        ("Aurora Bridge opening", stored["function_call"], stored["observation"])
    ]
    rendered = conversation(state("And the cost?", [old]), DAY, websearch=True)
    assert [(m.role, m.content) for m in rendered[1:-1]] == [
        ("user", stored["question"]),
        ("assistant", stored["function_call"]),
        ("observation", stored["observation"]),
        ("assistant", stored["model_answer"]),
    ]


def test_a_two_round_turn_renders_both_calls_and_observations_and_the_next_round_extends_the_last():
    s1 = state(
        "Where was the author of The Lantern Orchard born?",
        rounds=searching("Lantern Orchard author"),
        sources=[Source(index=1, url="https://a.eu", title="Novel", context="It is by Ilse Varga.")],
    )
    round_one = answer_messages(observed(s1, observation(s1)), DAY)
    text = "It is by Ilse Varga [citation:1]. "
    s2 = s1.model_copy(
        update={
            "round_start": 1,
            "rounds": [
                *observed(s1, observation(s1)).rounds,
                SearchRound(query="Ilse Varga birthplace", text=text, call=text + render_call("Ilse Varga birthplace")),
            ],
            "sources": [*s1.sources, Source(index=2, url="https://b.eu", title="Profile", context="Born in Kessel Point.")],
        }
    )
    round_two = answer_messages(observed(s2, observation(s2)), DAY)
    assert round_two[: len(round_one)] == round_one  # append-only: round 2's prompt extends round 1's
    assert round_two[len(round_one)].content == text + render_call("Ilse Varga birthplace")
    assert "[[citation:2]] Profile" in round_two[-1].content and "[[citation:1]]" not in round_two[-1].content
    saved = Turn(
        question=s2.question,
        answer="…",
        model_answer="She was born in Kessel Point [citation:2].",
        rounds=observed(s2, round_two[-1].content).rounds,
    )
    follow_up = conversation(state("What else did she write?", [saved]), DAY, websearch=True)
    assert follow_up[: len(round_two)] == round_two  # the follow-up begins with the whole round-2 prompt
    assert follow_up[len(round_two)].content == saved.model_answer


def test_a_tools_answer_prompt_replays_each_round_as_a_tool_call_with_its_own_id():
    from agent.protocols.tools import ToolsProtocol

    rounds = [
        SearchRound(query="青川大桥 投资", call=render_call("青川大桥 投资"), observation="[[citation:1]] 青川"),
        SearchRound(query="Qingchuan Bridge cost", text="It is in Sichuan. ", call="x", observation="[[citation:2]] Q"),
    ]
    earlier = Turn(question="When did it open?", answer="In 2021.", model_answer="In 2021 [citation:1].",
                   rounds=[SearchRound(query="Qingchuan Bridge open", call="x", observation="[[citation:1]] open")])
    wire = [m.wire() for m in ToolsProtocol().answer_messages(state("青川大桥的总投资是多少？", [earlier], rounds=rounds), DAY)]
    assert [m["role"] for m in wire] == ["system", "user", "assistant", "tool", "assistant", "user",
                                         "assistant", "tool", "assistant", "tool"]
    calls = [(m["content"], m["tool_calls"][0]["id"], m["tool_calls"][0]["function"]["arguments"])
             for m in wire if m.get("tool_calls")]
    assert calls == [
        ("", "call_search", '{"query": "Qingchuan Bridge open"}'),  # every turn's first call: the same id
        ("", "call_search", '{"query": "青川大桥 投资"}'),  # the query as written, not \\u-escaped
        ("It is in Sichuan. ", "call_search_2", '{"query": "Qingchuan Bridge cost"}'),
    ]
    assert [(m["tool_call_id"], m["content"]) for m in wire if m["role"] == "tool"] == [
        ("call_search", "[[citation:1]] open"), ("call_search", "[[citation:1]] 青川"), ("call_search_2", "[[citation:2]] Q")
    ]


def test_a_plain_answer_prompt_is_the_conversation_then_the_results_as_a_user_turn():
    from agent.protocols.plain import PlainProtocol

    earlier = Turn(question="When did it open?", answer="In 2021.", model_answer="In 2021 [citation:1].",
                   rounds=[SearchRound(query="Aurora Bridge open", call="x", observation="[[citation:1]] open")])
    rounds = [SearchRound(query="Aurora Bridge cost", call="x", observation="[[citation:1]] It cost 420 million euros.")]
    sent = PlainProtocol().answer_messages(state("And the cost?", [earlier], rounds=rounds), DAY)
    assert [(m.role, m.content) for m in sent[1:]] == [
        ("user", "When did it open?"),  # an earlier turn as question and answer, its results not repeated
        ("assistant", "In 2021 [citation:1]."),
        ("user", "[[citation:1]] It cost 420 million euros."),
    ]
    assert (sent[0].role, sent[0].content) == ("system", prompts.plain_system("en", DAY))


def test_a_turn_saved_with_no_call_or_no_query_replays_no_call():
    from agent.protocols.tools import tools_conversation

    stored = {"question": "When did the Aurora Bridge open?", "answer": "In 2021 [1].", "model_answer": "In 2021 [citation:1].",
              "observation": "[[citation:1]] Aurora (https://a.eu)\nIt opened in 2021.", "searched": True}
    no_call = Turn.model_validate({**stored, "queries": ["Aurora Bridge opening"]})  # Megrez replays the call it made
    no_query = Turn.model_validate({**stored, "function_call": render_call("Aurora Bridge opening")})  # tools, the query
    asked = [("user", stored["question"]), ("assistant", stored["model_answer"])]
    assert [(m.role, m.content) for m in conversation(state("And the cost?", [no_call]), DAY, websearch=True)[1:-1]] == asked
    assert [(m.role, m.content) for m in tools_conversation(state("And the cost?", [no_query]), DAY)[1:-1]] == asked
