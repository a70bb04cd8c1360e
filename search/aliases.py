"""Acronyms and the names they stand for, so that a question and a page that name one body two ways
still meet in BM25.

A user asks about the "National Transportation Safety Board", the page says "NTSB chair ..."; a user
asks about "NYCHA", the page spells out "New York City Housing Authority". Two sources of pairs, both
read from the question and the pages at hand (no list to maintain):
  - initials: a run of capitalised words ("Air and Marine Operations") and an upper-case word on a
    page ("AMO") whose letters are the run's initials (small words skipped);
  - definitions: "中国人民政治协商会议（CPPCC）", "Institute for Transportation and Development
    Policy (ITDP)" — the name just before a bracketed acronym, any language.
An alias joins the query only when the other form is on one of the pages: a name's initials that no
page uses as an acronym add nothing."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from core.language import CJK_CLASS

MIN_LETTERS = 3  # two-letter initials ("PP" for "Prince Philip") match too much by chance
MAX_WORDS = 8
_SMALL = frozenset("and of for the on in to at & de du la des".split())
_WORD = r"[A-Z][A-Za-z'’.-]*"
_RUN_RE = re.compile(rf"{_WORD}(?:\s+(?:(?:and|of|for|the|on|in|to|at|&|de|du|la|des)\s+)*{_WORD})+")
# Not \b: a Han character is a word character, and "IFHA的总部" holds the acronym IFHA. No letter or
# digit before the first capital: looked at after it (the two characters ending there), so that the
# search skips in C to the next capital instead of trying a look-behind at every character.
_ACRONYM_RE = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z0-9&]{1,7}(?![A-Za-z0-9])")
MIN_HAN = 4  # a Chinese name asked must share at least this many characters with the defined one
_DEFINED_RE = re.compile(rf"([{CJK_CLASS}]{{2,20}}|(?:{_WORD}\s+)+?)\s*[（(]\s*([A-Z][A-Z0-9&]{{1,7}})\s*[)）]")
# Where a definition can end: its bracketed acronym. Everything of one before the bracket is Han,
# letters, ’ ' . - and white space, so each is looked for only in the run of those before a bracket
# (the same matches as a scan of the whole text, which tried the pattern at every character).
_BRACKETED_RE = re.compile(r"[（(]\s*[A-Z][A-Z0-9&]{1,7}\s*[)）]")
_NAME_RUN_RE = re.compile(rf"[{CJK_CLASS}A-Za-z'’.\s-]*")


def _significant(run: str) -> list[str]:
    return [w for w in run.split() if w.lower() not in _SMALL and w[:1].isupper()]


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words).upper()


def _name_runs(text: str) -> dict[str, set[str]]:
    """Every contiguous stretch of 2..MAX_WORDS capitalised words of every run, by its initials."""
    out: dict[str, set[str]] = {}
    for run in _RUN_RE.findall(text):
        words = _significant(run)
        for i in range(len(words)):
            for j in range(i + 2, min(len(words), i + MAX_WORDS) + 1):
                key = _initials(words[i:j])
                if len(key) >= MIN_LETTERS:
                    out.setdefault(key, set()).add(" ".join(words[i:j]))
    return out


def _bracketed(text: str) -> list[re.Match[str]]:
    """_BRACKETED_RE.finditer(text), tried at each opening bracket, which str.find finds in C (the
    pattern's own search tests every character). None holds an opening bracket, so none overlaps."""
    found = []
    for opening in "(（":
        i = text.find(opening)
        while i >= 0:
            if (match := _BRACKETED_RE.match(text, i)) is not None:
                found.append(match)
            i = text.find(opening, i + 1)
    return sorted(found, key=re.Match.start)


def _defined(text: str) -> list[tuple[str, str]]:
    """_DEFINED_RE.findall(text), searched only in the run of name characters before each bracketed
    acronym (measured back on the reversed text, in C)."""
    found: list[tuple[str, str]] = []
    done = 0  # where the last match ended: findall goes on from there
    backwards = ""
    for bracket in _bracketed(text):
        backwards = backwards or text[::-1]
        end = bracket.start()
        run = _NAME_RUN_RE.match(backwards, len(text) - end)
        start = max(done, end - (run.end() - run.start()))
        if (match := _DEFINED_RE.search(text, start, bracket.end())) is not None:
            found.append(match.groups())
            done = match.end()
    return found


def _definitions(text: str) -> list[tuple[str, str]]:
    """(name, acronym) for each "name (ACRONYM)" in the text; an English name is kept only when its
    initials end the acronym's letters, so "said on Tuesday (CBP)" defines nothing."""
    pairs = []
    for name, acronym in _defined(text):
        name = name.strip()
        if not name[:1].isascii():
            pairs.append((name, acronym))
            continue
        words = _significant(name)
        for start in range(len(words)):
            if _initials(words[start:]) == acronym:
                pairs.append((" ".join(words[start:]), acronym))
                break
    return pairs


@functools.lru_cache(maxsize=128)
def _page_definitions(text: str) -> tuple[tuple[str, str], ...]:
    """A page's definitions, read once per page (like search/rank_index.py's index, a page read again
    is not scanned again)."""
    return tuple(_definitions(text))


@functools.lru_cache(maxsize=128)
def _page_acronyms(text: str) -> frozenset[str]:
    """A page's acronyms, read once per page and only for a question that names something by the
    initials of three words or more (most do not)."""
    return frozenset(_ACRONYM_RE.findall(text))


@functools.lru_cache(maxsize=128)
def _page_runs(text: str) -> tuple[tuple[list[str], str], ...]:
    """A page's runs of capitalised words, each as its significant words and their initials, read once
    per page and only for a question that asks an acronym (most ask none). Not to be mutated."""
    return tuple((words, _initials(words)) for words in map(_significant, _RUN_RE.findall(text)))


def _names_by_initials(runs: tuple[tuple[list[str], str], ...], acronyms: set[str]) -> list[tuple[str, set[str]]]:
    """_name_runs(text).items() for the keys in `acronyms` alone, in the same order (a key where a
    stretch first has it, a shorter stretch first), found in each run's initials instead of listing
    every stretch: a significant word starts with a capital [A-Z], so a stretch's initials are one
    letter a word, and a key of that many letters is the initials of the stretches it is found at."""
    first: dict[str, tuple[int, int, int]] = {}
    names: dict[str, set[str]] = {}
    for r, (words, initials) in enumerate(runs):
        for key in acronyms:
            size = len(key)
            if not max(2, MIN_LETTERS) <= size <= MAX_WORDS:
                continue
            i = initials.find(key)
            while i >= 0:
                first.setdefault(key, (r, i, size))
                names.setdefault(key, set()).add(" ".join(words[i : i + size]))
                i = initials.find(key, i + 1)
    return sorted(names.items(), key=lambda item: first[item[0]])


def aliases(asked: str, pages: Iterable[str]) -> str:
    """The other names of what `asked` names, as they appear on `pages` (space-separated; "" when none)."""
    pages = list(pages)
    found: list[str] = []
    # A name asked -> the acronym the pages use for it.
    if keys := _name_runs(asked):
        on_pages = frozenset().union(*map(_page_acronyms, pages))
        for key in keys:
            if key in on_pages:
                found.append(key)
    # An acronym asked -> the name the pages spell out.
    asked_acronyms = set(_ACRONYM_RE.findall(asked))
    if asked_acronyms:
        for text in pages:
            for _, names in _names_by_initials(_page_runs(text), asked_acronyms):
                found.extend(sorted(names))
    # Definitions, either way round, in any language.
    for definitions in map(_page_definitions, pages):
        for name, acronym in definitions:
            if acronym in asked_acronyms:
                found.append(name)
            elif _named(name, asked):
                found.append(acronym)
    return " ".join(dict.fromkeys(found))


def _named(name: str, asked: str) -> bool:
    """Whether `asked` names `name`. The Han run before a bracket may start earlier than the name
    ("年成立的国际赛马联合会"): its ending of MIN_HAN characters or more counts."""
    if name[:1].isascii():
        return name in asked
    return any(name[i:] in asked for i in range(len(name) - MIN_HAN + 1))
