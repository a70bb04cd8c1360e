"""`websearch eval FILE` as a user runs it: a real subprocess against the scripted model and the local web."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli.evaluate import EvalError, load
from testkit.cli import EVAL_QUESTIONS as QUESTIONS
from testkit.cli import cli_env, run_cli

ROOT = Path(__file__).resolve().parents[3]


def test_eval_scores_answers_citations_latency_and_tokens(tmp_path, local_web, megrez):
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS) + "\n", encoding="utf-8")
    out = tmp_path / "eval.json"
    done = run_cli("eval", str(questions), "--json", str(out), env=cli_env(local_web, megrez))
    assert done.returncode == 0, done.stderr
    assert "answer" in done.stdout and "follow-ups" in done.stdout
    assert "missed unknown#0" in done.stdout

    report = json.loads(out.read_text(encoding="utf-8"))
    records = {(r["id"], r["turn"]): r for r in report["records"]}
    assert set(records) == {("bridge", 0), ("bridge", 1), ("qingchuan", 0), ("unknown", 0)}
    for key in (("bridge", 0), ("bridge", 1), ("qingchuan", 0)):
        assert records[key]["answer_has_gold"] and records[key]["cited_source_has_gold"], records[key]
        assert records[key]["prompt_tokens"] > 100 and records[key]["evidence_tokens"] > 50
        assert records[key]["latency_ms"] > 0 and records[key]["error"] is None
    assert not records[("unknown", 0)]["answer_has_gold"]
    # The follow-up ran in the same conversation: its prompt held the first exchange.
    follow_up = next(
        r["body"]["messages"] for r in megrez.requests
        if r["path"].endswith("/chat/completions") and r["body"]["messages"][-1]["content"] == "Who was its lead engineer?"
    )
    assert any(m["content"] == QUESTIONS[0]["question"] for m in follow_up)
    summary = report["summary"]
    assert summary["all"]["questions"] == 4 and summary["all"]["answer_has_gold"] == 0.75
    assert summary["follow-ups"]["questions"] == 1 and summary["follow-ups"]["answer_has_gold"] == 1.0
    assert summary["all"]["latency_ms_p95"] >= summary["all"]["latency_ms_p50"] > 0


def test_eval_with_the_model_down_reports_each_question_as_an_error(tmp_path, local_web):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps(QUESTIONS[1], ensure_ascii=False) + "\n", encoding="utf-8")
    env = {"WEBSEARCH_LLM_BASE_URL": "http://127.0.0.1:9/v1", "WEBSEARCH_SEARXNG_URL": local_web.searxng_url,
           "WEBSEARCH_SEARCH_PROVIDER": "searxng"}
    done = run_cli("eval", str(questions), env=env)
    assert done.returncode == 0 and "Traceback" not in done.stderr + done.stdout
    assert "missed qingchuan#0" in done.stdout and "127.0.0.1:9" in done.stdout


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"answers": ["x"]}', "question"),
        ('{"question": "Who?"}', "answers"),
        ('{"question": "Who?", "answers": ["x"], "followups": [{"question": "And?"}]}', "followups.0"),
        ("not json", "line"),
    ],
)
def test_bad_lines_are_named_with_their_line_number(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "Fine?", "answer": "yes"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(EvalError) as caught:
        load(path)
    assert f"bad.jsonl:2:" in str(caught.value) and message in str(caught.value)


def test_a_bad_file_exits_2_with_one_line(tmp_path):
    done = run_cli("eval", str(tmp_path / "missing.jsonl"), env={})
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "cannot read" in done.stderr


@pytest.mark.parametrize("name", ["questions_en.jsonl", "questions_zh.jsonl"])
def test_shipped_sample_files_are_valid(name):
    items = load(ROOT / "bench" / "eval" / name)
    assert len(items) >= 3 and any(item.followups for item in items)
