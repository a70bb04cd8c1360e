"""The HTTP contract's request and response bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.state import Citation, SearchMode
from search.models import Recency


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=4000)
    conversation_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,128}$")
    search: SearchMode = "auto"
    domains: list[str] = Field(default_factory=list, max_length=20)
    recency: Recency | None = None
    stream: bool = False

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must contain some text")
        return value.strip()

    @field_validator("domains")
    @classmethod
    def _hostnames(cls, value: list[str]) -> list[str]:
        cleaned = []
        for domain in value:
            domain = domain.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
            if not domain or " " in domain or "/" in domain:
                raise ValueError(f"{domain!r} is not a domain name (e.g. 'example.com')")
            cleaned.append(domain)
        return cleaned


class SourceOut(BaseModel):
    index: int
    url: str
    title: str
    snippet: str = ""


class AnswerResponse(BaseModel):
    conversation_id: str
    answer: str
    citations: list[Citation]
    sources: list[SourceOut]
    searched: bool
    queries: list[str]
    related: list[str]
    timings: dict[str, float]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail
