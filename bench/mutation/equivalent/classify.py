"""Equivalent mutants of the classify row."""

from __future__ import annotations

from bench.mutation.mutators import MODULE_SCOPE

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    **{
        ("classify", "agent/classify.py", MODULE_SCOPE, description): "the Verdict type alias, read by annotations only"
        for description in (
            "element dropped: 'search'", "element dropped: 'chat'", "right operand dropped: Literal['search', 'chat'] | None",
        )
    },
}
