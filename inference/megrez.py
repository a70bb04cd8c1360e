"""Megrez-3B's output protocol: special-token markers and a streaming function-call parser.

The model calls a function by writing `<|function_start|>{json}<|function_end|>` in its reply
(Megrez-3B-Instruct's own chat format). The text arrives in stream chunks that can split a marker
anywhere, and a 3B model sometimes writes broken JSON or a name it was not offered, so the parser
turns every input into events and never raises.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, Field

from inference.base import Message

FUNCTION_START = "<|function_start|>"
FUNCTION_END = "<|function_end|>"
TURN_END = "<|turn_end|>"
ROLE_START = "<|role_start|>"
ROLE_END = "<|role_end|>"
STOP = [TURN_END]  # pass as the stop list: generation of one reply ends there

# Any special token of the `<|name|>` shape (role_start, role_end, turn_end, ...).
_SPECIAL = re.compile(r"<\|[a-z_]{1,40}\|>")
# A string that could still grow into a special token: hold it back rather than emit it as text.
_PARTIAL = re.compile(r"<(?:\|[a-z_]{0,40}\|?)?")
# Where a call's body ends: its proper end marker, or (the model forgot it) the end of the turn.
_CALL_TERMINATORS = (FUNCTION_END, TURN_END)


class TextDelta(BaseModel):
    text: str


class FunctionCall(BaseModel):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class FunctionCallError(BaseModel):
    """A call the model tried to make but that cannot be run; `raw` is what it wrote."""

    raw: str
    reason: str


Event = TextDelta | FunctionCall | FunctionCallError


def _decode_call(raw: str, allowed: set[str]) -> FunctionCall | FunctionCallError:
    """The JSON between the markers as a call, or an error event saying what is wrong with it."""
    body = raw.strip()
    # Small models sometimes wrap the JSON in a Markdown fence.
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    start = body.find("{")
    if start < 0:
        return FunctionCallError(raw=raw, reason="no JSON object in the function call")
    try:
        # raw_decode tolerates trailing junk after the object (a stray brace, half a marker).
        obj, _ = json.JSONDecoder().raw_decode(body, start)
    except json.JSONDecodeError as exc:
        return FunctionCallError(raw=raw, reason=f"malformed JSON in the function call: {exc.msg}")
    if not isinstance(obj, dict):
        return FunctionCallError(raw=raw, reason="the function call is not a JSON object")
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return FunctionCallError(raw=raw, reason="the function call has no name")
    if name not in allowed:
        offered = ", ".join(sorted(allowed)) or "none"
        return FunctionCallError(raw=raw, reason=f"unknown function {name!r} (offered: {offered})")
    arguments = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(arguments, str):  # OpenAI style: arguments as a JSON-encoded string
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            return FunctionCallError(raw=raw, reason=f"malformed JSON in the arguments: {exc.msg}")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return FunctionCallError(raw=raw, reason="the function arguments are not a JSON object")
    return FunctionCall(name=name, arguments=arguments)


def decode_call(raw: str, allowed: set[str]) -> FunctionCall | FunctionCallError:
    """One call's JSON (`{"name", "arguments"}`, arguments an object or JSON text) as an event."""
    return _decode_call(raw, allowed)


class FunctionCallParser:
    """Feed streamed text in; get text deltas and function calls out, in order.

    Only a suffix that could still become a marker is held back between chunks, so text reaches
    the reader as soon as it cannot be part of one.
    """

    def __init__(self, allowed: set[str] | frozenset[str]):
        self.allowed = set(allowed)
        self._text = ""  # unconsumed text outside a call (at most a partial marker after feed)
        self._call: str | None = None  # the body of an open call, None when outside one

    def feed(self, chunk: str) -> list[Event]:
        if self._call is not None:
            self._call += chunk
        else:
            self._text += chunk
        return self._drain(final=False)

    def close(self) -> list[Event]:
        """Flush at the end of the reply: held-back text is text, an open call is parsed as is."""
        events = self._drain(final=True)
        if self._call is not None:
            raw, self._call = self._call, None
            call = _decode_call(_strip_partial_marker(raw), self.allowed)
            if isinstance(call, FunctionCallError):
                call.reason = f"unterminated function call ({call.reason})"
            events.append(call)
        return events

    def _drain(self, final: bool) -> list[Event]:
        events: list[Event] = []
        text: list[str] = []

        def flush_text() -> None:
            joined = "".join(text)
            text.clear()
            if joined:
                events.append(TextDelta(text=joined))

        while True:
            if self._call is not None:
                end = _find_terminator(self._call)
                if end is None:
                    break
                index, marker = end
                raw, rest = self._call[:index], self._call[index + len(marker) :]
                self._call = None
                self._text = rest + self._text
                flush_text()
                events.append(_decode_call(raw, self.allowed))
                continue
            if not self._text:
                break
            lt = self._text.find("<")
            if lt < 0:
                text.append(self._text)
                self._text = ""
                break
            text.append(self._text[:lt])
            self._text = self._text[lt:]
            match = _SPECIAL.match(self._text)
            if match:
                token = match.group(0)
                self._text = self._text[match.end() :]
                if token == FUNCTION_START:
                    self._call, self._text = self._text, ""
                # every other special token (turn_end, role markers, a stray function_end) is dropped
                continue
            if not final and _PARTIAL.fullmatch(self._text):
                break  # could still become a marker once the next chunk arrives
            text.append("<")  # a `<` that is not a marker is plain text
            self._text = self._text[1:]
        flush_text()
        return events


def _find_terminator(body: str) -> tuple[int, str] | None:
    found = [(body.find(m), m) for m in _CALL_TERMINATORS if m in body]
    return min(found) if found else None


def _strip_partial_marker(raw: str) -> str:
    """Drop a half-written end marker left at the end of an unterminated call."""
    lt = raw.rfind("<")
    if lt >= 0 and _PARTIAL.fullmatch(raw[lt:]):
        return raw[:lt]
    return raw


def parse_reply(
    text: str, allowed: set[str] | frozenset[str]
) -> tuple[str, FunctionCall | None, FunctionCallError | None]:
    """A whole reply as (its text without markers, the first valid call, the first failed call)."""
    parser = FunctionCallParser(allowed)
    events = parser.feed(text) + parser.close()
    plain = "".join(e.text for e in events if isinstance(e, TextDelta))
    call = next((e for e in events if isinstance(e, FunctionCall)), None)
    error = next((e for e in events if isinstance(e, FunctionCallError)), None)
    return plain, call, error


def render_chat(messages: list[Message]) -> str:
    """Megrez's chat template, for raw-prompt requests (batched /v1/completions): the same text
    vLLM renders from the model's own `chat_template` for /v1/chat/completions."""
    turns = "".join(f"{ROLE_START}{m.role}{ROLE_END}{m.content}{TURN_END}" for m in messages)
    return f"{turns}{ROLE_START}assistant{ROLE_END}"
