"""What every model protocol does: decide (search or answer), and build the answer step's messages."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel

from agent.citations import rewrite
from agent.events import Delta, emit
from agent.state import AgentState
from inference.base import Message

if TYPE_CHECKING:
    from agent.deps import Deps


class Decision(BaseModel):
    """The decide step's outcome: a query to search for, or the answer the model already wrote."""

    query: str | None = None
    answer: str = ""  # the model's direct answer (citation markers intact) when not searching
    preamble: str = ""  # text already shown before the model decided to search
    decided_by: str = "model"  # "model", "rule" (the bilingual rule) or "forced" (search: always)


class ModelProtocol(Protocol):
    name: str  # "megrez", "tools", "plain"
    stop: list[str]  # stop strings for every generation in this protocol
    can_search_again: bool  # the model can ask for another search while answering (a later round)

    async def decide(self, state: AgentState, deps: Deps) -> Decision: ...

    def answer_messages(self, state: AgentState, day: date) -> list[Message]:
        """The decide prompt (as far as it is shared), then each round's search call and results."""
        ...

    def answer_tools(self, state: AgentState) -> list[dict] | None:
        """The tools the answer step offers, so the model can search again natively (None: none)."""
        ...


def show_held(text: str) -> str:
    """Emit a direct answer that was held back while deciding; the text as the reader now sees it."""
    shown, _ = rewrite(text, [])
    if shown:
        emit(Delta(text=shown))
    return shown
