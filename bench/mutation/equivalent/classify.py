"""Equivalent mutants of the classify row."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    **{
        ("classify", "agent/signals/common.py", MODULE_SCOPE, description): "the Verdict type alias, read by annotations only"
        for description in (
            "element dropped: 'search'", "element dropped: 'chat'", "right operand dropped: Literal['search', 'chat'] | None",
        )
    },
    **{
        ("classify", "agent/classify.py", MODULE_SCOPE, f"element dropped: '{name}'"):
            "__all__ is read only by `from agent.classify import *`, which nothing does; the name stays importable"
        for name in ("Verdict", "about_conversation", "classify", "is_chinese", "is_question", "is_refusal", "write_query")
    },
}
