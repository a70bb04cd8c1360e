"""What every model protocol does and says about itself: decide (search or answer), build the answer
step's messages, and the capabilities the nodes ask for by name instead of by protocol (how a call
is recorded, stop strings, system prompts, how a side reply is read, whether prompts can be batched).

A protocol is given a `ProtocolContext` (the model client, the route, today's date, the generation
settings), never the composition root: agent/deps.py builds the bundle and imports the protocols,
never the other way round."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import BaseModel

from agent.citations import rewrite
from agent.events import Delta, emit
from agent.state import AgentState, Language, Turn
from inference.base import LLM, Message, RouteKey
from inference.megrez import FUNCTION_END, FUNCTION_START, STOP, parse_reply


class Decision(BaseModel):
    """The decide step's outcome: a query to search for, or the answer the model already wrote."""

    query: str | None = None
    answer: str = ""  # the model's direct answer (citation markers intact) when not searching
    preamble: str = ""  # text already shown before the model decided to search
    decided_by: str = "model"  # "model", "rule" (the bilingual rule) or "forced" (search: always)
    echoed: bool = False  # the model's direct answer repeated the service's instructions (held back)


class Generation(BaseModel):
    """The generation settings a protocol's own requests use (from Settings, read once)."""

    model_config = {"frozen": True}

    decide_temperature: float
    decide_max_tokens: int
    chat_temperature: float
    answer_max_tokens: int


@dataclass(frozen=True)
class ProtocolContext:
    """What a protocol needs to speak to the model for one request."""

    llm: LLM
    route: RouteKey
    today: date
    generation: Generation


class ModelProtocol(Protocol):
    name: str  # "megrez", "tools", "plain": for logs and the fallback, never tested by a node
    stop: list[str]  # stop strings for the decide and answer generations
    can_search_again: bool  # the model can ask for another search while answering (a later round)
    # Its prompts can go to `LLM.chat_batch` (one raw-completions request rendered in Megrez's chat
    # template): condense's pages in one request, best-of-n answers. Otherwise one chat request each.
    can_batch: bool
    side_stop: list[str]  # stop strings for the requests beside the answer (condense's notes, related questions)

    def render_call(self, query: str) -> str:
        """The search call as the saved turn keeps it (the next prompts re-render it from there)."""
        ...

    def reply_text(self, text: str) -> str:
        """A side request's reply as plain text (whatever call markers it holds taken out)."""
        ...

    def notes_system(self, language: Language, day: date) -> str:
        """The system prompt of condense's note-taking requests."""
        ...

    def related_system(self, language: Language, day: date) -> str:
        """The system prompt of the related-questions request written beside the answer."""
        ...

    def turn_messages(self, turn: Turn) -> list[Message]:
        """An earlier turn as this protocol replays it in a later prompt."""
        ...

    async def decide(self, state: AgentState, context: ProtocolContext) -> Decision: ...

    def answer_messages(self, state: AgentState, day: date) -> list[Message]:
        """The decide prompt (as far as it is shared), then each round's search call and results."""
        ...

    def answer_tools(self, state: AgentState) -> list[dict] | None:
        """The tools the answer step offers, so the model can search again natively (None: none)."""
        ...


def canonical_call(query: str) -> str:
    """The search call in Megrez's one canonical spelling, whatever spacing the model used. Every
    protocol records its calls so (a saved conversation then replays under any protocol)."""
    call = {"name": "search", "arguments": {"query": query}}
    return f"{FUNCTION_START}{json.dumps(call, ensure_ascii=False)}{FUNCTION_END}"


def marker_free(text: str) -> str:
    """A reply's text with Megrez's call markers and template tokens taken out (any model's: a
    stray `<|turn_end|>` never reaches a note or a question)."""
    return parse_reply(text, set())[0]


# The side requests' stop strings: Megrez's turn end, which every protocol has always sent there.
SIDE_STOP = STOP


def show_held(text: str) -> str:
    """Emit a direct answer that was held back while deciding; the text as the reader now sees it."""
    shown, _ = rewrite(text, [])
    if shown:
        emit(Delta(text=shown))
    return shown
