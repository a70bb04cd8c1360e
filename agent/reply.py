"""Stream one model reply: function markers parsed out, citation markers rewritten and (given a
verifier, agent/verify/stream.py) checked claim by claim, text emitted."""

from __future__ import annotations

import json
from typing import Any, Callable

from agent.citations import CitationRewriter, shown
from agent.events import Delta, emit
from agent.state import Claim
from agent.verify.stream import ClaimVerifier
from inference.base import LLM, GenerationParams, Message, RouteKey
from inference.megrez import FunctionCall, FunctionCallError, FunctionCallParser, TextDelta, decode_call


class Reply:
    def __init__(self) -> None:
        self.text = ""  # the model's text without function markers (its citation markers intact)
        self.call: FunctionCall | None = None
        self.error: FunctionCallError | None = None
        self.shown = False  # whether any text reached the client
        self.shown_text = ""  # exactly what reached it
        self.claims: list[Claim] = []  # its checked claims (offsets into shown_text), given a verifier
        self.verifier: ClaimVerifier | None = None


def tool_call_event(name: str, arguments: str, allowed: set[str]) -> FunctionCall | FunctionCallError:
    """A native tool call as the same events the Megrez parser gives (bad JSON, unknown name...)."""
    return decode_call(json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False), allowed)


async def stream_reply(
    llm: LLM,
    messages: list[Message],
    params: GenerationParams,
    *,
    sources: set[int],
    show: bool,
    on_first_text: Callable[[], None] | None = None,
    route: RouteKey | None = None,
    tools: list[dict[str, Any]] | None = None,
    verifier: ClaimVerifier | None = None,
) -> Reply:
    """Generate, emitting text deltas as they become safe to show when `show` is set.

    Text after a function call is not shown: the model has decided to search, and what follows
    comes from the answer step. With a `verifier`, a claim's markers are shown once it is checked.
    """
    reply = Reply()
    reply.verifier = verifier
    parser = FunctionCallParser({"search"})
    rewriter = CitationRewriter(sources)
    # The final answer is stripped: leading whitespace is never sent, trailing whitespace is held
    # until more text follows, so the streamed text equals the final answer exactly.
    held = ""

    def show_text(text: str) -> None:
        nonlocal held
        text = held + text
        if not reply.shown:
            text = text.lstrip()
        body = text.rstrip()
        held = text[len(body) :]
        if body:
            if not reply.shown and on_first_text is not None:
                on_first_text()
            reply.shown = True
            reply.shown_text += body
            emit(Delta(text=body))

    async def checked(parts: list[str | int], *, last: bool = False) -> str:
        if verifier is None:
            return shown(parts)
        text = await verifier.feed(parts)
        return text + await verifier.close() if last else text

    async def handle(events: list) -> None:
        for event in events:
            if isinstance(event, TextDelta):
                if reply.call is not None:
                    continue  # after a call: neither shown nor kept, so what is kept is what was shown
                reply.text += event.text
                if show:
                    show_text(await checked(rewriter.feed_parts(event.text)))
            elif isinstance(event, FunctionCall):
                if reply.call is None and show and verifier is not None:
                    show_text(await verifier.close())  # the words before the call: their last markers
                reply.call = reply.call or event
            elif isinstance(event, FunctionCallError):
                reply.error = reply.error or event

    # Without tools the call is exactly as it always was (backends that know nothing of tools work);
    # `route` keeps the conversation on its server.
    stream = (
        llm.chat_stream(messages, params, route=route, tools=tools)
        if tools
        else llm.chat_stream(messages, params, route=route)
    )
    try:
        async for chunk in stream:
            await handle(parser.feed(chunk))
    finally:
        await stream.aclose()  # on cancellation too: the server stops generating
    await handle(parser.close())
    # Native tool calls (the `tools` protocol) arrive whole when the stream ends.
    await handle([tool_call_event(call.name, call.arguments, {"search"}) for call in stream.tool_calls])
    if show and reply.call is None:
        show_text(await checked(rewriter.close_parts(), last=True))
    if verifier is not None:
        reply.claims = verifier.claims_in(reply.shown_text)
    return reply
