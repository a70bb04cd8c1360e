"""The `plain` protocol, for a model that can call nothing: the bilingual rule decides, the model answers.

No model request is spent on deciding: a question the rule places as needing the web (people,
places, numbers, dates, news, prices, "latest"…) — or cannot place but is a question — is searched
for, with the query written from the conversation; anything else (greetings, rewriting, translation,
arithmetic) is answered by the model at once. The answer step sends the numbered results as a user
turn, which every chat model understands.
"""

from __future__ import annotations

from datetime import date

import prompts
from agent.classify import classify, is_question, write_query
from agent.protocols.base import SIDE_STOP, Decision, ProtocolContext, canonical_call, marker_free
from agent.reply import stream_reply
from agent.state import AgentState, Language, Turn, replayed
from inference.base import GenerationParams, Message


def plain_turn(turn: Turn) -> list[Message]:
    """An earlier turn as question and answer (the results it read are not repeated)."""
    return [Message(role="user", content=turn.question), Message(role="assistant", content=turn.model_answer)]


def plain_conversation(state: AgentState, day: date) -> list[Message]:
    messages = [Message(role="system", content=prompts.plain_system(state.language, day))]
    for turn in state.history:
        messages.extend(plain_turn(turn))
    return messages


def rule_wants_search(question: str) -> bool:
    verdict = classify(question)
    return verdict == "search" or (verdict is None and is_question(question))


class PlainProtocol:
    name = "plain"
    stop: list[str] = []
    can_search_again = False  # a model that can call nothing never searches twice
    can_batch = False  # chat_batch would render Megrez's template: one chat request each
    side_stop = SIDE_STOP

    def render_call(self, query: str) -> str:
        return canonical_call(query)  # the saved turn's spelling, replayed by whichever protocol reads it

    def reply_text(self, text: str) -> str:
        return marker_free(text)

    def notes_system(self, language: Language, day: date) -> str:
        return prompts.chat_system(language, day)  # as condense has always sent to every model

    def related_system(self, language: Language, day: date) -> str:
        return prompts.plain_system(language, day)

    def turn_messages(self, turn: Turn) -> list[Message]:
        return plain_turn(turn)

    async def decide(self, state: AgentState, context: ProtocolContext) -> Decision:
        if state.search == "always":
            return Decision(query=write_query(state.question, state.history), decided_by="forced")
        if state.search == "auto" and rule_wants_search(state.question):
            return Decision(query=write_query(state.question, state.history), decided_by="rule")
        return await answer_directly(state, context)

    def answer_messages(self, state: AgentState, day: date) -> list[Message]:
        # The answer prompt (the numbered contexts and the question), asked as a user turn. A model
        # that can call nothing never searches twice: there is one round.
        read = replayed(state.rounds)
        return [*plain_conversation(state, day), Message(role="user", content=read[0].observation if read else "")]

    def answer_tools(self, state: AgentState) -> list[dict] | None:
        return None


async def answer_directly(state: AgentState, context: ProtocolContext) -> Decision:
    """The model's own answer, streamed as written, no function offered (any model can do this)."""
    params = GenerationParams(
        temperature=context.generation.chat_temperature,
        max_tokens=context.generation.answer_max_tokens,
        response_format=state.response_format,
    )
    messages = [*plain_conversation(state, context.today), Message(role="user", content=state.question)]
    reply = await stream_reply(context.llm, messages, params, sources=set(), show=True, route=context.route)
    return Decision(answer=reply.text.strip(), decided_by="rule", echoed=reply.echoed)
