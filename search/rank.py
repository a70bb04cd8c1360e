"""Split pages into passages and rank them against the question with BM25.

BM25 needs no model and no network, handles names and numbers well (what factual questions hinge
on) and, with character bigrams, ranks Chinese text without a word segmenter. Measured on the
offline benchmark (bench/retrieval.py: 48 questions, English and Chinese, 1,000-token budget), on
top of plain paragraph BM25:
  - English words are stemmed (fined/fine, winner/winning/win, metres/metre), possessives dropped;
  - passages are about 80 tokens, so a 1,000-token budget holds a dozen of them, not eight;
  - a heading starts a passage (it belongs with the text under it, not the text above), and
    table rows lose the pipes the budget would pay for;
  - answer types: a question asking how much / how many / how long / when / what time gets the
    passages holding such a string (a sum of money, a measure, a count, a date, a duration) ranked
    higher; a Chinese count matches its measure word (多少种 -> "213 种").
Ranking 5 pages takes a few milliseconds."""

from __future__ import annotations

import functools
import math
import operator
import re
from collections import Counter
from collections.abc import Sequence

from core import tokens as _tokens
from core.language import CJK_CLASS
from search import rank_index
from search.aliases import aliases
from search.answer_shapes import answer_shapes
from search.models import Page, Passage
from core.tokens import unit_counts

TARGET_TOKENS = 80  # merge paragraphs up to about this size
MAX_TOKENS = 120  # a paragraph above this is split on sentences
HEADING_TOKENS = 12  # a line this short without closing punctuation may be a heading
ANSWER_TYPE_BOOST = 0.5  # score x (1 + this) for a passage holding the kind of string asked for

K1 = 1.2
B = 0.75

# Bump when tokenize() changes: anything that stored its output (search/index.py) must re-tokenize.
TOKENIZER_VERSION = 3

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
_HAN_RE = re.compile(f"[{CJK_CLASS}]")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[\"'“(A-Z0-9£$€])|(?<=[。！？；])")
_SENTENCE_ZH_RE = re.compile(r"(?<=[。！？；])")
_CLOSING_RE = re.compile(r"[.!?。！？；;:：,，)）\"”]$")
_CELLS_RE = re.compile(r": | \| |：")


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light English stemmer: plural, -ed, -ing, -er, -or, -ly and a final e, so that "fined" meets
    "fine", "winner" meets "winning", "metres" meets "metre", "director" meets "directed". Short
    words and numbers are kept."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ied") and len(word) > 4:
        word = word[:-3] + "y"
    else:
        for suffix, keep in (("ing", 3), ("ed", 3), ("er", 4), ("or", 4), ("ly", 4)):
            if word.endswith(suffix) and len(word) - len(suffix) >= keep:
                word = word[: -len(suffix)]
                if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                    word = word[:-1]  # running -> run, winner -> win
                break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


@functools.lru_cache(maxsize=1 << 16)
def _term(run: str) -> str:
    """An English run as an index term: without a possessive 's, stemmed; "" for a stop word."""
    if run.endswith("'s"):
        run = run[:-2]
    return "" if run in _STOP else stem(run)


def tokenize(text: str) -> list[str]:
    """English: lower-cased, stemmed words without stop words; Chinese: unigrams + bigrams."""
    text = text.lower()
    runs = _TOKEN_RE.findall(text)
    if not _HAN_RE.search(text):  # no Chinese: one cached lookup per word
        return [term for term in map(_term, runs) if term]
    tokens: list[str] = []
    for run in runs:
        if run[0].isascii():
            if term := _term(run):
                tokens.append(term)
        else:
            tokens.extend([ch for ch in run if ch not in _STOP_ZH])
            tokens.extend(map(operator.add, run, run[1:]))  # bigrams
    return tokens


Units = tuple[int, int]  # (Han characters, other units) as core.tokens prices them


def _units(text: str) -> Units:
    return unit_counts(text)


def _cost(units: Units) -> float:
    return units[0] * _tokens.CJK_COST + units[1] * _tokens.WORD_COST


def _exact(text: str, units: Units) -> int:
    """count_tokens(text), given its unit counts (core.tokens.priced)."""
    return _tokens.priced(text, units)


def _sentences(paragraph: str, chinese: bool = False) -> list[str]:
    """Chinese text splits only where a Chinese sentence ends: its sentences join without a space,
    so a split at "Henry A. Walsh" would fuse the name into "Henry A.Walsh"."""
    return [s.strip() for s in (_SENTENCE_ZH_RE if chinese else _SENTENCE_RE).split(paragraph) if s.strip()]


def _compact_row(line: str) -> str:
    """A table row as trafilatura writes it ("| Weight | 24.8 kg |"), without the pipes."""
    if not (line.startswith("|") and line.endswith("|")):
        return line
    cells = [c.strip() for c in line.strip("|").split("|") if c.strip()]
    return ": ".join(cells) if len(cells) == 2 else " | ".join(cells)


def _is_heading(line: str, units: Units | None = None) -> bool:
    """A short line without closing punctuation that is not a list item or a table row. Without
    `units`, the line's are counted only where the other tests leave it open (most lines end a
    sentence)."""
    if units is not None and _cost(units) > HEADING_TOKENS:
        return False
    if _CLOSING_RE.search(line) or line.startswith(("|", "-", "•", "*")) or _CELLS_RE.search(line):
        return False
    return _cost(units if units is not None else _units(line)) <= HEADING_TOKENS


def _pack(pieces: list[tuple[str, Units]], joiner: str) -> list[tuple[str, Units]]:
    """Greedily join consecutive (text, units) pieces while the result stays within TARGET_TOKENS.
    A heading starts a new chunk: it introduces what follows, not what came before. Headings in a row
    (heading, subheading, ...) stay together with the text under them: a chunk of headings alone says
    nothing, yet short and holding the words asked for it ranks first. A run of them past the target
    (a menu) is cut like text.

    Units add up across the join: pieces are whole lines or sentences ending in punctuation, so
    joining them never fuses two units into one."""
    chunks: list[tuple[str, Units]] = []
    current: list[str] = []
    cjk = other = 0
    only_heading = False
    for piece, units in pieces:
        heading = _is_heading(piece, units)
        over = _cost((cjk + units[0], other + units[1])) > TARGET_TOKENS
        if current and (over or heading) and (not only_heading or heading and over):
            chunks.append((joiner.join(current), (cjk, other)))
            current, cjk, other = [], 0, 0
        only_heading = heading  # current holds headings alone: a heading after text flushed it above
        current.append(piece)
        cjk, other = cjk + units[0], other + units[1]
    if current:
        chunks.append((joiner.join(current), (cjk, other)))
    return chunks


def split_passages(page: Page) -> list[Passage]:
    pieces: list[tuple[str, Units]] = []
    # A page that could not be read still has what the search engine said about it.
    for paragraph in re.split(r"\n+", page.text or page.snippet):
        paragraph = _compact_row(paragraph.strip())
        if not paragraph:
            continue
        units = _units(paragraph)
        if _cost(units) > MAX_TOKENS:
            # Chinese sentences join without a space, English ones with one.
            joiner = "" if paragraph.count("。") > paragraph.count(". ") else " "
            pieces.extend(_pack([(s, _units(s)) for s in _sentences(paragraph, chinese=not joiner)], joiner))
        else:
            pieces.append((paragraph, units))
    # Tiny paragraphs (headings, one-liners) merge with their neighbours so each passage says something.
    return [
        Passage(url=page.url, title=page.title, text=text, position=i, tokens=_exact(text, units))
        for i, (text, units) in enumerate(_pack(pieces, "\n"))
    ]


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

    @classmethod
    def counted(cls, docs: Sequence[Counter], lengths: Sequence[float]) -> BM25:
        """From documents already counted (each passage's terms, its context's at their weight, and its
        length, as `__init__` counts them): pages ranked again are not counted again."""
        bm25 = cls.__new__(cls)
        bm25.docs, bm25.lengths = list(docs), list(lengths)
        bm25.avg_length = (sum(bm25.lengths) / len(bm25.lengths)) if bm25.docs else 0.0
        bm25._idf = {}
        return bm25

    def idf(self, term: str) -> float:
        if (value := self._idf.get(term)) is None:
            n = len(self.docs)
            f = sum(1 for doc in self.docs if term in doc)
            # Lucene's idf: never negative, so a term in most passages still counts a little.
            value = self._idf[term] = math.log(1 + (n - f + 0.5) / (f + 0.5))
        return value

    def score(self, query: list[str], index: int) -> float:
        doc, length = self.docs[index], self.lengths[index]
        norm = K1 * (1 - B + B * length / self.avg_length) if self.avg_length else K1
        total = 0.0
        for term in set(query):  # a word in both question and query is not counted twice
            tf = doc.get(term, 0)
            if tf:
                total += self.idf(term) * tf * (K1 + 1) / (tf + norm)
        return total

    def scores(self, query: list[str]) -> list[float]:
        """`score(query, i)` for every document: the same sums, term by term in the same order."""
        terms = list(set(query))  # a set built from the same list iterates in the same order
        out = []
        for doc, length in zip(self.docs, self.lengths):
            norm = K1 * (1 - B + B * length / self.avg_length) if self.avg_length else K1
            total = 0.0
            for term in terms:
                tf = doc.get(term, 0)
                if tf:
                    total += self.idf(term) * tf * (K1 + 1) / (tf + norm)
            out.append(total)
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
    cached = [p for own, _, _ in indexed for p in own]  # the page's: scored below through copies
    if not cached:
        return []
    bm25 = BM25.counted([doc for c in counted for doc in c.docs], [n for c in counted for n in c.lengths])
    # The user's question says what kind of answer is wanted; the model's query names the subject.
    shapes = answer_shapes(question)
    texts = [f"{page.title}\n{page.text or page.snippet}" for page in pages] if alias else []
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
    if shapes:  # a passage holding a string of the kind asked for (searched once per page and shape)
        shaped = [
            any(found)
            for c, (own, _, _) in zip(counted, indexed)
            for found in zip(*(rank_index._shaped(c, own, shape) for shape in shapes))
        ]
        scores = [score * (1 + ANSWER_TYPE_BOOST) if score and hit else score for score, hit in zip(scores, shaped)]
    # Copies: the scores belong to this question, the cached passages to the page. A passage that
    # scores nothing is the page's own (its score 0.0, never written: nothing sets a passage's fields).
    passages = [
        p.model_copy(update={"score": rounded}) if (rounded := round(score, 6)) else p for p, score in zip(cached, scores)
    ]
    order = {page.url: i for i, page in reversed(list(enumerate(pages)))}
    return sorted(passages, key=lambda p: (-p.score, order.get(p.url, 0), p.position))
