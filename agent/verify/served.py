"""A stronger checker where a GPU serves one: a cross-encoder (bge-reranker-v2-m3) or an NLI model
behind vLLM, for paraphrases the lexical checker cannot see. One protocol, backends in a registry:

- `score`: vLLM's POST /v1/score (`text_1` the claim, `text_2` the passages; one score each);
- `rerank`: POST /v1/rerank, as vLLM, Jina and Cohere-style servers speak it (`query`, `documents`).

Off by default; the lexical checker is always on and decides first. The served one is asked only
about a claim whose numbers a source holds but whose words the lexical checker found too few of: a
score at or above the threshold makes the source support it. A server that fails or is slow leaves
the lexical verdict: the answer is checked less finely, never lost."""

from __future__ import annotations

import logging
from typing import Literal, Protocol

import httpx
from pydantic import BaseModel, ValidationError

from core.errors import ErrorKind, WebsearchError
from search.semantic import OpenAIRerank, SemanticError

log = logging.getLogger(__name__)

VerifyBackend = Literal["lexical", "score", "rerank"]


class CheckerError(WebsearchError):
    kind = ErrorKind.UNAVAILABLE
    code = "verify_unavailable"

    def __init__(self, backend: str, message: str) -> None:
        super().__init__(message, backend=backend)


class Checker(Protocol):
    name: str
    threshold: float  # a score at or above this: the passage supports the claim

    async def scores(self, claim: str, passages: list[str]) -> list[float]:
        """One score per passage: how well it supports the claim (about 0..1)."""
        ...


class _Score(BaseModel):
    index: int
    score: float


class _ScoreReply(BaseModel):
    data: list[_Score]


class VLLMScore:
    """vLLM's `/v1/score` (a cross-encoder served with `vllm serve BAAI/bge-reranker-v2-m3`)."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, model: str, *, api_key: str | None, timeout_s: float, threshold: float):
        self.client = client
        self.url = f"{base_url.rstrip('/')}/score"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout_s = timeout_s
        self.threshold = threshold
        self.name = f"score ({self.url}, {model})"

    async def scores(self, claim: str, passages: list[str]) -> list[float]:
        body = {"model": self.model, "text_1": claim, "text_2": passages}
        try:
            response = await self.client.post(self.url, json=body, headers=self.headers, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            raise CheckerError(self.name, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise CheckerError(self.name, f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            data = _ScoreReply.model_validate(response.json()).data
        except (ValueError, ValidationError) as exc:
            raise CheckerError(self.name, f"unexpected reply: {exc}") from exc
        scores = [0.0] * len(passages)
        for item in data:
            if 0 <= item.index < len(passages):
                scores[item.index] = item.score
        return scores


class RerankChecker:
    """POST /v1/rerank (search/semantic.py's client): the claim as the query, passages as documents."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, model: str, *, api_key: str | None, timeout_s: float, threshold: float):
        self._rerank = OpenAIRerank(client, base_url, model, api_key=api_key, timeout_s=timeout_s)
        self.threshold = threshold
        self.name = self._rerank.name

    async def scores(self, claim: str, passages: list[str]) -> list[float]:
        try:
            return await self._rerank.similarities(claim, passages)
        except SemanticError as exc:
            raise CheckerError(self.name, str(exc)) from exc


BACKENDS: dict[str, type[VLLMScore] | type[RerankChecker]] = {"score": VLLMScore, "rerank": RerankChecker}


def build_checker(
    kind: VerifyBackend,
    client: httpx.AsyncClient,
    *,
    base_url: str | None,
    model: str,
    api_key: str | None = None,
    timeout_s: float = 2.0,
    threshold: float = 0.5,
) -> Checker | None:
    """The served checker `kind` names; None for "lexical" (the lexical checker alone)."""
    if kind == "lexical":
        return None
    if not base_url:
        raise ValueError(f"the {kind} verify backend needs a base URL (e.g. http://reranker:8000/v1)")
    return BACKENDS[kind](client, base_url, model, api_key=api_key, timeout_s=timeout_s, threshold=threshold)


__all__ = ["BACKENDS", "Checker", "CheckerError", "RerankChecker", "VLLMScore", "VerifyBackend", "build_checker"]
