"""Condensing pages in one batched request versus one request per page.

Runs the service's real retrieval over the local web, builds the condense prompts for each
question's pages, and times them against the scripted Megrez server (which waits `--ttft` seconds
before each response, as a loaded GPU server would) three ways: one batched /v1/completions
request, one /v1/chat/completions request per page in turn, and the same concurrently. Also counts
the model calls of a whole answered question with condensing on.

    .venv/bin/python -m bench.batching [--ttft 0.15] [--json]

The scripted server does not model GPU compute: what it shows is calls and round trips, not
vLLM's batching arithmetic (vLLM would also batch concurrent requests, continuously).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx

import prompts
from inference.base import GenerationParams, Message
from inference.openai_server import OpenAIServerLLM
from search.fetch import Fetcher
from core.language import detect_language
from search.models import SearchOptions
from search.providers.searxng import SearxngProvider
from search.rank import rank_passages
from search.read import read
from core.cgroup import default_size
from core.workers import WorkerPool
from search.select import select_sources
from testkit.settings import MANY_USERS, make_settings
from testkit.app_server import ServedApp
from testkit.megrez import ScriptedMegrez
from testkit.web import LocalWeb

QUESTIONS = [
    "How much did the Aurora Bridge in Veldmark cost?",
    "What is the energy density of the Zephyr-9 battery?",
    "How big is the Larkspur Observatory telescope?",
    "青川大桥的总投资是多少？",
    "白鹭湖湿地的面积有多大？",
    "星河七号卫星的轨道高度是多少？",
]


async def page_batches(web: LocalWeb) -> list[list[list[Message]]]:
    batches = []
    async with httpx.AsyncClient() as client, WorkerPool(default_size(), deadline_s=10.0, memory_mb=0) as workers:
        provider = SearxngProvider(web.searxng_url, client)
        fetcher = Fetcher(client, allow_hosts={web.host_port})
        for question in QUESTIONS:
            lang = detect_language(question)
            results = await provider.search(question, SearchOptions(language=lang))
            pages = await read(results, fetcher, workers=workers, limit=5)
            sources = select_sources(pages, rank_passages(pages, question, question), budget_tokens=6000, source_tokens=1200)
            system = Message(role="system", content=prompts.chat_system(lang, __import__("datetime").date.today()))
            batches.append(
                [
                    [system, Message(role="user", content=prompts.condense_prompt(
                        lang, question=question, title=s.title, text=s.context, words=175))]
                    for s in sources
                ]
            )
    return batches


async def time_strategies(megrez: ScriptedMegrez, batches) -> dict:
    llm = OpenAIServerLLM(megrez.base_url, megrez.model)
    params = GenerationParams(temperature=0.0, max_tokens=350)
    timings: dict[str, list[float]] = {"batched": [], "sequential": [], "concurrent": []}
    calls: dict[str, int] = {"batched": 0, "sequential": 0, "concurrent": 0}
    for batch in batches:
        for name in timings:
            before = len(megrez.requests)
            started = time.perf_counter()
            if name == "batched":
                await llm.chat_batch(batch, params)
            elif name == "sequential":
                for messages in batch:
                    await llm.chat(messages, params)
            else:
                await asyncio.gather(*(llm.chat(messages, params) for messages in batch))
            timings[name].append((time.perf_counter() - started) * 1000)
            calls[name] += len(megrez.requests) - before
    await llm.aclose()
    return {
        name: {
            "model_calls_per_question": calls[name] / len(batches),
            "median_ms": statistics.median(values),
            "max_ms": max(values),
        }
        for name, values in timings.items()
    }


def whole_question_calls(web: LocalWeb, megrez: ScriptedMegrez) -> dict:
    # The local pages are short: a 300-token budget makes them overflow it, as long pages would.
    settings = make_settings(web, megrez, **MANY_USERS, condense=True, context_tokens=300, source_tokens=120, log_level="WARNING")
    counts, condensed = [], 0
    with ServedApp(settings) as app:
        for question in QUESTIONS:
            before = len(megrez.requests)
            httpx.post(f"{app.base_url}/v1/answer", json={"question": question}, timeout=60)
            new = megrez.requests[before:]
            counts.append(len(new))
            condensed += any(r["path"] == "/v1/completions" for r in new)
    return {"model_calls_per_question": statistics.mean(counts), "questions_condensed": condensed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ttft", type=float, default=0.15, help="scripted server's wait before each response (s)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with LocalWeb() as web, ScriptedMegrez(delay_s=args.ttft) as megrez:
        batches = asyncio.run(page_batches(web))
        figures = {
            "questions": len(QUESTIONS),
            "pages_per_question": statistics.mean(len(b) for b in batches),
            "ttft_s": args.ttft,
            "strategies": asyncio.run(time_strategies(megrez, batches)),
        }
        megrez.delay_s = 0.0
        figures["model_calls_per_answered_question_with_condense"] = whole_question_calls(web, megrez)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{figures['questions']} questions, {figures['pages_per_question']:.1f} pages each, "
          f"{args.ttft * 1000:.0f} ms before each model response")
    print(f"{'strategy':<12}{'calls/question':>16}{'median ms':>12}{'max ms':>10}")
    for name, row in figures["strategies"].items():
        print(f"{name:<12}{row['model_calls_per_question']:>16.1f}{row['median_ms']:>12.0f}{row['max_ms']:>10.0f}")
    whole = figures["model_calls_per_answered_question_with_condense"]
    print(f"whole questions with condensing on (300-token budget): {whole['model_calls_per_question']:.1f} model "
          f"calls each (decide, one condense batch, answer, related); condensed {whole['questions_condensed']} "
          f"of {figures['questions']}")


if __name__ == "__main__":
    main()
