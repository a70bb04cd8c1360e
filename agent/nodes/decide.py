"""Decide: answer at once or write a search query — however the configured model can say so.

The protocol (agent/protocols) does the deciding: Megrez's text function calls, native `tools`, or
the bilingual rule for models that can call nothing. A server that refuses `tools` moves the process
to `plain` and this request is decided again, the user seeing no error.
"""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime

from agent.classify import classify, write_query
from agent.deps import Deps
from agent.events import Stage, Status, emit
from agent.no_answer import give_no_answer
from agent.protocols.base import Decision
from agent.protocols.megrez import render_call
from agent.state import AgentState
from inference.base import ToolsUnsupported


async def decide(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    emit(Status(stage=Stage.DECIDING))
    decision = by_rule(state) if deps.settings.search_by_rule else None
    if decision is None:
        try:
            decision = await deps.protocol.protocol.decide(state, deps)
        except ToolsUnsupported as exc:  # raised before anything was streamed
            decision = await deps.protocol.tools_refused(exc.message).decide(state, deps)
    if decision.query:
        # The saved turn keeps the call in Megrez's canonical spelling whatever the protocol; each
        # protocol re-renders earlier turns its own way.
        return {
            "queries": [decision.query],
            "function_call": render_call(decision.query),
            "searched": True,
            "preamble": decision.preamble,
        }
    if not decision.answer.strip():
        # Nothing, or only our own instructions repeated: one clear line instead of an empty answer.
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
