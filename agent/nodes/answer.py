"""Answer: the model reads the numbered contexts and writes an answer that cites them.

The results are rendered here once (the answer prompt); each protocol places them in its own
messages (agent/protocols), and agent/reply.py streams the reply with its markers rewritten.
"""

from __future__ import annotations

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

import prompts
from agent.deps import Deps
from agent.events import Delta, Sources, Stage, Status, emit
from agent.reply import stream_reply
from agent.run_control import RunControl
from agent.state import AgentState
from inference.base import GenerationParams


def observation(state: AgentState) -> str:
    """The search results as the answer step shows them: numbered contexts, the query, the question."""
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


async def answer(state: AgentState, runtime: Runtime[Deps], config: RunnableConfig) -> dict:
    deps = runtime.context
    control = RunControl.of(config)
    emit(Sources(sources=state.sources))
    emit(Status(stage=Stage.ANSWERING, sources=len(state.sources)))
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
            on_first_text=control.mark_answer_begun,
            route=deps.route(state.conversation_id),
        )
    finally:
        control.mark_answer_begun()  # an empty or failed answer must not leave the related step waiting
    return {"model_answer": reply.text.strip(), "observation": results}
