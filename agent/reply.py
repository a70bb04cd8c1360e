"""Stream one model reply: function markers parsed out, citation markers rewritten and (given a
verifier, agent/verify/stream.py) checked claim by claim, text emitted."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any, Callable

from agent.citations import CitationRewriter, shown, strip_markers
from agent.events import Delta, emit
from agent.no_answer import EchoGuard
from agent.state import Claim
from agent.verify.stream import ClaimVerifier
from inference.base import LLM, GenerationParams, Message, RouteKey
from inference.megrez import FunctionCall, FunctionCallError, FunctionCallParser, TextDelta, decode_call


# A sentence: a run of non-terminators and the terminator after it. The run's start is anchored
# (`[^…]+[…]` alone finds the same sentences, but tries every later start of an unfinished one and
# fails on each: the square of its length, on every token of the reply).
_SENTENCE_STARTS = re.compile(r"(?<![^.!?。！？\n])[^.!?。！？\n]+[.!?。！？\n]")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def _normal(sentence: str) -> str:
    return " ".join(sentence.split()).lower()


def _looping_tail(text: str) -> bool:
    """The end is the same few characters three times over (and not a rule of dashes)."""
    tail = text[-240:]
    if not tail:
        return False
    last = tail[-1]
    return any(
        tail[-1 - period] == last  # a cheap first test: most periods fail it
        and tail[-period:] == tail[-2 * period : -period] == tail[-3 * period : -2 * period]
        and any(c.isalnum() for c in tail[-period:])  # a rule of dashes is a table, not a loop
        for period in range(4, len(tail) // 3 + 1)
    )


def repeating(text: str) -> bool:
    """The reply has started to go round in circles (a small model's loop): its last sentence says
    again what an earlier one said, or its end is the same few words three times over."""
    unbroken = _DECIMAL_POINT.sub("·", text)  # 1.2 is a number, not two sentences
    sentences = [_normal(s) for s in _SENTENCE_STARTS.findall(unbroken)]
    if len(sentences) >= 2 and len(sentences[-1]) >= 10 and sentences[-1] in sentences[:-1]:
        return True
    return _looping_tail(text)


class LoopCheck:
    """`repeating(text)` for a text that only grows, without reading it all again each time: the
    sentences that can no longer change are counted once. A sentence is settled once its ending
    is: only a final "." after a digit may still turn out to be a decimal point ("1." then "2")."""

    def __init__(self) -> None:
        self.settled: Counter[str] = Counter()  # settled sentences, normalised
        self.last = ""  # the last settled one
        self.count = 0  # how many are settled
        self.done = 0  # where the text after the settled sentences starts

    def __call__(self, text: str) -> bool:
        # Decimal points after `done` are those of the whole text: the character before `done` ends
        # a sentence, so it is no digit, and the pattern wants a digit on each side.
        rest = _DECIMAL_POINT.sub("·", text[self.done :])
        open_point = len(text) >= 2 and text[-1] == "." and text[-2].isdigit()  # "… 1." may yet be "… 1.2"
        pending: str | None = None
        settled_to = 0
        for match in _SENTENCE_STARTS.finditer(rest):
            sentence = _normal(match.group())
            if open_point and match.end() == len(rest):
                pending = sentence
                break
            self.settled[sentence] += 1
            self.last, self.count = sentence, self.count + 1
            settled_to = match.end()
        self.done += settled_to
        if pending is not None:  # the sentences: the settled ones, then this one
            if self.count >= 1 and len(pending) >= 10 and pending in self.settled:
                return True
        elif self.count >= 2 and len(self.last) >= 10 and self.settled[self.last] >= 2:
            return True
        return _looping_tail(text)


class Reply:
    def __init__(self) -> None:
        self.text = ""  # the model's text without function markers (its citation markers intact)
        self.call: FunctionCall | None = None
        self.error: FunctionCallError | None = None
        self.shown = False  # whether any text reached the client
        self.shown_text = ""  # exactly what reached it
        self.claims: list[Claim] = []  # its checked claims (offsets into shown_text), given a verifier
        self.verifier: ClaimVerifier | None = None
        self.echoed = False  # the model repeated the service's instructions (held back, not kept)
        self.looped = False  # the model went round in circles and was stopped there


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
    # Instructions repeated back are neither shown nor kept (JSON held to a schema is the answer itself).
    guard = EchoGuard(enabled=not params.response_format)
    # The final answer is stripped: leading whitespace is never sent, trailing whitespace is held
    # until more text follows, so the streamed text equals the final answer exactly.
    held = ""

    def show_text(text: str) -> None:
        nonlocal held
        text = held + text
        if not reply.shown:
            text = text.lstrip()
        body = text.rstrip()
        if not reply.shown and body and not strip_markers(body):
            held = text  # markers alone are no answer: held until words come (never shown without them)
            return
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
                kept = guard.feed(event.text)
                reply.text += kept
                if show:
                    show_text(await checked(rewriter.feed_parts(kept)))
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
    looping = LoopCheck()  # repeating(reply.text), reading only what is new
    try:
        async for chunk in stream:
            await handle(parser.feed(chunk))
            if reply.call is None and looping(reply.text):
                reply.looped = True
                break  # closing the stream stops the generation: what was shown stays the answer
    finally:
        await stream.aclose()  # on cancellation too: the server stops generating
    await handle(parser.close())
    # Native tool calls (the `tools` protocol) arrive whole when the stream ends.
    await handle([tool_call_event(call.name, call.arguments, {"search"}) for call in stream.tool_calls])
    if reply.call is None:
        rest = guard.close()
        reply.text += rest
        if show:
            show_text(await checked(rewriter.feed_parts(rest) + rewriter.close_parts(), last=True))
    reply.echoed = guard.echoed
    if verifier is not None:
        reply.claims = verifier.claims_in(reply.shown_text)
    return reply
