"""Equivalent mutants of the graph-steps row."""

from __future__ import annotations

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("graph-steps", "agent/nodes/answer.py", "answer.first_text", "False -> True"):
        "first_text runs when a reply first shows text (so that reply's shown_text is not empty), and once more "
        "only after a refused call (the second reply's first words, or final's no-answer line); between the two, "
        "`separate = separate or bool(reply.shown_text)` sets it True anyway. A reply that showed text never "
        "reaches final's no-answer path itself (what it showed is its rewritten text, with words in it)",
    ("graph-steps", "agent/nodes/answer.py", "route", "operand dropped: last is not None"):
        "route runs only after the answer step, which the graph reaches only through decide -> search: decide "
        "routes to search only with searched set together with rounds=[round 1], the request cannot set rounds "
        "(AgentInput has none), and no step shortens them, so state.rounds is never empty here",
    ("graph-steps", "agent/nodes/search.py", "search", "state.round > 1: Gt -> GtE"):
        "round 1 holds one query (the decision's): its last one is all of them",
}
