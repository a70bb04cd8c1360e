"""Split pages into passages and rank them against the question with BM25.

BM25 needs no model and no network, handles names and numbers well (what factual questions hinge
on) and, with character bigrams, ranks Chinese text without a word segmenter."""

from __future__ import annotations

import math
import re
from collections import Counter

from search.language import CJK_CLASS
from search.models import Page, Passage
from search.tokens import count_tokens

TARGET_TOKENS = 120  # merge paragraphs up to about this size
MAX_TOKENS = 180  # a paragraph above this is split on sentences

K1 = 1.2
B = 0.75

_STOP = frozenset(
    (
        "a an and are as at be by did do does for from has have how in is it its of on or that the this "
        "to was were what when where which who whom why will with about into than then there these those "
        "can could should would much many"
    ).split()
)
# Han characters that carry no topic on their own (particles, question words); bigrams keep them.
_STOP_ZH = frozenset("的了是在和有也就都而及与或吗呢吧啊么什哪谁几多少怎样")

_TOKEN_RE = re.compile(f"[{CJK_CLASS}]+|[a-z0-9]+(?:[.'][a-z0-9]+)*")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[\"'“(A-Z0-9])|(?<=[。！？；])")


def tokenize(text: str) -> list[str]:
    """English: lower-cased words without stop words (a plural 's' stripped); Chinese: unigrams + bigrams."""
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


def _sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.split(paragraph) if s.strip()]


def _pack(pieces: list[str], joiner: str) -> list[str]:
    """Greedily join consecutive pieces while the result stays within TARGET_TOKENS."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        cost = count_tokens(piece)
        if current and size + cost > TARGET_TOKENS:
            chunks.append(joiner.join(current))
            current, size = [], 0
        current.append(piece)
        size += cost
    if current:
        chunks.append(joiner.join(current))
    return chunks


def split_passages(page: Page) -> list[Passage]:
    paragraphs: list[str] = []
    # A page that could not be read still has what the search engine said about it.
    for paragraph in re.split(r"\n+", page.text or page.snippet):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if count_tokens(paragraph) > MAX_TOKENS:
            # Chinese sentences join without a space, English ones with one.
            sentences = _sentences(paragraph)
            paragraphs.extend(_pack(sentences, "" if paragraph.count("。") > paragraph.count(". ") else " "))
        else:
            paragraphs.append(paragraph)
    # Tiny paragraphs (headings, one-liners) merge with their neighbours so each passage says something.
    texts = _pack(paragraphs, "\n")
    return [
        Passage(url=page.url, title=page.title, text=text, position=i, tokens=count_tokens(text))
        for i, text in enumerate(texts)
    ]


class BM25:
    def __init__(self, documents: list[list[str]]) -> None:
        self.docs = [Counter(doc) for doc in documents]
        self.lengths = [len(doc) for doc in documents]
        self.avg_length = (sum(self.lengths) / len(self.lengths)) if documents else 0.0
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(documents)
        # Lucene's idf: never negative, so a term in most passages still counts a little.
        self.idf = {term: math.log(1 + (n - f + 0.5) / (f + 0.5)) for term, f in df.items()}

    def score(self, query: list[str], index: int) -> float:
        doc, length = self.docs[index], self.lengths[index]
        norm = K1 * (1 - B + B * length / self.avg_length) if self.avg_length else K1
        total = 0.0
        for term in set(query):  # a word in both question and query is not counted twice
            tf = doc.get(term, 0)
            if tf:
                total += self.idf[term] * tf * (K1 + 1) / (tf + norm)
        return total


def rank_passages(pages: list[Page], question: str, query: str = "") -> list[Passage]:
    """Every passage of every page, best first (ties: earlier page, earlier position)."""
    passages = [p for page in pages for p in split_passages(page)]
    if not passages:
        return []
    # The title is indexed with each passage: "It opened in 2021" is about the page's subject.
    bm25 = BM25([tokenize(f"{p.title}\n{p.text}") for p in passages])
    terms = tokenize(f"{question} {query}")
    for i, passage in enumerate(passages):
        passage.score = round(bm25.score(terms, i), 6)
    order = {page.url: i for i, page in reversed(list(enumerate(pages)))}
    return sorted(passages, key=lambda p: (-p.score, order.get(p.url, 0), p.position))
