"""Save: the finished turn appended to the conversation, as the next question's history will read it."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.state import AgentState, Turn
from inference.base import LLMError


class EmptyAnswer(LLMError):
    """The answer is blank: a failure of the model backend (503 naming it), and nothing is stored.
    A model that wrote nothing, or only our instructions, has the no-answer line by now
    (agent/no_answer.py, issue 32); this is the net under it."""

    code = "empty_answer"


async def save(state: AgentState, runtime: Runtime[Deps]) -> dict:
    if not state.answer.strip():
        raise EmptyAnswer(runtime.context.llm.name, "the model wrote an empty answer")
    turn = Turn(
        question=state.question,
        answer=state.answer,
        model_answer=state.model_answer,
        rounds=state.rounds,
        sources=state.sources,
        citations=state.citations,
        claims=state.claims,
        searched=state.searched,
        history_start=state.history_start,
    )
    await runtime.context.store.append(state.conversation_id, turn)
    return {}
