"""Decide: the model, offered the search function, answers at once or writes a search query."""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.events import Status, emit
from agent.messages import conversation, render_call
from agent.reply import stream_reply
from agent.state import AgentState
from inference.base import GenerationParams
from inference.megrez import STOP


async def decide(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    websearch = state.search != "never"
    emit(Status(stage="deciding"))
    params = GenerationParams(
        # Near-greedy for the function-call step (as the reference demo), chat temperature otherwise.
        temperature=0.2 if websearch else 0.7,
        max_tokens=deps.settings.decide_max_tokens if websearch else deps.settings.answer_max_tokens,
        stop=STOP,
    )
    # A direct answer streams to the client as it is written, unless a search is forced anyway.
    reply = await stream_reply(
        deps.llm,
        conversation(state, deps.today(), websearch=websearch),
        params,
        sources=set(),
        show=state.search != "always",
        route=deps.route(state.conversation_id),
    )

    if state.search == "never":  # the chat prompt offers no function: a stray call is not followed
        return {"model_answer": reply.text.strip(), "searched": False}
    query = (reply.call.arguments.get("query") or "").strip() if reply.call else ""
    if reply.call and not query:
        query = state.question
    if reply.error is not None and not query:
        # The model meant to search but garbled the call: search for the question as asked.
        query = state.question
    if not query and state.search == "always":
        query = state.question
    if query:
        # Text the model wrote before its call was already shown: it stays in the final answer.
        preamble = reply.shown_text if reply.shown else ""
        return {"queries": [query], "function_call": render_call(query), "searched": True, "preamble": preamble}
    return {"model_answer": reply.text.strip(), "searched": False}


def route(state: AgentState) -> Literal["search", "cite"]:
    return "search" if state.searched else "cite"
