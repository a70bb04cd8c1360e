"""Equivalent mutants of the protocols row."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    **{
        ("protocols", "agent/protocols/__init__.py", MODULE_SCOPE, description):
            "the ProtocolName and ProtocolSetting type aliases, read by annotations only (Settings.llm_protocol "
            "has its own Literal)"
        for description in ("element dropped: 'megrez'", "element dropped: 'tools'", "element dropped: 'plain'",
                            "element dropped: 'auto'", "element dropped: 'megrez' #2", "element dropped: 'tools' #2",
                            "element dropped: 'plain' #2")
    },
    **{
        ("protocols", "agent/protocols/__init__.py", MODULE_SCOPE, f"element dropped: '{name}'"):
            "__all__ is read only by `from agent.protocols import *`, which nothing does; the name stays importable"
        for name in ("PROTOCOLS", "Decision", "Generation", "ModelProtocol", "ProtocolChoice", "ProtocolContext", "detect")
    },
    ("protocols", "agent/protocols/__init__.py", "ProtocolChoice.__init__", "setting == 'auto': Eq -> NotEq #2"):
        "`how` is only the debug log's word (detected or set); the mutators leave log calls alone for that reason",
    ("protocols", "agent/protocols/base.py", "Generation", "True -> False"):
        "frozen only refuses assignment: the generation settings are built per request and only read",
    ("protocols", "agent/protocols/base.py", "Decision", "False -> True"):
        "echoed's default: every Decision carrying an answer sets echoed itself, and one carrying a query is "
        "never asked (decide reads echoed only when there is no query)",
    **{
        ("protocols", path, scope, "operand dropped: ''"):
            "replayed() keeps only rounds whose observation is set (a str, maybe empty): `or ''` is never taken"
        for path, scope in (("agent/protocols/megrez.py", "round_messages"), ("agent/protocols/tools.py", "tool_rounds"))
    },
    ("protocols", "agent/protocols/tools.py", "usable_query", "operand dropped: bool(query)"):
        "an empty query shares no word with the conversation: about_conversation refuses it all the same",
    ("protocols", "agent/protocols/tools.py", "usable_query", "30 -> 31"):
        "the English description's first 30 characters end mid-word ('…query that na'), so a query holding "
        "them holds the 31st too whenever a model copied the description; the Chinese one is 24 characters, "
        "whole either way",
}
