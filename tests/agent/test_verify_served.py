"""The served checker (vLLM's /v1/score or /v1/rerank, the testkit's faithful fake): it sees the
paraphrases the lexical checker cannot, and a server in trouble leaves the lexical verdict."""

from __future__ import annotations

import httpx
import pytest

from agent.verify.repair import Repairer
from agent.verify.served import CheckerError, ServedChecker, build_checker
from search.semantic import OpenAIRerank, VLLMScore
from testkit.embedding_server import EmbeddingServer
from testkit.claims import CLAIM, MODEL, SOURCES


@pytest.fixture(scope="module")
def server():
    with EmbeddingServer(model=MODEL) as running:
        yield running


async def test_vllm_score_speaks_the_score_api(server):
    async with httpx.AsyncClient() as client:
        checker = ServedChecker(VLLMScore(client, server.base_url, MODEL, api_key=None, timeout_s=5), 0.5)
        scores = await checker.scores("the archive is stored on the third floor", ["kept on the 3rd storey", "a June festival"])
    assert scores[0] > 0.5 > scores[1]
    body = server.requests[-1]
    assert body["path"] == "/v1/score" and body["body"]["text_1"] == "the archive is stored on the third floor"


async def test_the_served_checker_keeps_a_paraphrase_the_lexical_checker_cannot_see(server):
    assert (await Repairer(SOURCES).decide(CLAIM, [1])).citations == []  # lexically, nothing holds it
    async with httpx.AsyncClient() as client:
        checker = build_checker("score", client, base_url=server.base_url, model=MODEL, threshold=0.5)
        decision = await Repairer(SOURCES, checker).decide(CLAIM, [1])
    assert decision.citations == [1] and decision.support == "supported"


async def test_rerank_is_the_same_protocol(server):
    async with httpx.AsyncClient() as client:
        checker = build_checker("rerank", client, base_url=server.base_url, model=MODEL, threshold=0.5)
        assert isinstance(checker, ServedChecker) and isinstance(checker.model, OpenAIRerank)
        assert (await Repairer(SOURCES, checker).decide(CLAIM, [1])).citations == [1]


async def test_a_failing_server_leaves_the_lexical_verdict(server):
    server.fail_with = 503
    try:
        async with httpx.AsyncClient() as client:
            checker = ServedChecker(VLLMScore(client, server.base_url, MODEL, api_key=None, timeout_s=5), 0.5)
            with pytest.raises(CheckerError, match="503"):
                await checker.scores(CLAIM, ["x"])
            decision = await Repairer(SOURCES, checker).decide(CLAIM, [1])
    finally:
        server.fail_with = None
    assert decision.citations == [] and decision.support == "unsupported"


async def test_a_wrong_model_name_is_the_servers_404(server):
    async with httpx.AsyncClient() as client:
        checker = ServedChecker(VLLMScore(client, server.base_url, "no-such-model", api_key=None, timeout_s=5), 0.5)
        with pytest.raises(CheckerError, match="404"):
            await checker.scores(CLAIM, ["x"])


def test_the_registry_is_off_by_default_and_a_served_backend_needs_its_url():
    client = httpx.AsyncClient()
    assert build_checker("lexical", client, base_url=None, model=MODEL) is None
    with pytest.raises(ValueError, match="base URL"):
        build_checker("score", client, base_url=None, model=MODEL)
