"""`websearch eval --html`: the page a person opens, in real Chromium (Debian's, via Playwright).

With WEBSEARCH_EVAL_SCREENSHOTS=1 the screenshot is also written to docs/eval-report.png (the README's)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from agent.state import AgentOutput
from api.cli.citation_scores import CitationCounts
from api.cli.evaluate import ClaimRecord, Record, SourceRecord, read_claims, summarise
from api.cli.report import render
from testkit.cli import EVAL_QUESTIONS as QUESTIONS
from testkit.cli import cli_env, run_cli

ROOT = Path(__file__).resolve().parents[3]
MORE = [
    {"id": "zephyr", "question": "What is the energy density of the Zephyr-9 battery?", "answer": "412 Wh/kg"},
    {"id": "larkspur", "question": "When did the Larkspur Observatory's main telescope see first light?", "answer": "1998"},
    {"id": "xinghe", "question": "星河七号卫星的轨道高度是多少？", "answer": "540 公里"},
    {"id": "songxi", "question": "第十二届松溪茶文化节吸引了多少游客？", "answer": "18 万人次"},
]


@pytest.fixture
def page_of(browser, tmp_path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    yield context
    context.close()


def test_the_html_report_shows_figures_histogram_and_rows_filterable_to_misses(tmp_path, local_web, megrez, page_of):
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [*QUESTIONS, *MORE]) + "\n", encoding="utf-8")
    report = tmp_path / "report.html"
    done = run_cli("eval", str(questions), "--html", str(report), "--json", str(tmp_path / "r.json"), env=cli_env(local_web, megrez))
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))

    page = page_of.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    assert requested == [report.as_uri()]  # self-contained: nothing else is fetched

    cards = {c.locator("span").inner_text(): c.locator("b").inner_text() for c in page.locator(".card").all()}
    assert cards["questions"] == "8"
    assert cards["found: the answer holds a gold string"] == "87.5%"
    assert cards["latency p50"] and cards["latency p95"] and cards["prompt tokens, mean"] != "–"
    # The service checks its citations, so ALCE's figures are there (api/cli/citation_scores.py,
    # tested on its own in test_evaluate_citations.py).
    summary = data["summary"]["all"]
    assert 0 < summary["citation_recall"] <= 1 and 0 < summary["citation_precision"] <= 1
    assert f"recall {summary['citation_recall']:.3f}" in done.stdout and "(ALCE)" in done.stdout
    assert cards["citation recall (ALCE, per claim)"] == f"{summary['citation_recall'] * 100:.1f}%"
    assert cards["citation precision (ALCE)"] == f"{summary['citation_precision'] * 100:.1f}%"
    # The histogram: one stacked bar segment per non-empty bin, 8 answers in all, one of them red.
    bars = page.locator("svg rect.bar")
    counted = sum(int(t.split(": ")[1].split()[0]) for t in bars.locator("title").all_text_contents())
    assert counted == 8 and page.locator("svg rect.missed").count() == 1
    assert page.locator("svg text", has_text="p95").count() == 1

    rows = page.locator("#questions tbody tr")
    assert rows.count() == 8
    chinese = rows.filter(has_text="青川大桥的总投资是多少？")
    assert chinese.is_visible() and "56 亿元" in chinese.locator(".answer").inner_text()
    # The answer's [n] markers link to its numbered sources, in the same row.
    marker = chinese.locator(".answer a.cite").first
    target = marker.get_attribute("href")
    assert chinese.locator(target).count() == 1 and "qingchuan" in chinese.locator(target).inner_html()
    assert "found" in chinese.locator("td").nth(1).inner_text()
    # The service checks its citations claim by claim: each row's claims, folded when all hold.
    claims = chinese.locator("details.claims")
    assert re.fullmatch(r"\d+ claims?, \d+ supported", claims.locator("summary").inner_text())
    assert float(cards["claims supported (the service's check)"].rstrip("%")) > 50

    page.get_by_role("button", name="Misses (1)").click()
    visible = [r for r in rows.all() if r.is_visible()]
    assert len(visible) == 1 and "toll booth" in visible[0].inner_text() and "missed" in visible[0].inner_text()
    assert page.locator("#shown").inner_text() == "1 / 8"
    page.get_by_role("button", name="All (8)").click()
    page.get_by_role("searchbox").fill("星河")
    assert [r.get_attribute("data-id") for r in rows.all() if r.is_visible()] == ["xinghe#0"]
    page.get_by_role("searchbox").fill("")

    # Chinese text is drawn with glyphs, not the missing-glyph box: two different characters differ.
    differ = page.evaluate(
        """() => {
          const font = getComputedStyle(document.querySelector('.q')).font;
          const draw = (ch) => { const c = document.createElement('canvas'); c.width = c.height = 40;
            const x = c.getContext('2d'); x.font = font.replace(/\\d+(\\.\\d+)?px/, '28px'); x.fillText(ch, 4, 32);
            return Array.from(x.getImageData(0, 0, 40, 40).data).join(','); };
          return draw('青') !== draw('川') && draw('青') !== draw('');
        }"""
    )
    assert differ, "no CJK font: Chinese renders as boxes (apt-get install fonts-wqy-microhei)"

    shot = tmp_path / "eval-report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    if os.environ.get("WEBSEARCH_EVAL_SCREENSHOTS") == "1":
        shutil.copy(shot, ROOT / "docs" / "eval-report.png")
    assert data["summary"]["all"]["questions"] == 8


def _record(n: int, **extra) -> Record:
    return Record(
        id=f"q{n}", turn=0, question=f"Question {n}?", answers=["x"], answer=f"Answer {n} [1].", answer_has_gold=n % 2 == 0,
        latency_ms=100.0 * n, prompt_tokens=900, evidence_tokens=300, citations=[1],
        sources=[SourceRecord(index=1, title="A page", url="https://example.org/a")], **extra,
    )


def test_citation_precision_and_recall_appear_only_when_the_answers_carry_claims():
    plain = [_record(n) for n in range(1, 5)]
    page = render(summarise(plain), plain, {"file": "q.jsonl", "planned": 4, "measured": 4})
    assert "citation recall" not in page and "citation precision" not in page and "claims supported" not in page

    claims = [ClaimRecord(text="Answer 1.", support="supported", citations=[1]), ClaimRecord(text="More.", support="unsupported")]
    counts = CitationCounts(claims=2, claims_supported=1, citations=1, citations_supporting=1)
    checked = [_record(n, claims=claims, citation_counts=counts) for n in range(1, 5)]
    summary = summarise(checked)
    assert summary["all"]["citation_recall"] == 0.5 and summary["all"]["citation_precision"] == 1.0
    page = render(summary, checked, {"file": "q.jsonl", "planned": 4, "measured": 4})
    assert "citation recall (ALCE, per claim)" in page and "citation precision (ALCE)" in page
    assert "1/2 claims supported" in page and ">unsupported</span>More." in page
    assert '<details class="claims" open><summary>2 claims, 1 supported</summary>' in page  # a doubt is shown unfolded
    assert summary["all"]["claims_supported"] == 0.5


def test_claims_are_read_from_the_typed_response():
    from pydantic import BaseModel

    from agent.state import Claim, Quote

    class Unchecked(BaseModel):  # a response without claims at all (a build before citation checks)
        conversation_id: str

    assert read_claims(Unchecked(conversation_id="c")) is None
    output = AgentOutput(
        conversation_id="c",
        claims=[
            Claim(text="青川大桥总投资 56 亿元。", start=0, end=16, citations=[2], support="supported",
                  quotes=[Quote(index=2, text="总投资约 56 亿元")]),
            Claim(text="It opened in 1999.", start=17, end=35, citations=[], support="unsupported"),
        ],
    )
    first, second = read_claims(output)
    assert first.text.startswith("青川") and first.support == "supported" and first.citations == [2]
    assert first.quotes[0].index == 2 and first.quotes[0].text == "总投资约 56 亿元"
    assert second.support == "unsupported" and second.citations == [] and second.quotes == []


def test_an_interrupted_run_says_so_on_the_page():
    records = [_record(1)]
    page = render(summarise(records), records, {"file": "q.jsonl", "planned": 10, "measured": 1, "interrupted": True})
    assert "Interrupted (Ctrl-C) after 1 of 10 questions" in page
    empty = render(summarise([]), [], {"file": "q.jsonl", "planned": 10, "measured": 0, "interrupted": True})
    assert "No question was measured." in empty


def test_with_citation_checks_off_the_service_verdicts_are_absent_not_zero(tmp_path, local_web, megrez):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps(QUESTIONS[1], ensure_ascii=False) + "\n", encoding="utf-8")
    env = {**cli_env(local_web, megrez), "WEBSEARCH_VERIFY": "false"}
    done = run_cli("eval", str(questions), "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"), env=env)
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["records"][0]["answer_has_gold"] and data["records"][0]["claims"] == []
    # No verdicts of the service's to count; the model's own markers are still scored, unchecked
    # (api/cli/citation_scores.drawn_claims), which is what checking is measured against.
    assert "claims_supported" not in data["summary"]["all"]
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "claims supported" not in page
