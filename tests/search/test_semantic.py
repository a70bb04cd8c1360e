"""The semantic signal (search/semantic.py) against a loopback server speaking vLLM's /v1/embeddings
and /v1/rerank, in English and Chinese; a backend that is down or wrong leaves the BM25 order."""

from __future__ import annotations

import httpx
import pytest

from agent.deps import build_deps
from agent.settings import Settings
from search.models import Page
from search.rank import rank_passages
from search.select import select_sources
from search.semantic import OpenAIEmbeddings, OpenAIRerank, build_semantic, rerank
from testkit.embedding_server import EmbeddingServer

FILLER = "Officials at the hospital in Kobe said on Tuesday that police were investigating the case. "
PAGES = {
    "en": (
        "On which storey had the hospital stored the masks?",
        "third floor",
        [
            Page(url="https://a.example/masks", title="Kobe hospital masks", text="\n".join([
                FILLER * 2 + "Which masks the hospital stored, and how many, the hospital would not say; stored masks are counted weekly.",
                FILLER * 2 + "The masks were kept in a machine room on the third floor of the building.",
            ])),
            Page(url="https://b.example/masks", title="Masks in short supply", text=FILLER * 2
                 + "Hospitals across the region stored masks as the shortage grew, and the hospital asked for more."),
        ],
    ),
    "zh": (
        "医院把口罩保存在哪一层？",
        "三楼",
        [
            Page(url="https://a.example/kz", title="神户医院口罩", text="\n".join([
                "警方周二表示正在调查此案。" * 4 + "医院口罩保存工作由专人负责，医院发言人说。",
                "警方周二表示正在调查此案。" * 4 + "这些口罩原本放在大楼三楼的机房里。",
            ])),
            Page(url="https://b.example/kz", title="口罩短缺", text="警方周二表示正在调查此案。" * 4 + "各地医院都在保存口罩，医院还要求增加供应。"),
        ],
    ),
}


@pytest.fixture(scope="module")
def server():
    with EmbeddingServer() as running:
        yield running


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", ["embeddings", "rerank"])
async def test_meaning_lifts_the_passage_bm25_ranks_below_others(server, kind, lang) -> None:
    question, answer, pages = PAGES[lang]
    passages = rank_passages(pages, question, question)
    assert answer not in passages[0].text  # BM25 alone prefers the passage that shares the words
    async with httpx.AsyncClient() as client:
        backend = build_semantic(kind, client, base_url=server.base_url, model=server.model)
        reranked = await rerank(passages, question, backend)
    assert answer in reranked[0].text
    assert server.requests[-1]["path"] == f"/v1/{kind}"
    sources = select_sources(pages, reranked, budget_tokens=120, source_tokens=120)
    assert answer in sources[0].context


@pytest.mark.parametrize("kind", ["embeddings", "rerank"])
async def test_a_backend_that_is_down_or_wrong_leaves_the_bm25_order(server, kind, caplog) -> None:
    question, _, pages = PAGES["en"]
    passages = rank_passages(pages, question, question)
    async with httpx.AsyncClient() as client:
        for backend in (
            build_semantic(kind, client, base_url="http://127.0.0.1:9/v1", model=server.model),
            build_semantic(kind, client, base_url=server.base_url, model="no-such-model"),
        ):
            assert await rerank(passages, question, backend) == passages
    assert "127.0.0.1:9" in caplog.text and "does not exist" in caplog.text


async def test_settings_choose_the_backend() -> None:
    base = {"_env_file": None, "llm_base_url": "http://127.0.0.1:9/v1"}
    deps = build_deps(Settings(**base))
    assert deps.semantic is None  # off by default
    await deps.aclose()
    for kind, cls in (("embeddings", OpenAIEmbeddings), ("rerank", OpenAIRerank)):
        deps = build_deps(Settings(**base, semantic_backend=kind, semantic_base_url="http://embed:8000/v1"))
        assert isinstance(deps.semantic, cls) and deps.semantic.url == f"http://embed:8000/v1/{kind}"
        await deps.aclose()
    with pytest.raises(ValueError, match="base URL"):
        build_deps(Settings(**base, semantic_backend="rerank"))
