"""Retrieval benchmark: does the evidence the model reads contain the answer?

    .venv/bin/python -m bench.retrieval            # table
    .venv/bin/python -m bench.retrieval --json     # the same figures as JSON
    .venv/bin/python -m bench.retrieval --misses   # also list the questions each method missed

The corpus (bench/corpus/pages, 64 pages in English and Chinese, some GBK/GB18030) is served by the
test suite's LocalWeb on a real loopback port, with its SearXNG-style /search. For every question of
bench/corpus/questions.json the service's own path runs: SearxngProvider.search (top 8) ->
search.read.read (fetch + extract, real HTTP, real trafilatura) -> search.rank.rank_passages ->
search.select.select_sources with the shipped budget (agent/settings.py: context_tokens,
source_tokens). The question is the user's question, the query is what the model would have written
(questions.json `query`).

Evidence recall = share of questions whose answer string occurs in the concatenated contexts
(whitespace-normalised). Baselines are measured in the same run, on the same fetched pages:
  - first 2,048 tokens of each of the top 5 pages (the "just paste the pages" approach),
  - the search results alone (title + snippet of the top 8),
  - plain BM25 over the extracted paragraphs (a frozen copy of the original ranker: no merging, no
    sentence windows), best paragraphs of the top 5 pages until 1,200 tokens.
Timings are per question, sequential, for 8 pages (search + fetch + extract + rank/select); all pages
live on one loopback host, so the fetcher is allowed 8 connections to it (on the web they would be 8
hosts). Timings are reported, never asserted."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import statistics
import time
from collections import Counter
from pathlib import Path

import httpx

from agent.settings import Settings
from search.fetch import Fetcher
from core.language import CJK_CLASS, detect_language
from search.models import Page, SearchOptions, SearchResult
from search.providers.searxng import SearxngProvider
from search.rank import rank_passages
from search.read import read
from core.cgroup import default_size
from core.workers import WorkerPool
from search.select import select_sources
from core.tokens import count_tokens, truncate_tokens
from testkit.web import LocalWeb

ROOT = Path(__file__).resolve().parents[1]

CORPUS = ROOT / "bench" / "corpus"
_DEFAULTS = Settings.model_fields
CONTEXT_TOKENS = _DEFAULTS["context_tokens"].default
SOURCE_TOKENS = _DEFAULTS["source_tokens"].default
SEARCH_RESULTS = 8
TOP_PAGES = 5  # the shipped fetch_pages default; the 8-page run is reported beside it
FIRST_TOKENS = 2048
BM25_TOKENS = 1200
SWEEP = (400, 600, 800, 1000, 1200, 1600)


def norm(text: str) -> str:
    return " ".join(text.split())


def hit(answer: str, texts: list[str]) -> bool:
    return norm(answer) in norm("\n".join(texts))


# --- the frozen baseline: plain BM25 over paragraphs -------------------------------------------

_STOP = frozenset(
    (
        "a an and are as at be by did do does for from has have how in is it its of on or that the this "
        "to was were what when where which who whom why will with about into than then there these those "
        "can could should would much many"
    ).split()
)
_STOP_ZH = frozenset("的了是在和有也就都而及与或吗呢吧啊么什哪谁几多少怎样")
_TOKEN_RE = re.compile(f"[{CJK_CLASS}]+|[a-z0-9]+(?:[.'][a-z0-9]+)*")


def plain_tokenize(text: str) -> list[str]:
    """The ranker's tokenizer as first shipped: words (stop words out), Han unigrams + bigrams."""
    tokens: list[str] = []
    for run in _TOKEN_RE.findall(text.lower()):
        if run[0].isascii():
            if run in _STOP:
                continue
            if len(run) > 3 and run.endswith("s") and not run.endswith("ss") and not run[-2].isdigit():
                run = run[:-1]
            tokens.append(run)
        else:
            tokens.extend(ch for ch in run if ch not in _STOP_ZH)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def plain_bm25(pages: list[Page], question: str, query: str, budget: int) -> list[str]:
    paragraphs = [p.strip() for page in pages for p in (page.text or page.snippet).split("\n") if p.strip()]
    if not paragraphs:
        return []
    docs = [Counter(plain_tokenize(p)) for p in paragraphs]
    lengths = [sum(d.values()) for d in docs]
    avg = sum(lengths) / len(lengths) or 1.0
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    terms = set(plain_tokenize(f"{question} {query}"))
    scores = []
    for i, d in enumerate(docs):
        norm_len = 1.2 * (1 - 0.75 + 0.75 * lengths[i] / avg)
        scores.append(sum(idf[t] * d[t] * 2.2 / (d[t] + norm_len) for t in terms if d.get(t)))
    chosen, used = [], 0
    for i in sorted(range(n), key=lambda i: (-scores[i], i)):
        if scores[i] <= 0:
            break
        cost = count_tokens(paragraphs[i])
        if used + cost <= budget:
            chosen.append(paragraphs[i])
            used += cost
    return chosen


# --- the run -----------------------------------------------------------------------------------


def shipped(pages: list[Page], question: str, query: str, budget: int = CONTEXT_TOKENS) -> tuple[list[str], float]:
    t0 = time.perf_counter()
    passages = rank_passages(pages, question, query)
    sources = select_sources(pages, passages, budget_tokens=budget, source_tokens=SOURCE_TOKENS)
    return [s.context for s in sources], (time.perf_counter() - t0) * 1000


def tokens(texts: list[str]) -> int:
    return sum(count_tokens(t) for t in texts)


async def run(questions: list[dict]) -> dict:
    records = []
    # Pages are parsed in worker processes, as the service does.
    with LocalWeb(pages_dir=CORPUS / "pages") as web, WorkerPool(default_size(), deadline_s=10.0, memory_mb=0) as workers:
        defaults = {k: _DEFAULTS[k].default for k in ("fetch_timeout_s", "fetch_max_bytes")}
        async with httpx.AsyncClient() as client:
            provider = SearxngProvider(web.searxng_url, client)
            # One loopback host stands for 8 web sites: let the fetcher open 8 connections to it.
            fetcher = Fetcher(
                client,
                allow_hosts=[web.host_port],
                timeout_s=defaults["fetch_timeout_s"],
                max_bytes=defaults["fetch_max_bytes"],
                per_host=SEARCH_RESULTS,
            )

            async def one(q: dict) -> dict:
                question, query = q["question"], q["query"] or q["question"]
                options = SearchOptions(max_results=SEARCH_RESULTS, language=detect_language(question))
                t0 = time.perf_counter()
                results: list[SearchResult] = await provider.search(query, options)
                t1 = time.perf_counter()
                pages8 = await read(results, fetcher, workers=workers, limit=SEARCH_RESULTS)
                t2 = time.perf_counter()
                ctx8, select8_ms = shipped(pages8, question, query)
                t3 = time.perf_counter()
                pages5 = pages8[:TOP_PAGES]  # read() keeps result order: the same pages a 5-page read gets
                ctx5, select5_ms = shipped(pages5, question, query)
                first = [truncate_tokens(p.text, FIRST_TOKENS) for p in pages5]
                snippets = [f"{r.title}\n{r.snippet}" for r in results]
                bm25 = plain_bm25(pages5, question, query, BM25_TOKENS)
                urls = [r.url for r in results]
                target = web.url(q["page"])
                page = next((p for p in pages8 if p.url == target), None)
                answer = q["answer"]
                return {
                    "id": q["id"],
                    "lang": q["lang"],
                    "rank_of_answer_page": urls.index(target) + 1 if target in urls else None,
                    "extracted": bool(page and hit(answer, [page.text])),
                    "methods": {
                        "shipped_5": {"hit": hit(answer, ctx5), "tokens": tokens(ctx5)},
                        "shipped_8": {"hit": hit(answer, ctx8), "tokens": tokens(ctx8)},
                        "first_2048_top5": {"hit": hit(answer, first), "tokens": tokens(first)},
                        "snippets_top8": {"hit": hit(answer, snippets), "tokens": tokens(snippets)},
                        "plain_bm25_1200": {"hit": hit(answer, bm25), "tokens": tokens(bm25)},
                    },
                    "sweep_5": {str(b): hit(answer, shipped(pages5, question, query, b)[0]) for b in SWEEP},
                    "ms": {
                        "search": (t1 - t0) * 1000,
                        "read": (t2 - t1) * 1000,
                        "select": select8_ms,
                        "total": (t3 - t0) * 1000,
                        "select_5": select5_ms,
                    },
                }

            await one(questions[0])  # warm-up (imports, first connections), not counted
            for q in questions:
                records.append(await one(q))
    return {"records": records}


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))]


LABELS = {
    "shipped_5": f"shipped rank+select, top {TOP_PAGES} pages",
    "shipped_8": f"shipped rank+select, top {SEARCH_RESULTS} pages",
    "first_2048_top5": f"first {FIRST_TOKENS} tokens of top {TOP_PAGES} pages",
    "snippets_top8": f"snippets only (top {SEARCH_RESULTS} title+snippet)",
    "plain_bm25_1200": f"plain BM25 paragraphs, {BM25_TOKENS} tok, top {TOP_PAGES}",
}


def summarise(records: list[dict], n_pages: int) -> dict:
    langs = sorted({r["lang"] for r in records})
    out: dict = {
        "questions": len(records),
        "by_language": {lang: sum(r["lang"] == lang for r in records) for lang in langs},
        "pages": n_pages,
        "budget": {"context_tokens": CONTEXT_TOKENS, "source_tokens": SOURCE_TOKENS},
        "answer_page_in_top5": sum(1 for r in records if r["rank_of_answer_page"] and r["rank_of_answer_page"] <= 5),
        "answer_page_in_top8": sum(1 for r in records if r["rank_of_answer_page"]),
        "answer_kept_by_extraction": sum(1 for r in records if r["extracted"]),
        "methods": {},
    }
    for key in LABELS:
        rows = [r["methods"][key] for r in records]
        toks = [row["tokens"] for row in rows]
        out["methods"][key] = {
            "label": LABELS[key],
            "recall": round(sum(row["hit"] for row in rows) / len(rows), 4),
            "recall_by_language": {
                lang: round(
                    sum(r["methods"][key]["hit"] for r in records if r["lang"] == lang)
                    / max(1, sum(r["lang"] == lang for r in records)),
                    4,
                )
                for lang in langs
            },
            "tokens_mean": round(statistics.mean(toks), 1),
            "tokens_p95": pct(toks, 95),
            "misses": [r["id"] for r in records if not r["methods"][key]["hit"]],
        }
    out["budget_sweep_shipped_5"] = {
        b: round(sum(r["sweep_5"][str(b)] for r in records) / len(records), 4) for b in SWEEP
    }
    out["load_average_1m"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    out["cpus"] = os.cpu_count()
    out["timings_ms_8_pages"] = {
        stage: {
            "median": round(statistics.median(r["ms"][stage] for r in records), 2),
            "p95": round(pct([r["ms"][stage] for r in records], 95), 2),
        }
        for stage in ("search", "read", "select", "total")
    }
    return out


def table(summary: dict, show_misses: bool) -> str:
    langs = list(summary["by_language"])
    lines = [
        f"Retrieval benchmark: {summary['questions']} questions "
        f"({', '.join(f'{n} {lang}' for lang, n in summary['by_language'].items())}), {summary['pages']} pages, "
        f"budget {summary['budget']['context_tokens']} tokens ({summary['budget']['source_tokens']} per source)",
        f"answer page in search top 5: {summary['answer_page_in_top5']}/{summary['questions']}, "
        f"top 8: {summary['answer_page_in_top8']}/{summary['questions']}; "
        f"answer kept by extraction: {summary['answer_kept_by_extraction']}/{summary['questions']}",
        "",
        f"{'method':<44} {'recall':>6} " + " ".join(f"{lang:>5}" for lang in langs) + f" {'tok mean':>9} {'tok p95':>8}",
        "-" * (44 + 8 + 6 * len(langs) + 19),
    ]
    for m in summary["methods"].values():
        lines.append(
            f"{m['label']:<44} {m['recall']:>6.3f} "
            + " ".join(f"{m['recall_by_language'][lang]:>5.3f}" for lang in langs)
            + f" {m['tokens_mean']:>9.0f} {m['tokens_p95']:>8}"
        )
    lines += [
        "",
        "shipped, top 5 pages, recall by total budget: "
        + "  ".join(f"{b}: {r:.3f}" for b, r in summary["budget_sweep_shipped_5"].items()),
        "",
        f"{'time per question, 8 pages (ms)':<34} {'median':>8} {'p95':>8}"
        f"   (load average {summary['load_average_1m']} on {summary['cpus']} CPUs: timings scale with it)",
    ]
    for stage, t in summary["timings_ms_8_pages"].items():
        label = {"search": "search", "read": "fetch + extract", "select": "rank + select", "total": "total"}[stage]
        lines.append(f"{label:<34} {t['median']:>8.1f} {t['p95']:>8.1f}")
    if show_misses:
        lines.append("")
        for m in summary["methods"].values():
            lines.append(f"misses, {m['label']}: {' '.join(m['misses']) or '-'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--misses", action="store_true", help="list missed question ids per method")
    parser.add_argument("--only", default="", help="comma list of question ids to run")
    args = parser.parse_args()
    questions = json.loads((CORPUS / "questions.json").read_text(encoding="utf-8"))
    if args.only:
        wanted = set(args.only.split(","))
        questions = [q for q in questions if q["id"] in wanted]
    n_pages = len(list((CORPUS / "pages").glob("*.html")))
    result = asyncio.run(run(questions))
    summary = summarise(result["records"], n_pages)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(table(summary, args.misses))


if __name__ == "__main__":
    main()
