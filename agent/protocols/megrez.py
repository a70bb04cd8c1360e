"""Megrez's own protocol: the function offered in the system prompt, calls written as text markers.

Byte for byte what the service always sent (the prefix cache depends on it), the call read by the
stream-safe parser in inference.megrez. The messages are built so that consecutive prompts share the
longest prefix. Order: system prompt (identical for everyone on a given day), earlier turns exactly
as the model wrote them, the question, then (answer step only) the search call and its results: the
volatile contexts come last so everything before them can come from vLLM's prefix cache.
"""

from __future__ import annotations

from datetime import date

import prompts
from agent.protocols.base import SIDE_STOP, Decision, ProtocolContext, canonical_call, marker_free
from agent.reply import stream_reply
from agent.state import AgentState, Language, SearchRound, Turn, replayed
from inference.base import GenerationParams, Message
from inference.megrez import STOP

render_call = canonical_call  # the call as Megrez writes it, in its one canonical spelling


def round_messages(rounds: list[SearchRound]) -> list[Message]:
    """Every search round as the model saw it: each call, then what it read (append-only)."""
    messages: list[Message] = []
    for round_ in replayed(rounds):
        if not round_.call:  # a turn saved with no call recorded replays none
            break
        messages.append(Message(role="assistant", content=round_.call))
        messages.append(Message(role="observation", content=round_.observation or ""))
    return messages


def turn_messages(turn: Turn) -> list[Message]:
    """An earlier turn exactly as the model saw and wrote it (every round of it)."""
    return [
        Message(role="user", content=turn.question),
        *round_messages(turn.rounds),
        Message(role="assistant", content=turn.model_answer),
    ]


def conversation(state: AgentState, day: date, *, websearch: bool) -> list[Message]:
    system = (prompts.websearch_system if websearch else prompts.chat_system)(state.language, day)
    messages = [Message(role="system", content=system)]
    for turn in state.history:
        messages.extend(turn_messages(turn))
    messages.append(Message(role="user", content=state.question))
    return messages


def answer_messages(state: AgentState, day: date) -> list[Message]:
    """The decide prompt, then each round's search call and its results (the state holds them)."""
    return [*conversation(state, day, websearch=True), *round_messages(state.rounds)]


class MegrezProtocol:
    name = "megrez"
    stop = STOP
    can_search_again = True  # another function call in the answer
    can_batch = True  # chat_batch renders Megrez's own template
    side_stop = SIDE_STOP

    def render_call(self, query: str) -> str:
        return render_call(query)

    def reply_text(self, text: str) -> str:
        return marker_free(text)

    def notes_system(self, language: Language, day: date) -> str:
        return prompts.chat_system(language, day)

    def related_system(self, language: Language, day: date) -> str:
        return prompts.chat_system(language, day)  # Megrez's own chat prompt names it

    def turn_messages(self, turn: Turn) -> list[Message]:
        return turn_messages(turn)

    async def decide(self, state: AgentState, context: ProtocolContext) -> Decision:
        websearch = state.search != "never"
        generation = context.generation
        params = GenerationParams(
            # Near-greedy for the function-call step (as the reference demo), chat temperature otherwise.
            temperature=generation.decide_temperature if websearch else generation.chat_temperature,
            max_tokens=generation.decide_max_tokens if websearch else generation.answer_max_tokens,
            stop=STOP,
            # Searching is off: this is the answer, held to the caller's schema when one is given.
            response_format=None if websearch else state.response_format,
        )
        # A direct answer streams to the client as it is written, unless a search is forced anyway.
        reply = await stream_reply(
            context.llm,
            conversation(state, context.today, websearch=websearch),
            params,
            sources=set(),
            show=state.search != "always",
            route=context.route,
        )
        if state.search == "never":  # the chat prompt offers no function: a stray call is not followed
            return Decision(answer=reply.text.strip(), echoed=reply.echoed)
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
        return Decision(answer=reply.text.strip(), echoed=reply.echoed)

    def answer_messages(self, state: AgentState, day: date) -> list[Message]:
        return answer_messages(state, day)

    def answer_tools(self, state: AgentState) -> list[dict] | None:
        return None  # the function is offered in the system prompt
