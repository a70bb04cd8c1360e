"""Questions that need more than one search (issue #13): multi-part questions over the local web.

Each question's parts are known (testkit/megrez/planner.py: what a strong planner would search for,
and what a page must say for the part to be answered). The real service answers them against the
scripted Megrez server, which searches again while a part is missing, and its 16-token-block prefix
cache (as vLLM's automatic prefix caching). Reported, per depth:

* complete: the share of questions whose answer contains every part (aim >= 0.9 at depth auto);
* rounds: search rounds used;
* evidence: tokens of numbered contexts the final answer step read (every round's);
* prefix reuse: of each later round's answer prompt, the share of the previous round's prompt
  served from the cache (aim >= 0.9) — rounds are append-only, so it should all be there;
* latency per round: the round's stages (search, read, rank, select, condense, answer), ms.

    .venv/bin/python -m bench.rounds [--json]

The questions are testkit/megrez/planner.py's PLANS (5) and HARD_PLANS (10, issue #28: a body named in
full on one page and by its acronym on the next, answers in other words than the part's search,
three hops, a next part deep in a page an earlier round read), over testkit/pages/ plus
testkit/pages/rounds/.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import httpx

from core.tokens import count_tokens
from testkit.app_server import ServedApp
from testkit.megrez import ScriptedMegrez, parse_contexts, render_megrez, tokenize
from testkit.megrez.planner import HARD_PLANS, PLANS
from testkit.settings import MANY_USERS, make_settings
from testkit.web import LocalWeb, with_rounds

ROUND_STAGES = ("search", "read", "rank", "select", "condense", "answer")


def round_latency(timings: dict[str, float], rounds: int) -> list[float]:
    """Each round's stages summed (round 1's keys are bare, a later round's `stage.N`)."""
    out = []
    for r in range(1, rounds + 1):
        keys = [s if r == 1 else f"{s}.{r}" for s in ROUND_STAGES]
        out.append(round(sum(timings.get(k, 0.0) for k in keys), 1))
    return out


def ask(app: ServedApp, megrez: ScriptedMegrez, question: str, depth: str) -> dict:
    megrez.prefix_log.clear()
    response = httpx.post(f"{app.base_url}/v1/answer", json={"question": question, "depth": depth}, timeout=120)
    response.raise_for_status()
    body = response.json()
    answers = [e for e in list(megrez.prefix_log) if e["messages"] and e["messages"][-1]["role"] == "observation"]
    # What a later round could take from the cache: everything before its new observation (the
    # previous round's prompt, and the call the model wrote there).
    reuse = []
    for later in answers[1:]:
        reusable = len(tokenize(render_megrez(later["messages"][:-1], add_generation_prompt=False)))
        reuse.append(min(1.0, later["cached_tokens"] / reusable) if reusable else 0.0)
    final = answers[-1]["messages"] if answers else []
    evidence = sum(
        count_tokens(context["text"])
        for message in final
        if message["role"] == "observation"
        for context in parse_contexts(message["content"])
    )
    return {"body": body, "reuse": reuse, "evidence": evidence}


def run() -> dict:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp, LocalWeb(with_rounds(Path(tmp))) as web, ScriptedMegrez() as megrez:
        for depth in ("quick", "auto", "deep"):
            # A fresh service per depth: its page cache empty, so every round fetches its pages.
            with ServedApp(make_settings(web, megrez, **MANY_USERS, log_level="WARNING")) as app:
                rows = []
                for plan in PLANS + HARD_PLANS:
                    outcome = ask(app, megrez, plan.question, depth)
                    body = outcome["body"]
                    parts = [part.evidence in body["answer"] for part in plan.parts]
                    rows.append(
                        {
                            "question": plan.question,
                            "hard": plan in HARD_PLANS,
                            "parts": len(plan.parts),
                            "parts_answered": sum(parts),
                            "complete": all(parts),
                            "rounds": body["search_rounds"],
                            "evidence_tokens": outcome["evidence"],
                            "prefix_reuse": [round(x, 3) for x in outcome["reuse"]],
                            "round_ms": round_latency(body["timings"], body["search_rounds"]),
                            "total_ms": body["timings"].get("total"),
                        }
                    )
                reuse = [x for row in rows for x in row["prefix_reuse"]]
                per_round: dict[int, list[float]] = {}
                for row in rows:
                    for r, ms in enumerate(row["round_ms"], start=1):
                        per_round.setdefault(r, []).append(ms)
                results[depth] = {
                    "questions": len(rows),
                    "complete": round(sum(r["complete"] for r in rows) / len(rows), 3),
                    "complete_hard": round(sum(r["complete"] for r in rows if r["hard"]) / max(1, sum(r["hard"] for r in rows)), 3),
                    "parts_answered": round(sum(r["parts_answered"] for r in rows) / sum(r["parts"] for r in rows), 3),
                    "mean_rounds": round(statistics.mean(r["rounds"] for r in rows), 2),
                    "mean_evidence_tokens": round(statistics.mean(r["evidence_tokens"] for r in rows)),
                    "max_evidence_tokens": max(r["evidence_tokens"] for r in rows),
                    "prefix_reuse_min": round(min(reuse), 3) if reuse else None,
                    "prefix_reuse_mean": round(statistics.mean(reuse), 3) if reuse else None,
                    "median_ms_per_round": {r: round(statistics.median(v), 1) for r, v in sorted(per_round.items())},
                    "rows": rows,
                }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = run()
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print(f"Multi-part questions over the local web: {results['auto']['questions']} (English and Chinese)")
    print(f"{'depth':<6} {'complete':>8} {'(hard)':>6} {'parts':>6} {'rounds':>6} {'evidence':>9} {'max ev.':>8} {'reuse min':>9} {'reuse mean':>10}  ms per round (median)")
    for depth, r in results.items():
        per_round = ", ".join(f"r{k}: {v}" for k, v in r["median_ms_per_round"].items())
        reuse_min = "-" if r["prefix_reuse_min"] is None else f"{r['prefix_reuse_min']:.3f}"
        reuse_mean = "-" if r["prefix_reuse_mean"] is None else f"{r['prefix_reuse_mean']:.3f}"
        print(
            f"{depth:<6} {r['complete']:>8.2f} {r['complete_hard']:>6.2f} {r['parts_answered']:>6.2f} {r['mean_rounds']:>6.2f} {r['mean_evidence_tokens']:>9} "
            f"{r['max_evidence_tokens']:>8} {reuse_min:>9} {reuse_mean:>10}  {per_round}"
        )
    for row in results["auto"]["rows"]:
        print(f"  auto: {row['parts_answered']}/{row['parts']} parts, {row['rounds']} rounds  {row['question']}")


if __name__ == "__main__":
    main()
