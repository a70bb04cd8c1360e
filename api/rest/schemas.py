"""REST's own bodies: conversations and errors (the answer's request and response: api/contract.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel

from agent.state import Citation, Claim, Turn
from api.conversations import CONVERSATION_ID
from api.contract import SourceOut

ConversationId = Annotated[str, Path(pattern=CONVERSATION_ID)]


class TurnOut(BaseModel):
    question: str
    answer: str
    queries: list[str]
    sources: list[SourceOut]
    citations: list[Citation]
    claims: list[Claim] = []
    searched: bool
    created_at: datetime

    @classmethod
    def from_turn(cls, turn: Turn) -> "TurnOut":
        return cls(
            question=turn.question,
            answer=turn.answer,
            queries=turn.queries,
            sources=[SourceOut.of(s) for s in turn.sources],
            citations=turn.citations,
            claims=turn.claims,
            searched=turn.searched,
            created_at=turn.created_at,
        )


class ConversationOut(BaseModel):
    conversation_id: str
    turns: list[TurnOut]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail
