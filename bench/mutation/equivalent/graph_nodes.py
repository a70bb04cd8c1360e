"""Equivalent mutants of the graph-nodes row."""

from __future__ import annotations

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("graph-nodes", "agent/nodes/condense.py", "_notes", "operand dropped: not text"):
        "an empty reply gives '' instead of None: the one caller keeps notes only `if notes`, and both are false",
    **{
        ("graph-nodes", "agent/nodes/condense.py", "condense", description):
            "the index a condensed source is given here is never read: continue_numbering numbers every new "
            "source after the earlier rounds' (and a page read before keeps its old number)"
        for description in ("1 -> 2", "len(sources) + 1: Add -> Sub", "right operand dropped: len(sources) + 1",
                            "left operand dropped: len(sources) + 1")
    },
    **{
        ("graph-nodes", "agent/nodes/load_history.py", "history_window", description):
            "once every turn is dropped (start == len(turns)) the running total is 0 and so is the turn count, "
            "so neither `total > refill * budget` nor `… > refill * max_turns` holds for a budget and a cap >= 0 "
            "(load_history passes max(budget, 0)): the loop ends there with or without the bound"
        for description in ("start < len(turns): Lt -> LtE", "operand dropped: start < len(turns)")
    },
    ("graph-nodes", "agent/nodes/load_history.py", "load_history", "0 -> 1"):
        "the previous window's start with no turns stored: history_window clamps any start to len(turns) = 0",
    ("graph-nodes", "agent/nodes/load_history.py", "load_history", "0 -> 1 #2"):
        "a budget of 1 token instead of 0 when the question leaves no room: every turn costs at least 8 "
        "(two messages' framing), so no turn fits either way",
    ("graph-nodes", "agent/nodes/load_history.py", "load_history", "operand dropped: settings.default_depth"):
        "a request naming no depth keeps depth None: every reader (agent/budget.py: max_rounds, pages_per_round, "
        "history_tokens) takes `depth or settings.default_depth` itself, and the depth is in no response",
    ("graph-nodes", "agent/nodes/load_history.py", "turn_words", "operand dropped: ''"):
        "replayed() yields only rounds whose observation is not None: `or ''` never applies",
    **{
        ("graph-nodes", "agent/nodes/related.py", "related", description):
            "related_done is read only by related's route: in the final round the answer step routes to cite "
            "itself, in the same superstep (answer and related run side by side), so cite runs once either way "
            "and the questions returned with it land in the state all the same"
        for description in ("True -> False", "True -> False #3")
    },
    ("graph-nodes", "agent/nodes/related.py", "related", "call removed: await asyncio.gather(writing, return_exceptions=True)"):
        "the draft's request is cancelled either way (tests/agent/test_graph.py: dropped, never written); waiting "
        "for the cancelled task only lets its clean-up run before the step returns, not after: the same requests "
        "end, the same state and events follow",
    ("graph-nodes", "agent/nodes/save.py", "save", "guard removed: if not state.answer.strip()"):
        "a net no run reaches: the answer is cite's join of what was shown (each round's words before a call, "
        "then the final text), and every final text is words or the no-answer line: decide and the answer step "
        "both test the reply rewritten as cite rewrites it (markers to no source dropped) and give the line "
        "when nothing is left, and a final reply with words showed them (shown_answer is that shown text)",
    ("graph-nodes", "agent/nodes/verify.py", "verify", "1000 -> 1001"):
        "with no claims nothing was checked: verify_ms is 0, and 0 / 1001 is 0 / 1000",
    ("graph-nodes", "agent/nodes/verify.py", "verify", "1000 -> 1001 #3"):
        "ahead_s only adds the checks' time to the verify stage's measured wall-clock time (agent/graph.py, the "
        "stage histogram and timings): a thousandth of it less is within that clock's own variation, so no test "
        "can tell it without timing (the checks' own figure, observe_verify, is pinned exactly by "
        "tests/api/rest/test_claims.py)",
    ("graph-nodes", "agent/nodes/condense.py", "condense", "operand dropped: not state.passages"):
        "with no passages select_sources finds nothing to pack (its fallback is a page's own first passage): "
        "0 tokens always fit the round's budget, and the step returns {} just below",
}
