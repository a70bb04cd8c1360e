"""Megrez's own protocol: the function offered in the system prompt, calls written as text markers.

Byte for byte what the service always sent (the prefix cache depends on it): the messages come from
agent.messages, the call from the stream-safe parser in inference.megrez.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from agent import messages as megrez_messages
from agent.protocols.base import Decision
from agent.reply import stream_reply
from agent.state import AgentState
from inference.base import GenerationParams, Message
from inference.megrez import STOP

if TYPE_CHECKING:
    from agent.deps import Deps


class MegrezProtocol:
    name = "megrez"
    stop = STOP

    async def decide(self, state: AgentState, deps: Deps) -> Decision:
        websearch = state.search != "never"
        params = GenerationParams(
            # Near-greedy for the function-call step (as the reference demo), chat temperature otherwise.
            temperature=deps.settings.decide_temperature if websearch else deps.settings.chat_temperature,
            max_tokens=deps.settings.decide_max_tokens if websearch else deps.settings.answer_max_tokens,
            stop=STOP,
        )
        # A direct answer streams to the client as it is written, unless a search is forced anyway.
        reply = await stream_reply(
            deps.llm,
            megrez_messages.conversation(state, deps.today(), websearch=websearch),
            params,
            sources=set(),
            show=state.search != "always",
            route=deps.route(state.conversation_id),
        )
        if state.search == "never":  # the chat prompt offers no function: a stray call is not followed
            return Decision(answer=reply.text.strip())
        query = (reply.call.arguments.get("query") or "").strip() if reply.call else ""
        if reply.call and not query:
            query = state.question
        if reply.error is not None and not query:
            # The model meant to search but garbled the call: search for the question as asked.
            query = state.question
        decided_by = "model"
        if not query and state.search == "always":
            query, decided_by = state.question, "forced"
        if query:
            # Text the model wrote before its call was already shown: it stays in the final answer.
            return Decision(query=query, preamble=reply.shown_text if reply.shown else "", decided_by=decided_by)
        return Decision(answer=reply.text.strip())

    def answer_messages(self, state: AgentState, day: date, results: str) -> list[Message]:
        return megrez_messages.answer_messages(state, day, results)
