"""Does the decide step search when it should, and only then — per model protocol, side by side.

    python -m bench.decide            # scripted Megrez, tools and plain models, and the real SmolLM2
    python -m bench.decide --no-smollm2
    python -m bench.decide --heldout  # the plain protocol's rule on the labelled sets (old, fresh, fresh2), both halves

Factual questions (people, places, numbers, dates, prices, news) and chit-chat (greetings, thanks,
arithmetic, translation, rewriting, writing), 8 of each in English and 8 in Chinese, none of them
in the tests. Each protocol runs the real decide step (agent/protocols) in a one-node graph:

* megrez  — the scripted Megrez (testkit/megrez/) over HTTP, its text function calls;
* tools   — the scripted server as a tool-capable model (calls only through `tools`);
* plain   — the scripted server as a model that can call nothing (the bilingual rule decides);
* smollm2 — the real SmolLM2-135M GGUF, embedded (auto: chatml -> tools via llama.cpp's handler);
* smollm2-plain — the same model with WEBSEARCH_LLM_PROTOCOL=plain.

The scripted servers answer with a 50 ms time to first token and 5 ms per chunk, so "decide ms" is
the step's added latency on a fast server; the SmolLM2 rows are CPU time on this machine. "by
model" is how many decisions the model made itself (the rest the rule made, or corrected).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

from langgraph.graph import END, START, StateGraph

from agent.deps import Deps, build_deps
from agent.settings import Settings
from agent.state import AgentState
from core.language import detect_language
from testkit.megrez import ScriptedMegrez
from testkit.models import embedded_model_missing, smollm2_gguf

FACTUAL = {
    "en": [
        "Who is the current CEO of Microsoft?",
        "When was the Eiffel Tower completed?",
        "What is the price of Bitcoin today?",
        "Which team won the last FIFA World Cup?",
        "How tall is Mount Kilimanjaro?",
        "What did the Federal Reserve announce this week?",
        "Where is the Louvre Abu Dhabi?",
        "latest news on the Artemis program",
    ],
    "zh": [
        "现任微软首席执行官是谁？",
        "埃菲尔铁塔是哪一年建成的？",
        "今天比特币的价格是多少？",
        "上一届世界杯冠军是哪个国家？",
        "乞力马扎罗山有多高？",
        "杭州亚运会是什么时候举行的？",
        "卢浮宫阿布扎比分馆在哪里？",
        "华为最新发布的手机是什么？",
    ],
}
CHAT = {
    "en": [
        "Good morning!",
        "Thank you so much",
        "What is 45 + 17?",
        "Translate 'where is the station' into German",
        "Rewrite this more politely: send me the file now",
        "Write a haiku about rain",
        "How are you today?",
        "Can you summarize this: the meeting moved to Friday because the room was booked.",
    ],
    "zh": [
        "早上好！",
        "非常感谢",
        "45加17等于多少？",
        "把“车站在哪里”翻译成德语",
        "帮我改写得更礼貌一点：马上把文件发给我",
        "写一首关于雨的小诗",
        "你最近好吗？",
        "请总结一下：会议改到周五，因为会议室被占了。",
    ],
}


def decide_graph(decisions: list):
    """The protocol's decide step in a graph of its own (it streams, so it needs a graph run)."""

    async def node(state: AgentState, runtime) -> dict:
        deps: Deps = runtime.context
        decision = await deps.protocol.protocol.decide(state, deps.protocol_context(state.conversation_id))
        decisions.append(decision)
        return {"searched": bool(decision.query)}

    graph = StateGraph(AgentState, context_schema=Deps)
    graph.add_node("decide", node)
    graph.add_edge(START, "decide")
    graph.add_edge("decide", END)
    return graph.compile()


async def measure(deps: Deps, limit: int | None) -> dict:
    decisions: list = []
    graph = decide_graph(decisions)
    rows = []
    for lang in ("en", "zh"):
        for kind, questions in (("factual", FACTUAL[lang]), ("chat", CHAT[lang])):
            for question in questions[:limit]:
                state = AgentState(question=question, conversation_id="bench", language=detect_language(question))
                started = time.perf_counter()
                await graph.ainvoke(state, context=deps)
                elapsed = (time.perf_counter() - started) * 1000
                decision = decisions[-1]
                rows.append(
                    {
                        "lang": lang,
                        "kind": kind,
                        "question": question,
                        "searched": bool(decision.query),
                        "query": decision.query,
                        "by_model": decision.decided_by == "model",
                        "ms": elapsed,
                    }
                )
    await deps.aclose()
    return {"protocol": deps.protocol.name, "rows": rows}


def scripted(mode: str, model: str, protocol: str, limit: int | None) -> dict:
    with ScriptedMegrez(mode=mode, model=model, delay_s=0.05, chunk_delay_s=0.005) as server:
        settings = Settings(
            _env_file=None, llm_base_url=server.base_url, llm_model=model, llm_protocol=protocol, log_level="WARNING"
        )
        return asyncio.run(measure(build_deps(settings), limit))


def embedded(protocol: str, limit: int | None) -> dict:
    settings = Settings(
        _env_file=None,
        llm_gguf=str(smollm2_gguf()),
        llm_context_tokens=2048,
        answer_max_tokens=48,
        decide_max_tokens=48,
        llm_protocol=protocol,
        search_by_rule=False,  # the model's own choice is measured (the CPU profile would let the rule decide)
        log_level="WARNING",
    )
    return asyncio.run(measure(build_deps(settings), limit))


def summarise(name: str, result: dict) -> list[dict]:
    lines = []
    for lang in ("en", "zh", "all"):
        rows = [r for r in result["rows"] if lang == "all" or r["lang"] == lang]
        factual = [r for r in rows if r["kind"] == "factual"]
        chat = [r for r in rows if r["kind"] == "chat"]
        lines.append(
            {
                "setup": name,
                "protocol": result["protocol"],
                "lang": lang,
                "searched_when_needed": sum(r["searched"] for r in factual) / max(len(factual), 1),
                "not_searched_when_not": sum(not r["searched"] for r in chat) / max(len(chat), 1),
                "decide_ms_factual_median": statistics.median([r["ms"] for r in factual] or [0.0]),
                "decide_ms_chat_median": statistics.median([r["ms"] for r in chat] or [0.0]),
                "by_model": sum(r["by_model"] for r in rows),
                "questions": len(rows),
            }
        )
    return lines


def heldout_rule() -> list[dict]:
    """The `plain` protocol's decision (agent/protocols/plain.py: the bilingual rule, no model) per
    labelled set, half and language. Two sets: `old` is bench/data/decide_heldout.json plus every
    question of bench/data/heldout.json as a factual row (both halves were seen while the rule was
    tuned); `fresh` is bench/data/decide_fresh.json, written before its author read the rule. Only the
    fresh set's `test` half is held out now: tune on the rest. `fresh2` is bench/data/decide_fresh2.json,
    a second set written before its author read the rule or the other sets; its `all` rows are the whole
    set (both halves), a clean held-out figure only while no half of it has been tuned on. Its tuning half
    has since been tuned on (with old and fresh): only fresh2's `test` half is held out now."""
    import hashlib
    from pathlib import Path

    from agent.protocols.plain import rule_wants_search

    data = Path(__file__).resolve().parent / "data"
    old = json.loads((data / "decide_heldout.json").read_text())["questions"]
    for q in json.loads((data / "heldout.json").read_text())["questions"]:
        qid = f"fact-{q['id']}"
        half = "tune" if hashlib.sha256(qid.encode()).digest()[0] % 2 == 0 else "test"
        old.append({"id": qid, "lang": q["lang"], "label": "search", "question": q["question"], "split": half})
    fresh = json.loads((data / "decide_fresh.json").read_text())["questions"]
    fresh2 = json.loads((data / "decide_fresh2.json").read_text())["questions"]
    table = []
    for name, rows in (("old", old), ("fresh", fresh), ("fresh2", fresh2)):
        for half in ("tune", "test", "all") if name == "fresh2" else ("tune", "test"):
            for lang in ("en", "zh"):
                rows_in = [r for r in rows if half in ("all", r["split"]) and r["lang"] == lang]
                factual = [r for r in rows_in if r["label"] == "search"]
                chat = [r for r in rows_in if r["label"] == "chat"]
                table.append({
                    "set": name, "half": half, "lang": lang, "factual": len(factual), "chat": len(chat),
                    "searched_when_needed": sum(rule_wants_search(r["question"]) for r in factual) / len(factual),
                    "searched_chat": sum(rule_wants_search(r["question"]) for r in chat) / len(chat),
                    "wrong": [r["question"] for r in factual + chat
                              if rule_wants_search(r["question"]) != (r["label"] == "search")],
                })
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-smollm2", action="store_true", help="skip the real model (slow on a busy CPU)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many questions of each kind and language")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--heldout", action="store_true", help="only the plain rule on the labelled sets (old, fresh, fresh2)")
    args = parser.parse_args()
    if args.heldout:
        table = heldout_rule()
        if args.json:
            print(json.dumps(table, indent=2, ensure_ascii=False))
            return
        print(f"{'set':6} {'half':5} {'lang':4} {'factual':>7} {'searched':>8} {'chat':>5} {'searched':>8}"
              "  (plain protocol: the rule decides)")
        for line in table:
            print(f"{line['set']:6} {line['half']:5} {line['lang']:4} {line['factual']:>7} "
                  f"{line['searched_when_needed']:8.3f} {line['chat']:>5} {line['searched_chat']:8.3f}")
            # The misses a tuner may look at: every row of the old set (both halves were seen), the
            # fresh sets' tuning halves; the test halves' (and fresh2's whole-set rows) are only in --json.
            if (line["set"] == "old" or line["half"] == "tune") and line["wrong"]:
                print("      wrong: " + " | ".join(line["wrong"]))
        return

    results = {
        "megrez (scripted)": scripted("megrez", "megrez", "auto", args.limit),
        "tools (scripted)": scripted("tools", "Qwen/Qwen2.5-7B-Instruct", "auto", args.limit),
        "plain (scripted)": scripted("plain", "google/gemma-2-2b-it", "plain", args.limit),
    }
    if not args.no_smollm2:
        if reason := embedded_model_missing():
            print(f"SmolLM2 skipped: {reason}", file=sys.stderr)
        else:
            results["SmolLM2-135M (embedded, auto)"] = embedded("auto", args.limit)
            results["SmolLM2-135M (embedded, plain)"] = embedded("plain", args.limit)

    table = [line for name, result in results.items() for line in summarise(name, result)]
    if args.json:
        print(json.dumps({"table": table, "rows": {k: v["rows"] for k, v in results.items()}}, indent=2, ensure_ascii=False))
        return
    print(f"{'set-up':32} {'protocol':8} {'lang':4} {'searched|needed':>16} {'no search|chat':>15} "
          f"{'decide ms (factual)':>20} {'(chat)':>9} {'by model':>9}")
    for line in table:
        print(
            f"{line['setup']:32} {line['protocol']:8} {line['lang']:4} {line['searched_when_needed']:16.2f} "
            f"{line['not_searched_when_not']:15.2f} {line['decide_ms_factual_median']:20.0f} "
            f"{line['decide_ms_chat_median']:9.0f} {line['by_model']:>5}/{line['questions']}"
        )
    misses = [
        (name, r["question"], r["searched"]) for name, result in results.items() for r in result["rows"]
        if r["searched"] != (r["kind"] == "factual")
    ]
    if misses:
        print("\nwrong decisions:")
        for name, question, searched in misses:
            print(f"  {name}: {question!r} -> {'searched' if searched else 'not searched'}")


if __name__ == "__main__":
    main()
