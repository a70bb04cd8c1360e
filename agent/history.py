"""Graph nodes at both ends: load the conversation so far, save the finished turn."""

from __future__ import annotations

import asyncio

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.messages import history_window
from agent.state import AgentState, Turn
from search.language import detect_language
from search.tokens import count_tokens


async def load_history(state: AgentState, runtime: Runtime[Deps]) -> dict:
    settings = runtime.context.settings
    turns = await runtime.context.store.get(state.conversation_id)
    # What is left of the context once the answer, the evidence, the prompts and the question (it
    # stands twice in the answer prompt) have their share.
    question = 2 * count_tokens(state.question)
    budget = (
        settings.llm_context_tokens
        - settings.answer_max_tokens
        - 2 * settings.context_tokens
        - settings.prompt_reserve_tokens
        - question
    )
    # Counting a long history's tokens is CPU work: off the event loop, which keeps serving others.
    start = await asyncio.to_thread(
        history_window,
        turns,
        start=turns[-1].history_start if turns else 0,
        max_turns=settings.history_turns,
        budget_tokens=max(budget, 0),
    )
    return {"history": turns[start:], "history_start": start, "language": detect_language(state.question)}


async def save(state: AgentState, runtime: Runtime[Deps]) -> dict:
    turn = Turn(
        question=state.question,
        answer=state.answer,
        model_answer=state.model_answer,
        function_call=state.function_call,
        observation=state.observation,
        queries=state.queries,
        sources=state.sources,
        citations=state.citations,
        searched=state.searched,
        history_start=state.history_start,
    )
    await runtime.context.store.append(state.conversation_id, turn)
    return {}
