"""The `tools` protocol: the search function offered as OpenAI `tools`, calls read from `tool_calls`.

What vLLM serves with a tool parser (`--enable-auto-tool-choice --tool-call-parser …`), Ollama for
tool-capable models, llama.cpp's server with `--jinja`, and the embedded backend through
llama.cpp's function-calling chat handler. Models this size often answer a factual question from
memory instead of calling, and sometimes call on a greeting: the bilingual rule is the safety net
both ways. A factual question the model answered without a call (and did not refuse) is searched
for anyway — its draft is held back while the model writes, so nothing unsearched is shown — and
what the rule knows needs no web (a greeting, arithmetic, a rewrite) is answered without offering
the tool at all. The model's own choice decides what the rule cannot place, and writes the query.
"""

from __future__ import annotations

import json
from datetime import date

import prompts
from agent.classify import about_conversation, classify, is_refusal, write_query
from agent.protocols.base import SIDE_STOP, Decision, ProtocolContext, canonical_call, marker_free, show_held
from agent.protocols.plain import answer_directly
from agent.reply import stream_reply
from agent.state import AgentState, Language, SearchRound, Turn, replayed
from inference.base import GenerationParams, Message, ToolCall

CALL_ID = "call_search"  # one id for every turn's call: earlier turns re-render byte-identical


def call_id(round_: int) -> str:
    return CALL_ID if round_ <= 1 else f"{CALL_ID}_{round_}"


def search_call(query: str, round_: int = 1) -> ToolCall:
    return ToolCall(id=call_id(round_), name="search", arguments=json.dumps({"query": query}, ensure_ascii=False))


def tool_rounds(rounds: list[SearchRound]) -> list[Message]:
    """Each search round as the model saw it: its tool call (after any words), then the tool's result."""
    messages: list[Message] = []
    for number, round_ in enumerate(replayed(rounds), start=1):
        if not round_.query:  # a turn saved with no query recorded replays no call
            break
        messages.append(Message(role="assistant", content=round_.text, tool_calls=[search_call(round_.query, number)]))
        messages.append(Message(role="tool", content=round_.observation or "", tool_call_id=call_id(number)))
    return messages


def tools_turn(turn: Turn) -> list[Message]:
    """An earlier turn as the model saw it: question, its calls and their results, its answer."""
    return [
        Message(role="user", content=turn.question),
        *tool_rounds(turn.rounds),
        Message(role="assistant", content=turn.model_answer),
    ]


def tools_conversation(state: AgentState, day: date) -> list[Message]:
    messages = [Message(role="system", content=prompts.tools_system(state.language, day))]
    for turn in state.history:
        messages.extend(tools_turn(turn))
    messages.append(Message(role="user", content=state.question))
    return messages


def usable_query(query: str, state: AgentState) -> bool:
    """Small models sometimes copy the parameter's description, run on for a paragraph, or write a
    timestamp or a URL that has nothing to do with the question (SmolLM2 in bench/decide.py)."""
    copied = any(
        prompts.search_function(lang)["parameters"]["properties"]["query"]["description"][:30] in query
        for lang in ("en", "zh")
    )
    return (
        bool(query)
        and not copied
        and len(query) <= max(200, 3 * len(state.question))
        and about_conversation(query, state.question, state.history)
    )


class ToolsProtocol:
    name = "tools"
    stop: list[str] = []
    can_search_again = True  # another tool call in the answer
    can_batch = False  # chat_batch would render Megrez's template: one chat request each
    side_stop = SIDE_STOP

    def render_call(self, query: str) -> str:
        return canonical_call(query)  # the saved turn's spelling; replayed here as a tool call

    def reply_text(self, text: str) -> str:
        return marker_free(text)

    def notes_system(self, language: Language, day: date) -> str:
        return prompts.chat_system(language, day)  # as condense has always sent to every model

    def related_system(self, language: Language, day: date) -> str:
        return prompts.plain_system(language, day)

    def turn_messages(self, turn: Turn) -> list[Message]:
        return tools_turn(turn)

    async def decide(self, state: AgentState, context: ProtocolContext) -> Decision:
        if state.search == "never":
            return await answer_directly(state, context)
        verdict = classify(state.question) if state.search == "auto" else None
        if verdict == "chat":
            # A greeting, a sum, a rewrite: a call would not be followed, so none is offered.
            return await answer_directly(state, context)
        # What the rule says needs the web is held back until we know the model searched or refused.
        hold = state.search == "always" or verdict == "search"
        generation = context.generation
        params = GenerationParams(temperature=generation.decide_temperature, max_tokens=generation.decide_max_tokens)
        reply = await stream_reply(
            context.llm,
            tools_conversation(state, context.today),
            params,
            sources=set(),
            show=not hold,
            route=context.route,
            tools=[prompts.search_tool(state.language)],
        )
        query = str(reply.call.arguments.get("query") or "").strip() if reply.call else ""
        if (reply.call or reply.error) and not usable_query(query, state):
            # It meant to search but wrote no usable query (none, or the parameter's description).
            query = write_query(state.question, state.history)
        if query:
            return Decision(query=query, preamble=reply.shown_text if reply.shown else "")
        if state.search == "always":
            return Decision(query=write_query(state.question, state.history), decided_by="forced")
        if verdict == "search" and not is_refusal(reply.text):
            # A factual question answered from memory: search instead (the draft was never shown).
            return Decision(query=write_query(state.question, state.history), decided_by="rule")
        if not reply.text.strip():
            # Neither a call nor a word (llama.cpp's handler leaves a `message:` choice empty).
            return await answer_directly(state, context)
        if not reply.shown:
            show_held(reply.text)
        return Decision(answer=reply.text.strip(), echoed=reply.echoed)

    def answer_messages(self, state: AgentState, day: date) -> list[Message]:
        return [*tools_conversation(state, day), *tool_rounds(state.rounds)]

    def answer_tools(self, state: AgentState) -> list[dict] | None:
        return [prompts.search_tool(state.language)]  # a second call arrives as a tool call
