"""Rank passages (search/passages.py splits the pages) against the question with BM25.

BM25 needs no model and no network, handles names and numbers well (what factual questions hinge
on) and, with character bigrams, ranks Chinese text without a word segmenter. Measured on the
offline benchmark (bench/retrieval.py: 48 questions, English and Chinese, 1,000-token budget), on
top of plain paragraph BM25 (with the stemming and passage sizes of search/passages.py):
  - answer types: a question asking how much / how many / how long / when / what time gets the
    passages holding such a string (a sum of money, a measure, a count, a date, a duration) ranked
    higher; a Chinese count matches its measure word (多少种 -> "213 种").
Ranking 5 pages takes a few milliseconds."""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import compress

from search import rank_index
from search.aliases import aliases
from search.answer_shapes import answer_shapes
from search.models import Page, Passage
from search.passages import tokenize

ANSWER_TYPE_BOOST = 0.5  # score x (1 + this) for a passage holding the kind of string asked for

K1 = 1.2
B = 0.75


class BM25:
    def __init__(self, documents: Sequence[Sequence[str]], context: Sequence[Sequence[str]] | None = None, weight: float = 0.0) -> None:
        """`context[i]`, when given, counts in document i at `weight` per occurrence (a field of its own)."""
        self.docs = [Counter(doc) for doc in documents]
        self.lengths = [float(len(doc)) for doc in documents]
        for i, extra in enumerate(context or ()):
            if extra:
                doc = self.docs[i]
                for term in extra:
                    doc[term] += weight
                self.lengths[i] += weight * len(extra)
        self.avg_length = (sum(self.lengths) / len(self.lengths)) if documents else 0.0
        self._idf: dict[str, float] = {}  # computed for the terms asked about, not the whole vocabulary
        self._holding: dict[str, list[tuple[int, float]]] = {}  # the same
        self._find: Callable[[str], list[tuple[int, float]]] = self._in_docs

    @classmethod
    def counted(cls, lengths: Sequence[float], holding: Callable[[str], list[tuple[int, float]]]) -> BM25:
        """From documents already counted, as `__init__` counts them: each one's length (its context's
        terms at their weight included) and `holding(term)`, the documents holding a term with its
        count in each, as `holding` lists them (from what is kept with pages: pages ranked again are
        not counted again)."""
        bm25 = cls.__new__(cls)
        bm25.lengths = list(lengths)
        bm25.avg_length = (sum(bm25.lengths) / len(bm25.lengths)) if bm25.lengths else 0.0
        bm25._idf, bm25._holding, bm25._find = {}, {}, holding
        return bm25

    def holding(self, term: str) -> list[tuple[int, float]]:
        """(index, count) of every document holding `term`, in order: only these score for it."""
        if (found := self._holding.get(term)) is None:
            found = self._holding[term] = self._find(term)
        return found

    def _in_docs(self, term: str) -> list[tuple[int, float]]:
        return [(i, doc[term]) for i, doc in enumerate(self.docs) if term in doc]

    def idf(self, term: str) -> float:
        if (value := self._idf.get(term)) is None:
            n = len(self.lengths)
            f = len(self.holding(term))
            # Lucene's idf: never negative, so a term in most passages still counts a little.
            value = self._idf[term] = math.log(1 + (n - f + 0.5) / (f + 0.5))
        return value

    def score(self, query: list[str], index: int) -> float:
        length = self.lengths[index]
        norm = K1 * (1 - B + B * length / self.avg_length) if self.avg_length else K1
        total = 0.0
        for term in set(query):  # a word in both question and query is not counted twice
            tf = dict(self.holding(term)).get(index, 0)
            if tf:
                total += self.idf(term) * tf * (K1 + 1) / (tf + norm)
        return total

    def scores(self, query: list[str]) -> list[float]:
        """`score(query, i)` for every document: the same sums, term by term in the same order (a set
        built from the same list iterates in the same order), each term added only where it is held."""
        norms = [K1 * (1 - B + B * length / self.avg_length) if self.avg_length else K1 for length in self.lengths]
        out = [0.0] * len(self.lengths)
        for term in set(query):  # a word in both question and query is not counted twice
            if holding := self.holding(term):
                idf = self.idf(term)
                for i, tf in holding:
                    if tf:
                        out[i] += idf * tf * (K1 + 1) / (tf + norms[i])
        return out


# A word of the question that names nobody: in a follow-up it points back at the conversation.
_PRONOUNS = frozenset("he she his her hers him they their them theirs it its this that these those there one".split())
_PRONOUNS_ZH = ("他们", "她们", "它们", "他", "她", "它", "其", "该", "此", "这", "那")
CONTEXT = True  # headings (and, with rank_index.PREVIOUS, the preceding sentence) are indexed with each passage
CONTEXT_WEIGHT = 0.5  # ...each of their words counting half a word of the passage's own
TOPIC_WEIGHT = 0.5  # follow-ups: the conversation's words, beside the latest question's
PAGE_WEIGHT = 1.0  # follow-ups: a page about the conversation's subject lifts its passages by up to this
NEXT_WEIGHT = 0.5  # follow-ups: the passage after the one the conversation points at (half again for the one after)


def _after(passages: list[Passage], topic_scores: list[float]) -> list[float]:
    """For each passage, how strongly the conversation points at the passage just before it on its
    page (or, at half, the one before that): the answer to a pronoun question often follows."""
    out = []
    for i, passage in enumerate(passages):
        one = topic_scores[i - 1] if i >= 1 and passages[i - 1].url == passage.url else 0.0
        two = topic_scores[i - 2] if i >= 2 and passages[i - 2].url == passage.url else 0.0
        out.append(max(one, two / 2))
    return out


@functools.lru_cache(maxsize=rank_index.INDEXED_PAGES)
def _alias_text(title: str, text: str) -> str:
    """A page's text as search/aliases.py reads it, the same string again for a page ranked again (so
    its hash, which finds what aliases read of it, is not computed again over the whole page)."""
    return f"{title}\n{text}"


def _ask_terms(question: str) -> list[str]:
    """The latest question's own terms, without the pronouns that stand for the conversation's subject."""
    for pronoun in _PRONOUNS_ZH:
        question = question.replace(pronoun, " ")
    return [t for t in tokenize(question) if t not in _PRONOUNS]


def rank_passages(
    pages: list[Page],
    question: str,
    query: str = "",
    *,
    history: Sequence[str] = (),
    context: bool = CONTEXT,
    followup: bool = True,
    alias: bool = True,
    lookahead: bool = True,
) -> list[Passage]:
    """Every passage of every page, best first (ties: earlier page, earlier position).

    `question` is the user's latest question, `query` what the model wrote for the search, `history`
    the conversation's earlier questions (oldest first). In a follow-up ("where was she born?") the
    latest question says what is asked and the query and the conversation say about whom: passages
    are ranked by the question's terms, the conversation's terms count less, and a page about the
    conversation's subject lifts its passages (so the budget goes to "was born in ..." on the
    subject's page, not to more passages that answer the earlier question). With `lookahead` the one
    or two passages after the one the conversation points at are lifted too: "what did she say
    next?" is answered below the passage that names her. With `alias` a name asked meets its acronym
    on the pages and an acronym its name (search/aliases.py)."""
    keys = [(page.url, page.title, page.text or page.snippet, context) for page in pages]
    indexed = [rank_index._indexed(*key) for key in keys]
    counted = [rank_index._counted(*key, CONTEXT_WEIGHT) for key in keys]
    cached = [p for own, *_ in indexed for p in own]  # the page's: scored below through copies
    if not cached:
        return []
    bm25 = BM25.counted([n for c in counted for n in c.lengths], functools.partial(rank_index.holding, counted))
    # The user's question says what kind of answer is wanted; the model's query names the subject.
    shapes = answer_shapes(question)
    texts = [_alias_text(page.title, page.text or page.snippet) for page in pages] if alias else []
    if followup and history:
        ask = _ask_terms(question) + (tokenize(aliases(question, texts)) if alias else [])
        asked = set(ask)
        conversation = " ".join([query, *history[-2:]])
        topic = [t for t in tokenize(f"{conversation} {aliases(conversation, texts) if alias else ''}") if t not in asked]
        ask_scores = bm25.scores(ask)
        topic_scores = bm25.scores(topic)
        best_topic: dict[str, float] = {}
        for passage, value in zip(cached, topic_scores):
            best_topic[passage.url] = max(best_topic.get(passage.url, 0.0), value)
        top_ask, top_topic = max(ask_scores) or 1.0, max(topic_scores) or 1.0
        after = _after(cached, topic_scores) if lookahead else [0.0] * len(cached)
        scores = [
            (a / top_ask + TOPIC_WEIGHT * t / top_topic + NEXT_WEIGHT * n / top_topic)
            * (1 + PAGE_WEIGHT * best_topic[p.url] / top_topic)
            for p, a, t, n in zip(cached, ask_scores, topic_scores, after)
        ]
    else:
        asked = f"{question} {query}"
        terms = tokenize(f"{asked} {aliases(asked, texts)}" if alias else asked)
        scores = bm25.scores(terms)
    if shapes:  # a passage holding a string of the kind asked for (searched once per passage and shape)
        shaped: list[bool | None] = []  # None: not searched, and scoring nothing, it is not boosted
        start = 0
        for c, (own, *_) in zip(counted, indexed):
            scoring = list(compress(range(len(own)), scores[start : start + len(own)]))
            shaped.extend(map(any, zip(*(rank_index._shaped(c, own, shape, scoring) for shape in shapes))))
            start += len(own)
        scores = [score * (1 + ANSWER_TYPE_BOOST) if score and hit else score for score, hit in zip(scores, shaped)]
    # Copies: the scores belong to this question, the cached passages to the page. A passage that
    # scores nothing is the page's own (its score 0.0, never written: nothing sets a passage's fields).
    # Each copy is validated from the passage's fields (what Passage(**fields) gives, without its
    # Python wrapper, and what model_copy(update=...) gives, made sooner).
    validate = Passage.__pydantic_validator__.validate_python
    passages = [
        validate({**p.__dict__, "score": rounded}) if (rounded := round(score, 6)) else p for p, score in zip(cached, scores)
    ]
    order = {page.url: i for i, page in reversed(list(enumerate(pages)))}
    return sorted(passages, key=lambda p: (-p.score, order.get(p.url, 0), p.position))
