"""Decide: the model, offered the search function, answers at once or writes a search query."""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.messages import conversation, render_call
from agent.state import AgentState
from inference.base import GenerationParams
from inference.megrez import STOP, parse_reply


async def decide(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    websearch = state.search != "never"
    messages = conversation(state, deps.today(), websearch=websearch)
    params = GenerationParams(
        # Near-greedy for the function-call step (as the reference demo), chat temperature otherwise.
        temperature=0.2 if websearch else 0.7,
        max_tokens=deps.settings.decide_max_tokens if websearch else deps.settings.answer_max_tokens,
        stop=STOP,
    )
    reply = await deps.llm.chat(messages, params)
    text, call, error = parse_reply(reply.text, {"search"})

    query = (call.arguments.get("query") or "").strip() if call else ""
    if call and not query:
        query = state.question
    if error is not None:
        # The model meant to search but garbled the call: search for the question as asked.
        query = state.question
    if not query and state.search == "always":
        query = state.question
    if query:
        return {"queries": [query], "function_call": render_call(query), "searched": True}
    return {"model_answer": text.strip(), "searched": False}


def route(state: AgentState) -> Literal["search", "cite"]:
    return "search" if state.searched else "cite"
