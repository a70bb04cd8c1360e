"""Related: three follow-up questions, written beside the answer (never before its first words)."""

from __future__ import annotations

import logging
import re

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

import prompts
from agent.deps import Deps
from agent.events import Related, emit
from agent.run_control import RunControl
from agent.state import AgentState
from inference.base import GenerationParams, LLMError, Message
from inference.megrez import STOP, parse_reply

log = logging.getLogger("websearch.related")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)、]|[（(]?\d+[)）])\s*")


def parse_questions(text: str, *, limit: int = 3) -> list[str]:
    questions: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip().strip('"“”')
        if len(line) < 4 or len(line) > 160 or line.lower() in (q.lower() for q in questions):
            continue
        questions.append(line)
        if len(questions) == limit:
            break
    return questions


async def related(state: AgentState, runtime: Runtime[Deps], config: RunnableConfig) -> dict:
    deps = runtime.context
    await RunControl.of(config).wait_for_answer_to_begin()  # never ahead of the answer's first words
    system = prompts.chat_system if deps.protocol.name == "megrez" else prompts.plain_system
    prompt = prompts.related_prompt(
        state.language, question=state.question, titles=(source.title for source in state.sources[:5])
    )
    messages = [
        # Megrez's own chat prompt names it; any other model gets the neutral one.
        Message(role="system", content=system(state.language, deps.today())),
        Message(role="user", content=prompt),
    ]
    try:
        params = GenerationParams(
            temperature=deps.settings.related_temperature, max_tokens=deps.settings.related_max_tokens, stop=STOP
        )
        reply = await deps.llm.chat(messages, params, route=deps.route(state.conversation_id))
    except LLMError as exc:  # nice to have: a failure here never costs the answer
        log.warning("related questions failed: %s", exc)
        return {"related": []}
    text, _, _ = parse_reply(reply.text, set())
    questions = parse_questions(text)
    emit(Related(related=questions))
    return {"related": questions}
