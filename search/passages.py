"""Pages split into passages, and text into the terms the ranker and the local index match
(search/rank.py ranks the passages; search/rank_index.py keeps each page's split; search/index.py
indexes documents with the same terms).

  - English words are stemmed (fined/fine, winner/winning/win, metres/metre), possessives dropped;
    Chinese runs become characters and bigrams, so no word segmenter is needed;
  - passages are about 80 tokens, so a 1,000-token budget holds a dozen of them, not eight;
  - a heading starts a passage (it belongs with the text under it, not the text above; headings in
    a row start the passage of the text under them), and table rows lose the pipes the budget would
    pay for."""

from __future__ import annotations

import functools
import operator
import re
from collections import Counter
from collections.abc import Callable
from itertools import filterfalse

from core import tokens as _tokens
from core.language import CJK_CLASS
from core.tokens import unit_counts
from search.models import Page, Passage

TARGET_TOKENS = 80  # merge paragraphs up to about this size
MAX_TOKENS = 120  # a paragraph above this is split on sentences
HEADING_TOKENS = 12  # a line this short without closing punctuation may be a heading
# A paragraph this long (in characters; Chinese with a full stop, other) is split into sentences
# before it is counted: most are past MAX_TOKENS (a guess that saves time, never changes a passage).
SPLIT_FIRST_CHARS_ZH, SPLIT_FIRST_CHARS = 120, 600

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

# Words (with inner . and ': "u.s", "4.0.2", "it's") and Han runs. Possessive (never given back, as
# nothing follows to need it) and the word first: the same runs as a plain greedy pattern, found sooner.
_TOKEN_RE = re.compile(f"[a-z0-9]++(?:[.'][a-z0-9]++)*+|[{CJK_CLASS}]++")
_HAN_RE = re.compile(f"[{CJK_CLASS}]")
# _TOKEN_RE's words, for text without Han: a pattern that starts with a character class, so that
# the search skips in C to the next word (~15 % faster on the corpus's English passages).
_WORD_RE = re.compile(r"[a-z0-9][a-z0-9]*+(?:[.'][a-z0-9]++)*+")
_HAN_TERM_RE = re.compile(f"[{CJK_CLASS}]+")
_STOP_ZH_RE = re.compile(f"[{''.join(sorted(_STOP_ZH))}]")
# Where a sentence ends: after a Chinese full stop, or after an English one and the white space
# after it (stripped with the sentence) before what starts a sentence. The stop first, so that the
# search skips in C to the next one instead of trying a look-behind at every character.
_SENTENCE_END_RE = re.compile(r"[.!?。！？；](?:(?<=[。！？；])|\s+(?=[\"'“(A-Z0-9£$€]))")
_SENTENCE_END_ZH_RE = re.compile(r"[。！？；]")
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


def _term(run: str) -> str:
    """An English run as an index term: without a possessive 's, stemmed; "" for a stop word."""
    if run.endswith("'s"):
        run = run[:-2]
    return "" if run in _STOP else stem(run)


TERMS_CACHED = 1 << 16


class _Terms(dict):
    """run -> _term(run) for the runs met lately: a plain dict, so that a run met before is looked up
    in C (map(_TERMS.__getitem__, runs)), no Python call; emptied when it holds TERMS_CACHED runs."""

    def __missing__(self, run: str) -> str:
        if len(self) >= TERMS_CACHED:
            self.clear()
        term = self[run] = _term(run)
        return term


_TERMS = _Terms()
_term_of = _TERMS.__getitem__


def tokenize(text: str) -> list[str]:
    """English: lower-cased, stemmed words without stop words; Chinese: unigrams + bigrams."""
    text = text.lower()
    runs = _TOKEN_RE.findall(text)
    if text.isascii() or not _HAN_RE.search(text):  # no Chinese: one cached lookup per word
        return list(filter(None, map(_term_of, runs)))  # stop words are "": dropped (in C, like the rest)
    tokens: list[str] = []
    for run in runs:
        if run[0].isascii():
            if term := _term_of(run):
                tokens.append(term)
        else:
            tokens.extend(filterfalse(_STOP_ZH.__contains__, run))  # its characters but the stop ones
            tokens.extend(map(operator.add, run, run[1:]))  # bigrams
    return tokens


# A text's terms as the ranker counts them (term_counts): its English terms counted, how many terms
# it has in all (len(tokenize(text))), and whether it holds Han, whose unigrams and bigrams (most of
# a Chinese text's terms, most never asked about) are not listed but counted in the text when asked
# (han_counter).
Counted = tuple[Counter, int, bool]


def term_counts(text: str) -> Counted:
    """tokenize(text) as a bag: its English terms counted; with Han, han_counter counts the rest."""
    text = text.lower()
    if text.isascii() or not _HAN_RE.search(text):
        words = _WORD_RE.findall(text)
        terms = Counter(map(_term_of, words))
        return terms, len(words) - terms.pop("", 0), False  # stop words are ""
    runs = _TOKEN_RE.findall(text)
    words = list(filter(str.isascii, runs))
    terms = Counter(map(_term_of, words))
    han = list(filterfalse(str.isascii, runs))
    chars = "".join(han)
    # Each Han run's characters but the stop ones, and its len(run) - 1 bigrams.
    english = len(words) - terms.pop("", 0)
    return terms, english + 2 * len(chars) - len(_STOP_ZH_RE.findall(chars)) - len(han), True


HanCount = Callable[[str], int]


def han_counter(term: str) -> HanCount | None:
    """How many times tokenize(text) holds `term` as a Han unigram or bigram, as a function of the text;
    None for a term that is neither (no text holds it so). It counts the text's own characters, not
    its lower case: lower() keeps Han characters and makes no others Han, so the Han runs are the same."""
    if not (0 < len(term) <= 2 and _HAN_TERM_RE.fullmatch(term)) or term in _STOP_ZH:
        return None
    if term[0] != term[-1] or len(term) == 1:
        return operator.methodcaller("count", term)
    overlapping = re.compile(f"(?={term})")  # "天天" twice in "天天天": str.count finds it once
    return lambda text: len(overlapping.findall(text))


Units = tuple[int, int]  # (Han characters, other units) as core.tokens prices them


_units = unit_counts


def _cost(units: Units) -> float:
    return units[0] * _tokens.CJK_COST + units[1] * _tokens.WORD_COST


def _exact(text: str, units: Units) -> int:
    """count_tokens(text), given its unit counts (core.tokens.priced)."""
    return _tokens.priced(text, units)


def sentences(paragraph: str, chinese: bool = False) -> list[str]:
    """Chinese text splits only where a Chinese sentence ends: its sentences join without a space,
    so a split at "Henry A. Walsh" would fuse the name into "Henry A.Walsh"."""
    ends = [end.end() for end in (_SENTENCE_END_ZH_RE if chinese else _SENTENCE_END_RE).finditer(paragraph)]
    pieces = map(paragraph.__getitem__, map(slice, [0, *ends], [*ends, None]))
    return list(filter(None, map(str.strip, pieces)))


def _compact_row(line: str) -> str:
    """A table row as trafilatura writes it ("| Weight | 24.8 kg |"), without the pipes."""
    if not (line.startswith("|") and line.endswith("|")):
        return line
    cells = [c.strip() for c in line.strip("|").split("|") if c.strip()]
    return ": ".join(cells) if len(cells) == 2 else " | ".join(cells)


def is_heading(line: str, units: Units | None = None) -> bool:
    """A short line without closing punctuation that is not a list item or a table row. Without
    `units`, the line's are counted only where the other tests leave it open (most lines end a
    sentence)."""
    if units is not None and _cost(units) > HEADING_TOKENS:
        return False
    if _CLOSING_RE.search(line) or line.startswith(("|", "-", "•", "*")) or _CELLS_RE.search(line):
        return False
    return _cost(units if units is not None else _units(line)) <= HEADING_TOKENS


def _pack(pieces: list[tuple[str, Units]], joiner: str) -> list[tuple[str, Units, bool]]:
    """Greedily join consecutive (text, units) pieces while the result stays within TARGET_TOKENS.
    A heading starts a new chunk: it introduces what follows, not what came before. Headings in a row
    (heading, subheading, ...) stay together with the text under them: a chunk of headings alone says
    nothing, yet short and holding the words asked for it ranks first. A run of them past the target
    (a menu) is cut like text. Each chunk: its text, its units, whether its first piece is a heading.

    Units add up across the join: pieces are whole lines or sentences ending in punctuation, so
    joining them never fuses two units into one."""
    chunks: list[tuple[str, Units, bool]] = []
    current: list[str] = []
    cjk = other = 0
    only_heading = starts_with_heading = False
    for piece, units in pieces:
        heading = is_heading(piece, units)
        over = _cost((cjk + units[0], other + units[1])) > TARGET_TOKENS
        if current and (over or heading) and (not only_heading or heading and over):
            chunks.append((joiner.join(current), (cjk, other), starts_with_heading))
            current, cjk, other = [], 0, 0
        if not current:
            starts_with_heading = heading
        only_heading = heading  # current holds headings alone: a heading after text flushed it above
        current.append(piece)
        cjk, other = cjk + units[0], other + units[1]
    if current:
        chunks.append((joiner.join(current), (cjk, other), starts_with_heading))
    return chunks


def _sentence_pieces(paragraph: str) -> tuple[list[tuple[str, Units]], str]:
    """A paragraph's sentences with their units, and how they join: Chinese sentences without a
    space, English ones with one."""
    joiner = "" if paragraph.count("。") > paragraph.count(". ") else " "
    return [(s, _units(s)) for s in sentences(paragraph, chinese=not joiner)], joiner


def split_passages(page: Page) -> list[Passage]:
    return [passage for passage, _ in headed_passages(page)]


def headed_passages(page: Page) -> list[tuple[Passage, bool]]:
    """split_passages(page), each passage with whether its first line is a heading (is_heading, as
    the split found it: a passage's first line is the piece it starts with)."""
    pieces: list[tuple[str, Units]] = []
    # A page that could not be read still has what the search engine said about it.
    for paragraph in (page.text or page.snippet).split("\n"):  # empty lines are skipped below
        paragraph = _compact_row(paragraph.strip())
        if not paragraph:
            continue
        # A paragraph past MAX_TOKENS is cut at its sentences. One long enough to be likely past it
        # is split first and its sentences' units summed (the paragraph's own: no unit spans the
        # space or the full stop a split falls after), so it is not counted twice.
        split: list[tuple[str, Units]] | None = None
        if len(paragraph) > (SPLIT_FIRST_CHARS_ZH if "。" in paragraph else SPLIT_FIRST_CHARS):
            split, joiner = _sentence_pieces(paragraph)
            units = (sum(u[0] for _, u in split), sum(u[1] for _, u in split))
        else:
            units = _units(paragraph)
        if _cost(units) > MAX_TOKENS:
            if split is None:
                split, joiner = _sentence_pieces(paragraph)
            pieces.extend((text, units) for text, units, _ in _pack(split, joiner))
        else:
            pieces.append((paragraph, units))
    # Tiny paragraphs (headings, one-liners) merge with their neighbours so each passage says something.
    # Passage(**fields), validated without the Python wrapper of its __init__.
    validate = Passage.__pydantic_validator__.validate_python
    return [
        (validate({"url": page.url, "title": page.title, "text": text, "position": i, "tokens": _exact(text, units)}),
         heading)
        for i, (text, units, heading) in enumerate(_pack(pieces, "\n"))
    ]
