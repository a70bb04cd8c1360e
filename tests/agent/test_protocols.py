"""Choosing the model protocol: by setting, by the served model's name, and the fallback from tools."""

from __future__ import annotations

from datetime import date

from agent.protocols import PROTOCOLS, ProtocolChoice, detect
from agent.protocols.tools import tools_conversation
from agent.state import AgentState, Turn


def test_auto_detects_megrez_by_name_else_tools_else_plain():
    assert detect("megrez", None) == "megrez"
    assert detect("Infinigence/Megrez-3B-Instruct", None) == "megrez"
    assert detect("Qwen/Qwen2.5-7B-Instruct", None) == "tools"
    assert detect("SmolLM2 135M Instruct", True) == "tools"
    assert detect("some-gguf", False) == "plain"


def test_a_setting_overrides_detection_and_every_name_is_registered():
    assert ProtocolChoice("plain", model_name="megrez").name == "plain"
    assert ProtocolChoice("auto", model_name="llama3.1:8b").name == "tools"
    assert set(PROTOCOLS) == {"megrez", "tools", "plain"}


def test_tools_refused_falls_back_to_plain_once_and_remembers():
    choice = ProtocolChoice("auto", model_name="gemma:2b")
    assert choice.tools_refused("HTTP 400: no tools").name == "plain"
    assert choice.name == "plain" and choice.fell_back == "HTTP 400: no tools"
    megrez = ProtocolChoice("auto", model_name="megrez")
    assert megrez.tools_refused("x").name == "megrez"  # nothing to fall back from


def test_tools_history_replays_the_call_and_its_results_byte_identical():
    turn = Turn(
        question="When did the Aurora Bridge open?",
        answer="In May [1].",
        model_answer="In May [citation:1].",
        function_call="x",
        observation="Search results for ...",
        queries=["Aurora Bridge open"],
        searched=True,
    )
    state = AgentState(question="And its cost?", conversation_id="c", history=[turn])
    first = [m.wire() for m in tools_conversation(state, date(2026, 1, 2))]
    again = [m.wire() for m in tools_conversation(state, date(2026, 1, 2))]
    assert first == again
    roles = [m["role"] for m in first]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert first[2]["tool_calls"][0]["function"] == {"name": "search", "arguments": '{"query": "Aurora Bridge open"}'}
    assert first[3]["tool_call_id"] == first[2]["tool_calls"][0]["id"]
    assert "<|function_start|>" not in str(first)


def test_every_registered_protocol_says_everything_the_nodes_ask_of_it():
    from agent.protocols import ModelProtocol

    asked = {name for name in vars(ModelProtocol) if not name.startswith("_")} | set(ModelProtocol.__annotations__)
    assert {"render_call", "reply_text", "notes_system", "related_system", "turn_messages", "can_batch", "side_stop"} <= asked
    for name, make in PROTOCOLS.items():
        protocol = make()
        assert protocol.name == name
        assert [a for a in sorted(asked) if not hasattr(protocol, a)] == [], name


def _about(length: int) -> str:
    """A query about the Aurora Bridge, exactly `length` characters long."""
    return ("Aurora Bridge Veldmark cost " * 20)[: length - 1] + "x"


def test_a_tools_models_query_may_run_to_200_characters_or_three_times_the_questions_length():
    from agent.protocols.tools import usable_query

    short = AgentState(question="How much did the Aurora Bridge cost?", conversation_id="c")  # 36 characters
    assert usable_query(_about(200), short) and not usable_query(_about(201), short)
    long = AgentState(question="How much did the Aurora Bridge in Veldmark cost " + "in total " * 8 + "?", conversation_id="c")
    limit = 3 * len(long.question)
    assert limit > 200
    assert usable_query(_about(limit), long) and not usable_query(_about(limit + 1), long)


def test_a_tools_models_query_copying_either_languages_parameter_description_is_not_used():
    import prompts
    from agent.protocols.tools import usable_query

    state = AgentState(question="How much did the Aurora Bridge cost?", conversation_id="c")
    assert usable_query("Aurora Bridge cost", state)
    for language in ("en", "zh"):
        described = prompts.search_function(language)["parameters"]["properties"]["query"]["description"]
        assert not usable_query(f"Aurora Bridge {described}", state), language
    assert not usable_query("", state) and not usable_query("2024-05-01T10:00:00Z", state)
