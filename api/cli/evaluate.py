"""`websearch eval FILE`: measure a deployment end to end on the user's own questions.

FILE is JSONL, one conversation a line:

    {"id": "q1", "question": "Who won the 2019 Prix Goncourt?", "answers": ["Jean-Paul Dubois"],
     "followups": [{"question": "Where was he born?", "answers": ["Lyon"]}]}

(`answer` may stand for a one-item `answers`; `id`, `followups` and `search` are optional). Every
line runs through the service's own graph with the configured model, search provider and store
(the Settings, as `websearch serve` reads them), follow-ups in the same conversation. For each
question: whether the answer contains a gold string, whether a source the answer cites contains
one, the latency, the model's prompt tokens and the evidence tokens; over all answers, citation
precision and recall as ALCE defines them (api/cli/citation_scores.py). Printed as a table; `--json
PATH` also writes every figure and every question's record, `--html PATH` a page to look at
(api/cli/report.py). Progress goes to stderr as the questions are answered (api/cli/progress.py);
Ctrl-C stops after the question under way is abandoned, and what was measured so far is still
printed and written (marked interrupted), exit code 130."""

from __future__ import annotations

import json
import math
import statistics
import time
import uuid
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, model_validator

from agent.settings import Settings
from api.cli import citation_scores
from api.cli.progress import Progress
from api.cli.records import ClaimRecord, QuoteRecord, Record, SourceRecord
from agent.state import AgentInput, AgentOutput, SearchMode
from core.errors import ErrorKind, WebsearchError


class EvalError(WebsearchError):
    """The file cannot be evaluated (unreadable, or a line that is not a question)."""

    kind = ErrorKind.BAD_REQUEST
    code = "unreadable_questions"


class FollowUp(BaseModel):
    question: str = Field(min_length=1)
    answers: list[str] = Field(default_factory=list)
    answer: str | None = None

    @model_validator(mode="after")
    def _gold(self):
        if self.answer:
            self.answers = [self.answer, *self.answers]
        if not [a for a in self.answers if a.strip()]:
            raise ValueError("needs `answers` (or `answer`): the gold strings an answer must contain")
        return self


class EvalItem(FollowUp):
    id: str | None = None
    followups: list[FollowUp] = Field(default_factory=list)
    search: SearchMode = "auto"


def load(path: Path) -> list[EvalItem]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"cannot read {path}: {exc}") from exc
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = EvalItem.model_validate_json(line)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            raise EvalError(f"{path}:{number}: {where}: {first['msg']}") from exc
        items.append(item.model_copy(update={"id": item.id or f"line{number}"}))
    if not items:
        raise EvalError(f"{path}: no questions")
    return items


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def contains(text: str, answers: list[str]) -> bool:
    text = _norm(text)
    return any(_norm(a) in text for a in answers if a.strip())


def score(record: Record, output: AgentOutput) -> None:
    from core.tokens import count_tokens

    record.answer = output.answer
    record.answer_has_gold = contains(output.answer, record.answers)
    cited = {c.index for c in output.citations}
    record.cited_source_has_gold = any(
        contains(s.context, record.answers) for s in output.sources if s.index in cited
    )
    record.evidence_tokens = sum(count_tokens(s.context) for s in output.sources)
    record.citations = sorted(cited)
    record.sources = [SourceRecord(index=s.index, title=s.title, url=s.url) for s in output.sources]
    record.claims = read_claims(output)


def read_claims(output: AgentOutput) -> list[ClaimRecord] | None:
    """The answer's checked claims, read defensively: absent until the service verifies citations,
    and each field optional, so the report lights up when they arrive and never breaks before."""
    claims = getattr(output, "claims", None)
    if claims is None:
        return None
    read = []
    for claim in claims:
        get = claim.get if isinstance(claim, dict) else (lambda name, default=None, c=claim: getattr(c, name, default))
        quotes = []
        for quote in get("quotes", None) or []:
            qget = quote.get if isinstance(quote, dict) else (lambda n, d=None, q=quote: getattr(q, n, d))
            if isinstance(qget("index", None), int):
                quotes.append(QuoteRecord(index=qget("index"), text=str(qget("text", "") or "")))
        support = get("support", None)
        read.append(
            ClaimRecord(
                text=str(get("text", "") or ""),
                support=str(getattr(support, "value", support)) if support is not None else None,
                citations=[c for c in get("citations", None) or [] if isinstance(c, int)],
                quotes=quotes,
            )
        )
    return read


def questions(items: list[EvalItem]) -> int:
    return sum(1 + len(item.followups) for item in items)


async def run(
    items: list[EvalItem], settings: Settings, records: list[Record] | None = None, progress: Progress | None = None
) -> list[Record]:
    """Answer every question in order, appending each measured record to `records` as it is done
    (so an interrupted run still has them) and telling `progress`."""
    from agent.engine import Engine
    from api.errors import describe

    engine = await Engine.open(settings)
    deps = engine.deps
    records = [] if records is None else records
    try:
        for item in items:
            conversation = uuid.uuid4().hex
            for turn, asked in enumerate([item, *item.followups]):
                record = Record(id=str(item.id), turn=turn, question=asked.question, answers=asked.answers)
                before = deps.llm.usage_total.model_copy()
                started = time.perf_counter()
                try:
                    output = await engine.answer(
                        AgentInput(question=asked.question, conversation_id=conversation, search=item.search)
                    )
                except Exception as exc:  # one failed question is a row of the table, not the end of the run
                    _, code, message = describe(exc)
                    record.error = f"{code}: {message}"
                else:
                    score(record, output)
                    record.citation_counts = await citation_scores.measure(output, deps.checker)
                record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
                record.prompt_tokens = deps.llm.usage_total.prompt_tokens - before.prompt_tokens
                record.cached_tokens = deps.llm.usage_total.cached_tokens - before.cached_tokens
                records.append(record)
                if progress is not None:
                    found = sum(r.answer_has_gold for r in records)
                    progress.update(note=f"found {found}/{len(records)}")
    finally:
        await engine.aclose()
    return records


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))]


def summarise(records: list[Record]) -> dict:
    groups = {
        "all": records,
        "first questions": [r for r in records if r.turn == 0],
        "follow-ups": [r for r in records if r.turn > 0],
    }
    out = {}
    for name, rows in groups.items():
        if not rows:
            continue
        latencies = [r.latency_ms for r in rows]
        prompts = [r.prompt_tokens for r in rows if r.prompt_tokens is not None]
        out[name] = {
            "questions": len(rows),
            "answer_has_gold": round(sum(r.answer_has_gold for r in rows) / len(rows), 4),
            "cited_source_has_gold": round(sum(r.cited_source_has_gold for r in rows) / len(rows), 4),
            "errors": sum(r.error is not None for r in rows),
            "latency_ms_p50": round(statistics.median(latencies), 1),
            "latency_ms_p95": round(_pct(latencies, 95), 1),
            "prompt_tokens_mean": round(statistics.mean(prompts)) if prompts else None,
            "cached_tokens_mean": round(statistics.mean(r.cached_tokens or 0 for r in rows)) if prompts else None,
            "evidence_tokens_mean": round(statistics.mean(r.evidence_tokens for r in rows)),
            **citation_scores.summary([r.citation_counts for r in rows]),  # citation_precision, citation_recall
        }
        claims = [c for r in rows for c in r.claims or []]
        if claims:  # the service's own verdicts (its citation checker), when its answers carry claims
            out[name]["claims_supported"] = round(sum(c.support == "supported" for c in claims) / len(claims), 4)
    return out


def table(summary: dict, records: list[Record]) -> str:
    lines = [
        f"{'':<16} {'n':>4} {'answer':>7} {'cited':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'prompt tok':>10}"
        f" {'cached':>7} {'evid tok':>8}"
    ]
    for name, s in summary.items():
        prompt = "-" if s["prompt_tokens_mean"] is None else str(s["prompt_tokens_mean"])
        cached = "-" if s["cached_tokens_mean"] is None else str(s["cached_tokens_mean"])
        lines.append(
            f"{name:<16} {s['questions']:>4} {s['answer_has_gold']:>7.3f} {s['cited_source_has_gold']:>7.3f} {s['errors']:>6}"
            f" {s['latency_ms_p50']:>8.0f} {s['latency_ms_p95']:>8.0f} {prompt:>10} {cached:>7} {s['evidence_tokens_mean']:>8}"
        )
    lines.append("answer = the answer contains a gold string; cited = a source the answer cites contains one")
    missed = [r for r in records if not r.answer_has_gold]
    for r in missed:
        lines.append(f"missed {r.id}#{r.turn}: {r.question}" + (f" ({r.error})" if r.error else ""))
    return "\n".join(lines)


def main(path: Path, json_path: Path | None, settings: Settings, html_path: Path | None = None) -> int:
    import asyncio
    import sys

    try:
        items = load(path)
    except EvalError as exc:
        print(f"websearch eval: {exc}", file=sys.stderr)
        return 2
    planned = questions(items)
    records: list[Record] = []
    interrupted = False
    with Progress(planned, desc="eval", unit="question", redraw_s=0) as progress:  # a question is a visible step
        try:
            asyncio.run(run(items, settings, records, progress))
        except KeyboardInterrupt:  # Ctrl-C: the question under way is dropped, the rest is reported
            interrupted = True
            progress.close(interrupted=True)
    summary = summarise(records)
    print(table(summary, records))
    print(citation_scores.line(summary.get("all", {}), settings.verify_backend))
    run_info = {"file": str(path), "planned": planned, "measured": len(records), "interrupted": interrupted}
    if json_path is not None:
        json_path.write_text(
            json.dumps(
                {"run": run_info, "summary": summary, "records": [r.model_dump() for r in records]},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    if html_path is not None:
        from api.cli.report import render

        html_path.write_text(render(summary, records, run_info), encoding="utf-8")
    return 130 if interrupted else 0
