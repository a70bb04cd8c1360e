"""Related: three follow-up questions, written beside the answer (never before its first words).

Once, for the final answer: each search round's answer step has this step beside it, and a round
whose answer ends by searching again drops its questions (the request cancelled, nothing emitted).

With a model on the service's own CPU (`LLM.shared_cpu`: one reply at a time) nothing runs beside
the answer: the questions are written after it, as one more turn of the answer's own conversation,
so llama.cpp evaluates only the answer and the request (the prompt before them is in its KV state).
`WEBSEARCH_RELATED_QUESTIONS=false` (the default there: agent/profile.py) writes none.
"""

from __future__ import annotations

import asyncio
import logging
import re

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END
from langgraph.runtime import Runtime

import prompts
from agent.deps import Deps
from agent.events import Related, emit
from agent.no_answer import is_instruction
from agent.run_control import RunControl
from agent.state import AgentState
from inference.base import GenerationParams, LLMError, Message

log = logging.getLogger("websearch.related")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)、]|[（(]?\d+[)）])\s*")


def parse_questions(text: str, *, limit: int = 3) -> list[str]:
    questions: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip().strip('"“”')
        if len(line) < 4 or len(line) > 160 or line.lower() in (q.lower() for q in questions) or is_instruction(line):
            continue
        questions.append(line)
        if len(questions) == limit:
            break
    return questions


async def related(state: AgentState, runtime: Runtime[Deps], config: RunnableConfig) -> dict:
    control = RunControl.of(config)
    round_ = state.round
    deps = runtime.context
    if not deps.settings.related_questions or deps.llm.shared_cpu:
        if await control.searches_again(round_):
            return {}  # this round's answer ended searching again: the final round decides
        questions = await after_the_answer(state, deps, await control.transcript(round_))
        if deps.settings.related_questions:
            emit(Related(related=questions))
        return {"related": questions, "related_done": True}
    if not await control.wait_for_answer_to_begin(round_):  # never ahead of the answer's first words
        return {}  # this round's answer ended searching again: the final round writes them
    writing = asyncio.ensure_future(write_questions(state, runtime.context))
    searching = asyncio.ensure_future(control.searches_again(round_))
    try:
        await asyncio.wait({writing, searching}, return_when=asyncio.FIRST_COMPLETED)
        if not writing.done() and searching.result():
            writing.cancel()  # the model searches again: these questions would be for a draft
            await asyncio.gather(writing, return_exceptions=True)
            return {}
        questions = await writing
        if await control.searches_again(round_):
            return {}
    finally:
        for task in (writing, searching):
            task.cancel()
    emit(Related(related=questions))
    return {"related": questions, "related_done": True}


async def after_the_answer(state: AgentState, deps: Deps, transcript: list[Message]) -> list[str]:
    """The questions as the answer's next turn (none when they are off, or there is no answer)."""
    if not deps.settings.related_questions or not transcript:
        return []
    prompt = prompts.related_prompt(
        state.language, question=state.question, titles=(source.title for source in state.sources[:5])
    )
    return await ask_for_questions(state, deps, [*transcript, Message(role="user", content=prompt)])


async def write_questions(state: AgentState, deps: Deps) -> list[str]:
    prompt = prompts.related_prompt(
        state.language, question=state.question, titles=(source.title for source in state.sources[:5])
    )
    messages = [
        Message(role="system", content=deps.protocol.protocol.related_system(state.language, deps.today())),
        Message(role="user", content=prompt),
    ]
    return await ask_for_questions(state, deps, messages)


async def ask_for_questions(state: AgentState, deps: Deps, messages: list[Message]) -> list[str]:
    protocol = deps.protocol.protocol
    try:
        params = GenerationParams(
            temperature=deps.settings.related_temperature,
            max_tokens=deps.settings.related_max_tokens,
            stop=protocol.side_stop,
        )
        reply = await deps.llm.chat(messages, params, route=deps.route(state.conversation_id))
    except LLMError as exc:  # nice to have: a failure here never costs the answer
        log.warning("related questions failed: %s", exc)
        return []
    return parse_questions(protocol.reply_text(reply.text))


def route(state: AgentState) -> str:
    """The final round's questions go on to cite (beside the answer); a dropped round's go nowhere."""
    return "cite" if state.related_done else END
