"""Generate the offline retrieval benchmark corpus: bench/corpus/pages/*.html, gold/*.txt and
questions.json, from the hand-written topics in topics_en.json / topics_zh.json (see topics.py).

    .venv/bin/python -m bench.corpus.make_corpus

Each page is a hand-written core (the facts, with same-subject distractors) grown to article length
with on-topic filler drawn from banks.py, then wrapped in the boilerplate of its kind (news site,
encyclopedia, shop, forum, government notice): cookie banner, navigation, ads, related links,
comments, footers. Everything is seeded, so a rerun writes the same bytes. The script checks that
every answer string occurs in exactly one page (its own) and in that page's article text.

The work is split across modules in this folder: article.py grows the article bodies (filler,
slots, length targets), chrome.py holds the boilerplate strings and shared HTML pieces, layouts.py
assembles a page per kind; this script builds every page, checks the answers and writes the files."""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
from pathlib import Path

from bench.corpus import topics
from bench.corpus.article import build_body, item_text, size
from bench.corpus.chrome import BOILER
from bench.corpus.layouts import RENDER

HERE = Path(__file__).resolve().parent

PAGES_DIR = HERE / "pages"
GOLD_DIR = HERE / "gold"
QUESTIONS = HERE / "questions.json"


def visible_text(doc: str) -> str:
    doc = re.sub(r"<script.*?</script>|<style.*?</style>", " ", doc, flags=re.S)
    # meta description/title are text the search engine shows, so they count as "in the page"
    metas = " ".join(html.unescape(m) for m in re.findall(r'content="([^"]*)"', doc))
    text = html.unescape(re.sub(r"<[^>]+>", " ", doc))
    return " ".join(f"{text} {metas}".split())


def gold_text(page: dict, body: list[object]) -> str:
    lines = [page["title"]]
    for item in body:
        lines.extend(line for line in item_text(item).split("\n") if line.strip())
    return "\n".join(lines) + "\n"


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    topics_all = [("en", t) for t in topics.load("en")] + [("zh", t) for t in topics.load("zh")]
    pages: dict[str, tuple[str, dict, dict]] = {}
    for lang, topic in topics_all:
        for page in topic["pages"]:
            assert page["slug"] not in pages, page["slug"]
            pages[page["slug"]] = (lang, topic, page)
    questions = [(lang, q) for lang, t in topics_all for q in t["questions"]]
    answers = [q["answer"] for _, q in questions]

    def titles_without_answers(ts: list[str]) -> list[str]:
        return [t for t in ts if not any(a in t for a in answers)]

    salt: dict[str, int] = {slug: 0 for slug in pages}
    built: dict[str, tuple[str, list[object], str]] = {}  # slug -> (html, body, visible text)

    def build(slug: str) -> None:
        lang, topic, page = pages[slug]
        seed = int(hashlib.sha256(f"{slug}:{salt[slug]}".encode()).hexdigest()[:12], 16)
        rng = random.Random(seed)
        body = build_body(page, topic, lang, rng)
        # Links in the boilerplate name pages of the same topic only: LocalWeb's search counts terms
        # anywhere in the page, so other topics' titles in every sidebar would blur its ranking.
        same = [p["title"] for p in topic["pages"] if p["slug"] != slug]
        ctx = {
            "related": titles_without_answers(same),
            "other_titles": titles_without_answers(same),
            "tags": rng.sample(BOILER[lang]["tag_words"], 3),
        }
        doc = RENDER[page["kind"]](page, body, lang, rng, ctx)
        built[slug] = (doc, body, visible_text(doc))

    for slug in pages:
        build(slug)
    # Filler numbers are random: regenerate any page that accidentally contains another page's answer.
    for _ in range(50):
        clashes = {
            slug
            for _, q in questions
            for slug, (_, _, text) in built.items()
            if slug != q["page"] and q["answer"] in text
        }
        if not clashes:
            break
        for slug in clashes:
            salt[slug] += 1
            build(slug)
    else:
        raise SystemExit(f"answers still clash: {clashes}")

    PAGES_DIR.mkdir(exist_ok=True)
    GOLD_DIR.mkdir(exist_ok=True)
    for old in list(PAGES_DIR.glob("*.html")) + list(GOLD_DIR.glob("*.txt")):
        old.unlink()
    stats = []
    for slug, (doc, body, _) in built.items():
        lang, _, page = pages[slug]
        charset = page.get("charset", "utf-8")
        codec = {"gb2312": "gbk", "gbk": "gbk", "gb18030": "gb18030"}.get(charset, "utf-8")
        (PAGES_DIR / f"{slug}.html").write_bytes(doc.encode(codec))
        gold = gold_text(page, body)
        (GOLD_DIR / f"{slug}.txt").write_text(gold, encoding="utf-8")
        stats.append((slug, lang, page["kind"], charset, size(gold, lang)))

    records = []
    for n, (lang, q) in enumerate(questions, 1):
        doc, body, text = built[q["page"]]
        assert q["answer"] in text, q
        holders = [slug for slug, (_, _, t) in built.items() if q["answer"] in t]
        assert holders == [q["page"]], (q["answer"], holders)
        index = next(i for i, item in enumerate(body) if q["answer"] in item_text(item))
        paragraphs_before = sum(1 for item in body[:index] if not (isinstance(item, tuple) and item[0] == "h2"))
        records.append(
            {
                "id": f"{lang}{n:02d}",
                "lang": lang,
                "question": q["question"],
                "query": q["query"],
                "answer": q["answer"],
                "page": q["page"],
                "page_kind": pages[q["page"]][2]["kind"],
                "answer_paragraph": paragraphs_before,  # 0 = the first paragraph of the article
                "answer_in_table": any(isinstance(item, tuple) and item[0] in ("table", "ul") for item in body[index : index + 1]),
            }
        )
    QUESTIONS.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    deep = sum(1 for r in records if r["answer_paragraph"] > 0)
    print(f"{len(stats)} pages, {len(records)} questions ({sum(r['lang'] == 'zh' for r in records)} zh), answer past the first paragraph: {deep}")
    for lang in ("en", "zh"):
        sizes = [s[4] for s in stats if s[1] == lang]
        unit = "Han characters" if lang == "zh" else "words"
        print(f"  {lang}: {len(sizes)} pages, article {min(sizes)}-{max(sizes)} {unit} (mean {sum(sizes) // len(sizes)})")
    print("  non-UTF-8 pages:", ", ".join(f"{s[0]} ({s[3]})" for s in stats if s[3] != "utf-8"))


if __name__ == "__main__":
    main()
