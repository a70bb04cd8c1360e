"""Ranking and selecting (search/passages.py, search/rank_index.py, search/rank.py, search/select.py,
core/tokens.py, search/aliases.py) at an earlier commit against the working tree: the same passages,
order, scores and selections on every question, and the CPU each costs, old and new alternating in
one process.

    .venv/bin/python -m bench.rank_cpu                 # the corpus and bench/data's questions, against --old
    .venv/bin/python -m bench.rank_cpu --old REF       # another commit to compare with (git must be there)
    .venv/bin/python -m bench.rank_cpu --skip-realdata # only bench/corpus (its pages read without HTTP)

The old modules are read from git (`git show REF:path`) and run beside the ones imported, each side
with its own caches. Questions: bench/corpus's 48, each over the 5 corpus pages the local web's
search gives its query (read by search.extract.extract_page, as the read stage would); bench/data's
79 English questions (follow-ups with their history) and 556 CMRC questions over the 5 pages
bench/realdata.py lines up for each, ranked with every variant bench/realdata.py runs. Each answer is
search.rank.rank_passages then search.select.select_evidence at the shipped budget (widening
included); its passages (every field, and which were set) and its selection must be the same.

CPU ms per answer (the shipped ranking, each answer timed --repeat times a side) is this process's
CPU time (`time.process_time`), one core: cold, the pages new
to the ranker (its per-page caches emptied: split, tokenised, counted, scanned for names); warm, the
same answer again (the pages' index kept, as for pages served from the page cache). Word-level caches
(stems) are warm on both sides, as in a running server."""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

from agent.settings import Settings
from bench import realdata
from search import extract as shipped_extract
from search.fetch import Fetched
from search.models import Page, SearchResult
from testkit.web.corpus import load_pages, rank as search_corpus

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "corpus"
OLD = "eabbaa0"  # the ranker before its CPU was cut (issue 25)
# In import order: each old module is run with the old ones before it in place of the new.
MODULES = ("core.tokens", "search.passages", "search.rank_index", "search.aliases", "search.rank", "search.select")
PAGE_CACHE_MAX = 1024  # a functools cache this small holds pages (emptied for a cold answer); larger ones, words

_DEFAULTS = Settings.model_fields
BUDGET = {
    "budget_tokens": _DEFAULTS["context_tokens"].default,
    "source_tokens": _DEFAULTS["source_tokens"].default,
    "unsure_budget_tokens": _DEFAULTS["unsure_context_tokens"].default,
    "crowd": _DEFAULTS["unsure_crowd"].default,
    "lead": _DEFAULTS["unsure_lead"].default,
}


def load_old(ref: str) -> dict[str, types.ModuleType]:
    """MODULES as they were at `ref`, as fresh modules; sys.modules and the packages are left as found."""
    old: dict[str, types.ModuleType] = {}
    saved = {name: sys.modules[name] for name in MODULES}
    try:
        for name in MODULES:
            path = name.replace(".", "/") + ".py"
            source = subprocess.run(
                ["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
            ).stdout
            module = types.ModuleType(name)
            module.__file__ = f"{ref}:{path}"
            sys.modules[name] = module
            package, _, child = name.rpartition(".")
            setattr(sys.modules[package], child, module)
            exec(compile(source, module.__file__, "exec"), module.__dict__)
            old[name] = module
    finally:
        for name, module in saved.items():
            sys.modules[name] = module
            package, _, child = name.rpartition(".")
            setattr(sys.modules[package], child, module)
    return old


class Side:
    """One version of the ranker: its rank_passages and select_evidence, and its page caches."""

    def __init__(self, modules: dict[str, types.ModuleType]) -> None:
        self.rank = modules["search.rank"].rank_passages
        self.select = modules["search.select"].select_evidence
        self.page_caches = [
            value
            for module in modules.values()
            for value in vars(module).values()
            if isinstance(value, functools._lru_cache_wrapper)
            and (value.cache_parameters()["maxsize"] or 0) <= PAGE_CACHE_MAX
            and value.__module__ == module.__name__
        ]

    def forget_pages(self) -> None:
        for cache in self.page_caches:
            cache.cache_clear()

    def answer(self, pages: list[Page], q: dict, rank: dict) -> tuple:
        passages = self.rank(pages, q["question"], q["query"], **rank, **({"history": q["history"]} if q.get("history") else {}))
        selection = self.select(pages, passages, **BUDGET)
        ranked = [(p.model_dump(), p.model_fields_set) for p in passages]
        return ranked, selection.model_dump()


def timed(side: Side, pages: list[Page], q: dict, rank: dict, cold: bool) -> tuple[tuple, float]:
    if cold:
        side.forget_pages()
    else:
        side.answer(pages, q, rank)
    started = time.process_time()
    out = side.answer(pages, q, rank)
    return out, 1000 * (time.process_time() - started)


def corpus_set() -> list[tuple[list[Page], dict]]:
    """bench/corpus's questions, each over the 5 pages the local web's search gives its query."""
    pages = load_pages(CORPUS / "pages")
    read: dict[str, Page] = {}
    out = []
    for q in json.loads((CORPUS / "questions.json").read_text(encoding="utf-8")):
        query = q["query"] or q["question"]
        for hit in search_corpus(pages, query, 5):
            if hit.name not in read:
                url = f"http://127.0.0.1/pages/{hit.name}.html"
                fetched = Fetched(url=url, final_url=url, status=200, content_type="text/html", charset=None, body=hit.raw)
                result = SearchResult(url=url, title=hit.title, snippet=hit.description)
                read[hit.name] = shipped_extract.extract_page(fetched, result, "fast")
        lineup = [read[hit.name] for hit in search_corpus(pages, query, 5)]
        out.append((lineup, {"question": q["question"], "query": query}))
    return out


def realdata_sets() -> dict[str, list[tuple[list[Page], dict]]]:
    """bench/data's English and CMRC questions over the pages bench/realdata.py lines up for each."""
    raw = realdata.load_pages()
    english = {url: realdata.extract_page(url, body) for url, body in raw.items()}
    cmrc = json.loads((realdata.DATA / "cmrc2018" / "cmrc2018_dev_sample.json").read_text())
    chinese = {d["context_id"]: Page(url=d["context_id"], title=d["title"], text=d["context_text"]) for d in cmrc}
    questions = {
        "bench/data English": (english, json.loads((realdata.DATA / "questions_en.json").read_text())),
        "bench/data CMRC": (chinese, [
            {"page": d["context_id"], "question": qa["query_text"], "query": qa["query_text"]} for d in cmrc for qa in d["qas"]
        ]),
    }
    sets = {}
    for name, (pages, qs) in questions.items():
        pool = {u: realdata.tokenize(f"{p.title} {p.text}") for u, p in pages.items()}
        sets[name] = [(realdata.line_up(pages, q["page"], realdata.distractors(pool, q["page"], q["query"])), q) for q in qs]
    return sets


def run(name: str, items: list[tuple[list[Page], dict]], old: Side, new: Side, variants: list[dict], repeat: int) -> dict:
    ms = {(side, cold): [] for side in ("old", "new") for cold in (True, False)}
    differ: list[str] = []
    answers = 0
    for n, (pages, q) in enumerate(items):
        for rank in variants:
            for cold in (True, False):
                for r in range(repeat if rank == variants[0] else 1):  # the shipped ranking timed `repeat` times
                    order = ((old, "old"), (new, "new")) if (n + r + cold) % 2 == 0 else ((new, "new"), (old, "old"))
                    outs = {}
                    for side, label in order:
                        outs[label], spent = timed(side, pages, q, rank, cold)
                        if rank == variants[0]:
                            ms[(label, cold)].append(spent)
                    if outs["old"] != outs["new"]:
                        differ.append(f"{q['question']} {rank or ''} {'cold' if cold else 'warm'}")
            answers += 1
    row = {"set": name, "questions": len(items), "answers": answers, "differences": len(differ), "differing": differ[:10]}
    for (label, cold), values in ms.items():
        key = f"{label}_{'cold' if cold else 'warm'}"
        row[f"{key}_ms"] = round(statistics.mean(values), 3)
        row[f"{key}_ms_p50"] = round(statistics.median(values), 3)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", default=OLD, help=f"the commit to compare with (default {OLD})")
    parser.add_argument("--skip-realdata", action="store_true", help="only bench/corpus's questions")
    parser.add_argument("--repeat", type=int, default=3, help="times each answer is timed, on each side (default 3)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    for name in MODULES:
        importlib.import_module(name)
    old = Side(load_old(args.old))
    new = Side({name: sys.modules[name] for name in MODULES})
    sets = {"bench/corpus": corpus_set()}
    if not args.skip_realdata:
        sets.update(realdata_sets())
    shipped = [{}]  # rank_passages' defaults, timed; bench/realdata.py's other variants only compared
    variants = shipped + [dict(r) for r in dict.fromkeys(tuple(sorted(v.rank.items())) for v in realdata.VARIANTS if v.rank)]
    for pages, q in [item for items in sets.values() for item in items][:20]:  # warm-up: imports, word caches
        for side in (old, new):
            side.answer(pages, q, {})
    rows = []
    for name, items in sets.items():
        rows.append(run(name, items, old, new, variants if name != "bench/corpus" else shipped, args.repeat))
        if not args.json:
            r = rows[-1]
            print(
                f"{r['set']:<20} {r['questions']:>4} questions {r['answers']:>5} answers  differences {r['differences']:>3}  "
                f"CPU ms/answer cold old {r['old_cold_ms']:>6.3f} new {r['new_cold_ms']:>6.3f}   "
                f"warm old {r['old_warm_ms']:>6.3f} new {r['new_warm_ms']:>6.3f}",
                flush=True,
            )
            for what in r["differing"]:
                print(f"  differs: {what}")
    load = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps({"old": args.old, "rows": rows, "load_average_1m": load}, ensure_ascii=False, indent=1))
    else:
        print(f"differences in all: {sum(r['differences'] for r in rows)}  (old {args.old}; load average {load})")
    return 1 if any(r["differences"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
