"""Evidence recall on questions no one tuned for (issue #28), its tuning and test halves side by side:

    .venv/bin/python -m bench.heldout              # both halves, English and Chinese, beside the reference
    .venv/bin/python -m bench.heldout --misses     # also the ids each method missed
    .venv/bin/python -m bench.heldout --json
    .venv/bin/python -m bench.heldout --semantic   # + the semantic signal, through the offline stand-in

bench/data/heldout.json holds questions written by hand from the pages' text, without running the
ranker: English over trafilatura-eval pages that bench/realdata.py's questions do not use, Chinese
over CMRC 2018 passages outside realdata's 150 (new questions, not CMRC's). Each carries its split,
fixed by a hash of its id (`tune` when the first byte of sha256(id) is even, `test` otherwise): the
ranker may be tuned on `tune` only, and `test` says what a new user's questions get.

Each question is asked as bench/realdata.py asks its own: 5 pages, the answer's page in the middle
of the 4 pages sharing most words with the query (English: the 153 other pages of bench/data, extraction
from the raw HTML counted; Chinese: the 161 CMRC passages and 4 Chinese news and encyclopaedia
pages), the shipped budget, the reference demo's
pipeline (the first 2,048 tokens of each page) in the same run. Rows:
  - shipped: the ranking and the budget as the service runs by default (the unsure widening counted);
  - semantic (--semantic): the same, with the top 32 passages re-scored by search/semantic.py
    through testkit/embedding_server.py. That server is a scripted stand-in (a small bilingual
    lexicon, other words hashed): it measures the plumbing and the re-scoring formula on real
    questions, not what a served model (bge-m3, bge-reranker-v2-m3 on a GPU) would add."""

from __future__ import annotations

import argparse
import asyncio
import json
import os

import httpx

from bench import realdata
from bench.realdata import DATA, Variant, extract_page, load_pages, recall_table, run_questions, summarise
from search.models import Page

SHIPPED = Variant("unsure", f"shipped (budget widens to {realdata.UNSURE_TOKENS} when unsure)", {}, {}, unsure=True)
SEMANTIC = Variant("semantic", "shipped + semantic (offline stand-in)", {}, {}, semantic=True, unsure=True)


class StandIn:
    """search.semantic's embeddings backend against the offline stand-in, one client per call (each
    question runs in its own event loop)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.name = "embeddings (stand-in)"

    async def similarities(self, question: str, texts: list[str]) -> list[float]:
        from search.semantic import OpenAIEmbeddings

        async with httpx.AsyncClient() as client:
            backend = OpenAIEmbeddings(client, self.base_url, "BAAI/bge-m3", api_key=None, timeout_s=10)
            return await backend.similarities(question, texts)


def load_questions() -> list[dict]:
    return json.loads((DATA / "heldout.json").read_text())["questions"]


def chinese_pages() -> dict[str, Page]:
    sample = json.loads((DATA / "cmrc2018" / "cmrc2018_dev_sample.json").read_text())
    held = json.loads((DATA / "cmrc2018" / "heldout_passages.json").read_text())
    return {d["context_id"]: Page(url=d["context_id"], title=d["title"], text=d["context_text"]) for d in sample + held}


def run(variants: list[Variant]) -> dict:
    questions = load_questions()
    web = {url: extract_page(url, raw) for url, raw in load_pages(heldout=True).items()}
    # Chinese questions over web pages (Xinhua, Banyuetan, Baidu Baike) draw their distractors from
    # the Chinese pool; the English pool is every other page.
    zh_web = {q["page"] for q in questions if q["lang"] == "zh" and q["page"] in web}
    english = {url: page for url, page in web.items() if url not in zh_web}
    chinese = chinese_pages() | {url: web[url] for url in zh_web}
    out: dict = {}
    for lang, pages in (("en", english), ("zh", chinese)):
        for half in ("tune", "test"):
            asked = [q for q in questions if q["lang"] == lang and q["split"] == half]
            records = run_questions(asked, {v.key: pages for v in variants}, variants)
            out[f"{lang}_{half}"] = summarise(records, variants)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--semantic", action="store_true", help="add the semantic row (offline stand-in server)")
    args = parser.parse_args()
    variants = [SHIPPED]
    realdata.LABELS[SHIPPED.key] = SHIPPED.label
    server = None
    if args.semantic:
        from testkit.embedding_server import EmbeddingServer

        server = EmbeddingServer().__enter__()
        realdata.SEMANTIC = StandIn(server.base_url)
        variants.append(SEMANTIC)
        realdata.LABELS[SEMANTIC.key] = SEMANTIC.label
    try:
        result = run(variants)
    finally:
        if server is not None:
            server.__exit__(None, None, None)
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    titles = {"en": "English, held-out real pages", "zh": "Chinese, held-out CMRC passages"}
    for key, summary in result.items():
        if key == "load_average_1m":
            continue
        lang, half = key.split("_")
        print(recall_table(f"{titles[lang]} -- {half} half", summary, args.misses))
        print()


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
