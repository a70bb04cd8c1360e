"""A stronger checker where a GPU serves one: a cross-encoder (bge-reranker-v2-m3) or an NLI model
behind vLLM, for paraphrases the lexical checker cannot see. One protocol; the served models are
search/semantic.py's clients, in its registry:

- `score`: vLLM's POST /v1/score (`text_1` the claim, `text_2` the passages; one score each);
- `rerank`: POST /v1/rerank, as vLLM, Jina and Cohere-style servers speak it (`query`, `documents`).

Off by default; the lexical checker is always on and decides first. The served one is asked only
about a claim whose numbers a source holds but whose words the lexical checker found too few of: a
score at or above the threshold makes the source support it. A server that fails or is slow leaves
the lexical verdict: the answer is checked less finely, never lost."""

from __future__ import annotations

from typing import Literal, Protocol

import httpx
from pydantic import BaseModel, ConfigDict

from core.errors import ErrorKind, WebsearchError
from search.semantic import BACKENDS, Semantic, SemanticError

VerifyBackend = Literal["lexical", "score", "rerank"]


class CheckerConfig(BaseModel):
    """The served checker (`WEBSEARCH_VERIFY_<NAME>` in the app's settings)."""

    model_config = ConfigDict(frozen=True)

    backend: VerifyBackend = "lexical"  # score: vLLM /v1/score; rerank: /v1/rerank; lexical: none served
    url: str | None = None  # e.g. http://reranker:8000/v1
    model: str = "BAAI/bge-reranker-v2-m3"
    api_key: str | None = None
    threshold: float = 0.5  # a served score at or above this: the passage supports the claim
    timeout_s: float = 2.0  # past this the lexical verdict stands


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


class ServedChecker:
    """A served cross-encoder (any `Semantic` client) as a claim checker."""

    def __init__(self, model: Semantic, threshold: float) -> None:
        self.model = model
        self.threshold = threshold
        self.name = model.name

    async def scores(self, claim: str, passages: list[str]) -> list[float]:
        try:
            return await self.model.similarities(claim, passages)
        except SemanticError as exc:
            raise CheckerError(self.name, str(exc)) from exc


def build_checker(
    kind: VerifyBackend,
    client: httpx.AsyncClient,
    *,
    base_url: str | None,
    model: str,
    api_key: str | None = None,
    timeout_s: float = CheckerConfig().timeout_s,
    threshold: float = CheckerConfig().threshold,
) -> Checker | None:
    """The served checker `kind` names; None for "lexical" (the lexical checker alone)."""
    if kind == "lexical":
        return None
    if not base_url:
        raise ValueError(f"the {kind} verify backend needs a base URL (e.g. http://reranker:8000/v1)")
    return ServedChecker(BACKENDS[kind](client, base_url, model, api_key=api_key, timeout_s=timeout_s), threshold)


def checker_from(config: CheckerConfig, client: httpx.AsyncClient) -> Checker | None:
    return build_checker(
        config.backend,
        client,
        base_url=config.url,
        model=config.model,
        api_key=config.api_key,
        timeout_s=config.timeout_s,
        threshold=config.threshold,
    )


__all__ = ["Checker", "CheckerConfig", "CheckerError", "ServedChecker", "VerifyBackend", "build_checker", "checker_from"]
