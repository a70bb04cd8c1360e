"""Condense: when the relevant text is more than the answer's budget, the model copies out what
matters from each long page — all pages in ONE batched request — and the answer reads those notes.

Off by default (`WEBSEARCH_CONDENSE=true` turns it on): it buys more evidence per token at the
price of one more model round before the first answer token. Never with the embedded model
(`LLM.shared_cpu`): there the pages would be condensed one reply after another.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from langgraph.runtime import Runtime

import prompts
from agent.deps import Deps
from agent.events import Stage, Status, emit
from agent.nodes.select import continue_numbering
from agent.budget import for_request, round_budget
from agent.state import AgentState
from inference.base import GenerationParams, LLMError, Message
from search.models import Source
from search.select import select_sources
from core.tokens import count_tokens, truncate_tokens

log = logging.getLogger("websearch.condense")


def _notes(text: str) -> str | None:
    text = text.strip()
    return None if not text or text.upper().startswith("NONE") else text


async def condense(state: AgentState, runtime: Runtime[Deps]) -> dict:
    deps = runtime.context
    settings = for_request(deps.settings, state)
    if not settings.condense or not state.passages or deps.llm.shared_cpu:
        # Never with a model on the service's CPU: each page would cost a reply before the answer's.
        return {}
    # The same ranking, packed with a far larger budget: each page's relevant text in full.
    long_sources = await asyncio.to_thread(
        functools.partial(
            select_sources,
            state.pages,
            state.passages,
            budget_tokens=settings.condense_input_tokens * settings.fetch_pages,
            source_tokens=settings.condense_input_tokens,
        )
    )
    if sum(count_tokens(s.context) for s in long_sources) <= round_budget(settings, state.round):
        return {}  # everything relevant already fits: nothing to condense

    emit(Status(stage=Stage.CONDENSING, pages=len(long_sources), round=state.round))
    words = max(40, settings.source_tokens // 2)
    protocol = deps.protocol.protocol
    system = Message(role="system", content=protocol.notes_system(state.language, deps.today()))
    batch = [
        [
            system,
            Message(
                role="user",
                content=prompts.condense_prompt(
                    state.language, question=state.question, title=s.title, text=s.context, words=words
                ),
            ),
        ]
        for s in long_sources
    ]
    params = GenerationParams(temperature=settings.condense_temperature, max_tokens=settings.source_tokens, stop=protocol.side_stop)
    try:
        route = deps.route(state.conversation_id)
        if protocol.can_batch:
            replies = await deps.llm.chat_batch(batch, params, route=route)
        else:
            # chat_batch renders Megrez's template for one raw-completions request; another model
            # needs its own template, so one chat request per page (the server batches them anyway).
            replies = list(await asyncio.gather(*(deps.llm.chat(messages, params, route=route) for messages in batch)))
    except LLMError as exc:  # the packed passages from `select` are still a good answer's input
        log.warning("condensing failed, answering from the selected passages: %s", exc)
        return {}

    sources: list[Source] = []
    for source, reply in zip(long_sources, replies):
        notes = _notes(protocol.reply_text(reply.text))
        if notes:
            context = truncate_tokens(notes, settings.source_tokens)
            sources.append(source.model_copy(update={"index": len(sources) + 1, "context": context}))
    return continue_numbering(state, sources) if sources else {}
