"""`websearch eval` scores citations as ALCE does (api/cli/citation_scores.py): a real subprocess, the
scripted Megrez citing carelessly (testkit/megrez/careless.py), English and Chinese questions."""

from __future__ import annotations

import json

import pytest

from agent.state import AgentOutput, Claim
from api.cli.citation_scores import drawn_claims, measure, summary
from search.models import Source
from testkit.cli import cli_env, run_cli

QUESTIONS = [
    {"id": "bridge", "question": "How much did the Aurora Bridge in Veldmark cost?", "answers": ["420 million"]},
    {"id": "qingchuan", "question": "青川大桥的总投资是多少？", "answer": "亿元"},
]


def evaluate(tmp_path, local_web, megrez, **env) -> tuple[str, dict]:
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS) + "\n", encoding="utf-8")
    out = tmp_path / "eval.json"
    done = run_cli("eval", str(questions), "--json", str(out), env={**cli_env(local_web, megrez), **env})
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    return done.stdout, report


def counts(report: dict) -> dict[str, dict]:
    return {r["id"]: r["citation_counts"] for r in report["records"]}


def test_wrong_pages_cited_score_zero_unchecked_and_one_once_re_pointed(tmp_path, local_web, megrez):
    megrez.careless = ["wrong_page"]  # every answer cites a page that does not hold its claim
    stdout, report = evaluate(tmp_path, local_web, megrez, WEBSEARCH_VERIFY="false")
    for qid, c in counts(report).items():  # as the model wrote them: each citation wrong, each claim unsupported
        assert c == {"claims": 1, "claims_supported": 0, "citations": 1, "citations_supporting": 0}, qid
    assert report["summary"]["all"]["citation_precision"] == 0.0 and report["summary"]["all"]["citation_recall"] == 0.0
    assert "citations (lexical checker): precision 0.000, recall 0.000 over 2 claims, 2 citations" in stdout

    stdout, report = evaluate(tmp_path, local_web, megrez)  # checked: re-pointed to the page that holds it
    for qid, c in counts(report).items():
        assert c == {"claims": 1, "claims_supported": 1, "citations": 1, "citations_supporting": 1}, qid
    assert report["summary"]["all"]["citation_precision"] == 1.0 and report["summary"]["all"]["citation_recall"] == 1.0
    assert "precision 1.000, recall 1.000 over 2 claims" in stdout


def test_an_unsupported_claim_costs_recall_not_precision(tmp_path, local_web, megrez):
    megrez.careless = ["unsupported"]  # a number changed: no page holds it; checked, it is shown uncited
    stdout, report = evaluate(tmp_path, local_web, megrez)
    for qid, c in counts(report).items():
        assert c == {"claims": 1, "claims_supported": 0, "citations": 0, "citations_supporting": 0}, qid
    s = report["summary"]["all"]
    assert s["citation_recall"] == 0.0 and s["citation_precision"] is None and s["claims"] == 2
    assert "precision -, recall 0.000 over 2 claims, 0 citations" in stdout


def test_a_paraphrase_is_supported_in_both_languages(tmp_path, local_web, megrez):
    megrez.careless = ["paraphrase"]  # reworded, numbers written another way: still supported
    _, report = evaluate(tmp_path, local_web, megrez)
    assert report["summary"]["all"]["citation_precision"] == 1.0 and report["summary"]["all"]["citation_recall"] == 1.0


# ----------------------------------------------------------------------------------------------
# The rules themselves, on sources written here
# ----------------------------------------------------------------------------------------------

SOURCES = [
    Source(index=1, url="https://a.example/", title="A", snippet="", context="The Aurora Bridge opened on 26 April 2016."),
    Source(index=2, url="https://b.example/", title="B", snippet="", context="The Aurora Bridge cost 420 million euros."),
    Source(index=3, url="https://c.example/", title="C", snippet="", context="Metro Line 4 opens in 2029 with twelve stations."),
    Source(index=4, url="https://d.example/", title="D", snippet="", context="青川大桥总投资 56 亿元，2019年通车。"),
]


async def test_alce_precision_counts_a_citation_that_supports_its_claim():
    answer = (
        "The Aurora Bridge opened on 26 April 2016 [1][3]. It cost 420 million euros [3]. "
        "青川大桥总投资 56 亿元[4]。"
    )
    assert drawn_claims(answer) == [
        ("The Aurora Bridge opened on 26 April 2016", [1, 3]),
        ("It cost 420 million euros", [3]),
        ("青川大桥总投资 56 亿元", [4]),
    ]
    got = await measure(AgentOutput(conversation_id="c", answer=answer, sources=SOURCES))
    # claim 1 supported by [1], [3] irrelevant; claim 2 cites the wrong page; claim 3 (Chinese) right
    assert (got.claims, got.claims_supported, got.citations, got.citations_supporting) == (3, 2, 4, 2)
    # the checked claims, when the answer has them, are what is scored (a claim shown uncited counts in recall)
    claims = [
        Claim(text="It cost 420 million euros", start=0, end=29, citations=[2], support="supported"),
        Claim(text="It cost 427 million euros", start=31, end=56, citations=[], support="unsupported"),
    ]
    got = await measure(AgentOutput(conversation_id="c", answer="It cost 420 million euros [2]. It cost 427 million euros.", claims=claims, sources=SOURCES))
    assert (got.claims, got.claims_supported, got.citations, got.citations_supporting) == (2, 1, 1, 1)
    assert summary([got, None]) == {"citation_recall": 0.5, "citation_precision": 1.0, "claims": 2, "citations": 1}


# ----------------------------------------------------------------------------------------------
# The served checker, when WEBSEARCH_VERIFY_BACKEND configures one (testkit's vLLM /v1/score)
# ----------------------------------------------------------------------------------------------


async def test_the_served_checker_counts_a_paraphrase_the_lexical_one_cannot_see():
    import httpx

    from agent.verify.served import build_checker
    from testkit.embedding_server import EmbeddingServer
    from testkit.claims import CLAIM, MODEL, SOURCES as GALLERY

    output = AgentOutput(
        conversation_id="c", answer=f"{CLAIM}[1].", sources=GALLERY,
        claims=[Claim(text=CLAIM, start=0, end=len(CLAIM) + 3, citations=[1], support="supported")],
    )
    lexical = await measure(output)
    assert (lexical.claims_supported, lexical.citations_supporting) == (0, 0)
    with EmbeddingServer(model=MODEL) as server:
        async with httpx.AsyncClient() as client:
            checker = build_checker("score", client, base_url=server.base_url, model=MODEL, threshold=0.5)
            served = await measure(output, checker)
        assert any(r["path"] == "/v1/score" for r in server.requests)
    assert (served.claims, served.claims_supported, served.citations, served.citations_supporting) == (1, 1, 1, 1)


def test_eval_names_the_served_checker_it_scored_with(tmp_path, local_web, megrez):
    from testkit.embedding_server import EmbeddingServer

    megrez.careless = ["paraphrase"]
    with EmbeddingServer(model="BAAI/bge-reranker-v2-m3") as server:
        stdout, report = evaluate(
            tmp_path, local_web, megrez, WEBSEARCH_VERIFY_BACKEND="score", WEBSEARCH_VERIFY_URL=server.base_url
        )
    assert "citations (score checker): precision 1.000, recall 1.000 over 2 claims" in stdout
