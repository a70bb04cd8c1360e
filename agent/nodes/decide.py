"""Decide: answer at once or write a search query — however the configured model can say so.

The protocol (agent/protocols) does the deciding: Megrez's text function calls, native `tools`, or
the bilingual rule for models that can call nothing. A server that refuses `tools` moves the process
to `plain` and this request is decided again, the user seeing no error.
"""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime

from agent.citations import says_something
from agent.classify import classify, write_query
from agent.deps import Deps
from agent.events import Stage, Status, emit
from agent.no_answer import give_no_answer
from agent.protocols.base import Decision
from agent.state import AgentState, SearchRound
from inference.base import ToolsUnsupported


async def decide(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    emit(Status(stage=Stage.DECIDING))
    context = deps.protocol_context(state.conversation_id)
    protocol = deps.protocol.protocol
    decision = by_rule(state) if deps.settings.search_by_rule else None
    if decision is None:
        try:
            decision = await protocol.decide(state, context)
        except ToolsUnsupported as exc:  # raised before anything was streamed
            protocol = deps.protocol.tools_refused(exc.message)
            decision = await protocol.decide(state, context)
    if decision.query:
        # Round 1: the call as the protocol records it (each protocol re-renders earlier turns its
        # own way), and the words the reader saw before it (they stay in the final answer).
        first = SearchRound(query=decision.query, shown=decision.preamble, call=protocol.render_call(decision.query))
        return {"rounds": [first], "searched": True}
    if not says_something(decision.answer, []):
        # Nothing, only our own instructions repeated, or only markers to sources there are none of
        # (dropped): one clear line instead of an empty answer.
        why = give_no_answer(state.language, sources=False, echoed=decision.echoed)
        return {"model_answer": "", "searched": False, "no_answer": why}
    return {"model_answer": decision.answer, "searched": False}


def by_rule(state: AgentState) -> Decision | None:
    """A search the request or the bilingual rule already decides (`search_by_rule`, the CPU profile):
    no generation spent on choosing it. None: the model decides."""
    if state.search == "always":
        return Decision(query=write_query(state.question, state.history), decided_by="forced")
    if state.search == "auto" and classify(state.question) == "search":
        return Decision(query=write_query(state.question, state.history), decided_by="rule")
    return None


def route(state: AgentState) -> Literal["search", "cite"]:
    return "search" if state.searched else "cite"
