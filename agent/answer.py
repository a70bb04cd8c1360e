"""Answer: the model reads the numbered contexts and writes an answer that cites them."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.messages import answer_messages
from agent.state import AgentState
from inference.base import GenerationParams
from inference.megrez import STOP, parse_reply


async def answer(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    params = GenerationParams(
        temperature=0.2, max_tokens=deps.settings.answer_max_tokens, stop=STOP
    )
    reply = await deps.llm.chat(answer_messages(state, deps.today()), params)
    # A second function call here is not followed: keep whatever text surrounds it.
    text, _, _ = parse_reply(reply.text, {"search"})
    return {"model_answer": text.strip()}
