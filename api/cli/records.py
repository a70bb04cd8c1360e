"""What `websearch eval` measured, one record per question: written by api/cli/evaluate.py, drawn
by api/cli/report.py, saved as JSON."""

from __future__ import annotations

from pydantic import BaseModel, Field, computed_field

from api.cli.citation_scores import CitationCounts


class SourceRecord(BaseModel):
    index: int
    title: str
    url: str


class QuoteRecord(BaseModel):
    index: int
    text: str = ""


class ClaimRecord(BaseModel):
    """One claim of the answer and its verdict, when the service checks citations (issue 23)."""

    text: str
    support: str | None = None  # supported / partial / unsupported
    citations: list[int] = Field(default_factory=list)
    quotes: list[QuoteRecord] = Field(default_factory=list)


class Record(BaseModel):
    id: str
    turn: int  # 0 = the first question, 1.. = its follow-ups
    question: str
    answers: list[str]
    answer: str = ""
    answer_has_gold: bool = False
    cited_source_has_gold: bool = False
    latency_ms: float = 0.0
    prompt_tokens: int | None = None  # None when the backend reports no usage
    cached_tokens: int | None = None  # of those, served from a prefix cache (llama.cpp's KV state, vLLM's)
    evidence_tokens: int = 0
    citation_counts: CitationCounts | None = None  # its claims and citations, and how many hold (ALCE)
    error: str | None = None
    citations: list[int] = Field(default_factory=list)  # the source numbers the answer cites
    sources: list[SourceRecord] = Field(default_factory=list)
    claims: list[ClaimRecord] | None = None  # None: the answers carry no claims (no verifier)

    # ALCE's citation recall and precision over this answer's claims (api/cli/citation_scores.py);
    # None where there is nothing to divide by.
    @computed_field
    @property
    def citation_recall(self) -> float | None:
        c = self.citation_counts
        return round(c.claims_supported / c.claims, 4) if c and c.claims else None

    @computed_field
    @property
    def citation_precision(self) -> float | None:
        c = self.citation_counts
        return round(c.citations_supporting / c.citations, 4) if c and c.citations else None
