"""The messages the model reads, built so that consecutive prompts share the longest prefix.

Order: system prompt (identical for everyone on a given day), earlier turns exactly as the model
wrote them, the question, then (answer step only) the search call and its results: the volatile
contexts come last so everything before them can come from vLLM's prefix cache.
"""

from __future__ import annotations

import json
from datetime import date

import prompts
from agent.state import AgentState, Turn
from inference.base import Message
from inference.megrez import FUNCTION_END, FUNCTION_START
from search.tokens import count_tokens


def render_call(query: str) -> str:
    """The search call in one canonical spelling, whatever spacing the model used."""
    call = {"name": "search", "arguments": {"query": query}}
    return f"{FUNCTION_START}{json.dumps(call, ensure_ascii=False)}{FUNCTION_END}"


def turn_cost(turn: Turn) -> int:
    return sum(count_tokens(m.content) + 4 for m in turn_messages(turn))


def history_window(
    turns: list[Turn], *, start: int, max_turns: int, budget_tokens: int, refill: float = 0.6
) -> int:
    """Where the next prompt's history begins: an index into `turns`, never half a turn.

    Sticky, for vLLM's prefix cache: the window starts where the previous prompt's did for as long
    as everything since fits. When it no longer fits (tokens or `max_turns`), it jumps past whole
    oldest turns until the rest takes `refill` of the budget — so the next few follow-ups again
    begin with the same prefix, instead of each one dropping a turn and missing the cache.
    """
    costs = [turn_cost(turn) for turn in turns]
    start = min(max(start, 0), len(turns))
    if sum(costs[start:]) <= budget_tokens and len(turns) - start <= max_turns:
        return start
    total = sum(costs[start:])
    while start < len(turns) and (total > refill * budget_tokens or len(turns) - start > refill * max_turns):
        total -= costs[start]
        start += 1
    return start


def turn_messages(turn: Turn) -> list[Message]:
    """An earlier turn exactly as the model saw and wrote it."""
    messages = [Message(role="user", content=turn.question)]
    if turn.function_call and turn.observation is not None:
        messages.append(Message(role="assistant", content=turn.function_call))
        messages.append(Message(role="observation", content=turn.observation))
    messages.append(Message(role="assistant", content=turn.model_answer))
    return messages


def conversation(state: AgentState, day: date, *, websearch: bool) -> list[Message]:
    system = (prompts.websearch_system if websearch else prompts.chat_system)(state.language, day)
    messages = [Message(role="system", content=system)]
    for turn in state.history:
        messages.extend(turn_messages(turn))
    messages.append(Message(role="user", content=state.question))
    return messages


def observation(state: AgentState) -> str:
    contexts = prompts.contexts_block(
        state.language,
        ((source.index, source.title, source.url, source.context) for source in state.sources),
    )
    return prompts.answer_prompt(
        state.language,
        query=state.queries[0] if state.queries else state.question,
        question=state.question,
        contexts=contexts,
    )


def answer_messages(state: AgentState, day: date, results: str) -> list[Message]:
    """The decide prompt, then the search call and its `results` (see `observation`)."""
    return [
        *conversation(state, day, websearch=True),
        Message(role="assistant", content=state.function_call or render_call(state.question)),
        Message(role="observation", content=results),
    ]
