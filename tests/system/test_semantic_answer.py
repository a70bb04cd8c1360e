"""The semantic signal wired through the service: Settings name the backend, the select stage asks it."""

from __future__ import annotations

from testkit.clients import answer as ask
from testkit.settings import make_settings
from testkit.app_server import ServedApp
from testkit.embedding_server import EmbeddingServer


def test_answer_with_a_served_reranker(local_web, megrez):
    with EmbeddingServer("BAAI/bge-reranker-v2-m3") as reranker:
        settings = make_settings(
            local_web, megrez, semantic_backend="rerank", semantic_base_url=reranker.base_url,
            semantic_model=reranker.model,
        )
        with ServedApp(settings) as app:
            body = ask(app, question="How much did the Aurora Bridge in Veldmark cost?").json()
        assert "420 million" in body["answer"] and body["citations"]
        asked = [r["body"] for r in reranker.requests if r["path"] == "/v1/rerank"]
        assert asked and asked[0]["query"] == "How much did the Aurora Bridge in Veldmark cost?"
        assert any("420 million" in document for document in asked[0]["documents"])


def test_answer_when_the_reranker_is_down_still_answers(local_web, megrez):
    settings = make_settings(local_web, megrez, semantic_backend="rerank", semantic_base_url="http://127.0.0.1:9/v1")
    with ServedApp(settings) as app:
        response = ask(app, question="How much did the Aurora Bridge in Veldmark cost?")
    assert response.status_code == 200 and "420 million" in response.json()["answer"]
