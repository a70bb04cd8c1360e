"""Equivalent mutants of the graph-steps row."""

from __future__ import annotations

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("graph-steps", "agent/nodes/answer.py", "answer.final", "operand dropped: reply.text.strip()"):
        "rewriting only drops markers and spaces: a reply whose rewritten text has words has words itself",
    ("graph-steps", "agent/nodes/search.py", "search", "state.round > 1: Gt -> GtE"):
        "round 1 holds one query (the decision's): its last one is all of them",
}
