"""Answer: the model reads the numbered contexts and writes an answer that cites them."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.events import Delta, Sources, Status, emit, mark_answer_begun
from agent.messages import observation
from agent.reply import stream_reply
from agent.state import AgentState
from inference.base import GenerationParams


async def answer(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    emit(Sources(sources=state.sources))
    emit(Status(stage="answering", detail=f"{len(state.sources)} sources"))
    protocol = deps.protocol.protocol
    params = GenerationParams(
        temperature=deps.settings.answer_temperature, max_tokens=deps.settings.answer_max_tokens, stop=protocol.stop
    )
    if state.preamble:  # the answer continues below the words already shown
        emit(Delta(text="\n\n"))
    results = observation(state)  # rendered once: in the prompt now, in the saved turn later
    # A second function call here is not followed: the text around it is the answer.
    try:
        reply = await stream_reply(
            deps.llm,
            protocol.answer_messages(state, deps.today(), results),
            params,
            sources={source.index for source in state.sources},
            show=True,
            on_first_text=mark_answer_begun,
            route=deps.route(state.conversation_id),
        )
    finally:
        mark_answer_begun()  # an empty or failed answer must not leave the related step waiting
    return {"model_answer": reply.text.strip(), "observation": results}
