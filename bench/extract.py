"""Extraction benchmark: how much of the article does each extractor keep, and how much else?

    .venv/bin/python -m bench.extract          # table
    .venv/bin/python -m bench.extract --json   # the same figures as JSON

For every page with a gold file (bench/corpus/gold/<page>.txt: the headline, then the article body
as written, no navigation, banners, ads, related links, comments, reviews or footers) the raw HTML
bytes are extracted by:
  - shipped:    search.extract (charset detection + trafilatura with the service's options),
                exactly as the read stage calls it;
  - trafilatura defaults: trafilatura.extract(html);
  - trafilatura favor_recall=True; trafilatura favor_precision=True;
(the three trafilatura rows get the HTML decoded the shipped way, so they compare extraction only).

Scores are bag-of-tokens precision / recall / F1 against the gold body (the headline line is left
out: the shipped extractor reports it as the page title, not as text). Tokens are lower-cased
English words and numbers, and single Han characters. Averages are over pages (macro). "answers
kept" counts the benchmark questions (questions.json) whose answer string survives extraction of
its page. Milliseconds are per page (median and p95 of the best of 3 runs per page, one core)."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections import Counter
from pathlib import Path

import trafilatura

from search import extract as shipped_extract
from search.fetch import Fetched
from search.models import SearchResult

ROOT = Path(__file__).resolve().parents[1]

CORPUS = ROOT / "bench" / "corpus"
RUNS = 3
_TOKEN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]|[a-z0-9]+")
_META = re.compile(rb'<meta charset="([^"]+)"')


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN_RE.findall(text.lower()))


def prf(extracted: str, gold: str) -> tuple[float, float, float]:
    got, want = tokens(extracted), tokens(gold)
    common = sum((got & want).values())
    if not common:
        return 0.0, 0.0, 0.0
    p, r = common / sum(got.values()), common / sum(want.values())
    return p, r, 2 * p * r / (p + r)


def _page_meta(raw: bytes) -> tuple[str | None, str, str]:
    """(header charset as LocalWeb serves it, <title> without the site, description)."""
    m = _META.search(raw)
    charset = m.group(1).decode() if m else "utf-8"
    doc = shipped_extract.decode(raw, None)
    title = re.search(r"<title>(.*?)</title>", doc, re.S)
    desc = re.search(r'<meta name="description" content="([^"]*)"', doc)
    import html

    return (
        "utf-8" if charset.lower() == "utf-8" else None,
        html.unescape(title.group(1)).split(" | ")[0] if title else "",
        html.unescape(desc.group(1)) if desc else "",
    )


def _shipped(raw: bytes, name: str, extractor: str = "fast") -> str:
    header_charset, title, description = _page_meta(raw)
    url = f"http://127.0.0.1/pages/{name}.html"
    fetched = Fetched(url=url, final_url=url, status=200, content_type="text/html", charset=header_charset, body=raw)
    result = SearchResult(url=url, title=title, snippet=description, provider="searxng")
    # In this process: the bench measures the parsing itself (the service runs it in worker processes).
    return shipped_extract.extract_page(fetched, result, extractor).text


METHODS = {
    "shipped": ("shipped (search/extract.py, fast)", None),
    "shipped_lean": ("shipped, WEBSEARCH_EXTRACTOR=lean", None),
    "shipped_trafilatura": ("shipped, WEBSEARCH_EXTRACTOR=trafilatura", None),
    "default": ("trafilatura.extract defaults", {}),
    "recall": ("trafilatura favor_recall=True", {"favor_recall": True}),
    "precision": ("trafilatura favor_precision=True", {"favor_precision": True}),
}


def run_method(key: str, raw: bytes, html_text: str, name: str) -> str:
    options = METHODS[key][1]
    if options is None:
        return _shipped(raw, name, {"shipped_trafilatura": "trafilatura", "shipped_lean": "lean"}.get(key, "fast"))
    return trafilatura.extract(html_text, **options) or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    gold_files = sorted((CORPUS / "gold").glob("*.txt"))
    questions = json.loads((CORPUS / "questions.json").read_text(encoding="utf-8"))
    pages = []
    for gold_path in gold_files:
        name = gold_path.stem
        raw = (CORPUS / "pages" / f"{name}.html").read_bytes()
        gold_lines = gold_path.read_text(encoding="utf-8").splitlines()
        html_text = shipped_extract.decode(raw, None)
        lang = "zh" if 'lang="zh' in html_text[:300] else "en"
        kind = re.search(r'<body class="([a-z-]+)', html_text)
        kind_name = {"article-page": "news", "wiki": "reference", "product-page": "product", "forum-page": "forum", "gov": "notice"}.get(
            kind.group(1) if kind else "", "other"
        )
        pages.append((name, raw, html_text, "\n".join(gold_lines[1:]), lang, kind_name))

    trafilatura.extract(pages[0][2])  # warm-up: first call loads trafilatura's resources
    results: dict[str, dict] = {}
    for key, (label, _) in METHODS.items():
        rows = []
        for name, raw, html_text, gold, lang, kind in pages:
            best = float("inf")
            text = ""
            for _ in range(RUNS):
                t0 = time.perf_counter()
                text = run_method(key, raw, html_text, name)
                best = min(best, (time.perf_counter() - t0) * 1000)
            p, r, f = prf(text, gold)
            answers = [q for q in questions if q["page"] == name]
            kept = sum(" ".join(q["answer"].split()) in " ".join(text.split()) for q in answers)
            rows.append({"page": name, "lang": lang, "kind": kind, "p": p, "r": r, "f1": f, "ms": best, "answers": len(answers), "kept": kept})
        ms = sorted(row["ms"] for row in rows)

        def mean(key_: str, rows_: list[dict]) -> float:
            return round(statistics.mean(row[key_] for row in rows_), 4) if rows_ else 0.0

        results[key] = {
            "label": label,
            "pages": len(rows),
            "precision": mean("p", rows),
            "recall": mean("r", rows),
            "f1": mean("f1", rows),
            "f1_by_language": {lang: mean("f1", [r for r in rows if r["lang"] == lang]) for lang in ("en", "zh")},
            "f1_by_kind": {k: mean("f1", [r for r in rows if r["kind"] == k]) for k in sorted({r["kind"] for r in rows})},
            "ms_median": round(statistics.median(ms), 2),
            "ms_p95": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2),
            "answers_kept": sum(row["kept"] for row in rows),
            "answers": sum(row["answers"] for row in rows),
            "worst": sorted(((round(r["f1"], 3), r["page"]) for r in rows))[:3],
        }

    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return
    n_lang = Counter(p[4] for p in pages)
    print(f"Extraction benchmark: {len(pages)} pages with gold article text ({n_lang['en']} en, {n_lang['zh']} zh), "
          f"token-level F1 (English words, Han characters), macro-averaged")
    kinds = list(next(iter(results.values()))["f1_by_kind"])
    head = f"{'extractor':<34} {'P':>5} {'R':>5} {'F1':>5} {'F1 en':>6} {'F1 zh':>6} " + " ".join(f"{k[:7]:>7}" for k in kinds)
    head += f" {'ms med':>7} {'ms p95':>7} {'answers':>8}"
    print()
    print(head)
    print("-" * len(head))
    for res in results.values():
        print(
            f"{res['label']:<34} {res['precision']:>5.3f} {res['recall']:>5.3f} {res['f1']:>5.3f} "
            f"{res['f1_by_language']['en']:>6.3f} {res['f1_by_language']['zh']:>6.3f} "
            + " ".join(f"{res['f1_by_kind'][k]:>7.3f}" for k in kinds)
            + f" {res['ms_median']:>7.1f} {res['ms_p95']:>7.1f} {res['answers_kept']:>4}/{res['answers']:<3}"
        )
    print()
    print("F1 by page kind: " + ", ".join(f"{k} {sum(1 for p in pages if p[5] == k)} pages" for k in kinds))
    for res in results.values():
        print(f"lowest F1, {res['label']}: " + ", ".join(f"{page} {f1}" for f1, page in res["worst"]))


if __name__ == "__main__":
    main()
