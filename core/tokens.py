"""Token estimates for budgeting evidence. No tokenizer is available offline, so this is a cheap,
slightly pessimistic approximation of Megrez's BPE: one token per Han character, ~1.3 per word."""

from __future__ import annotations

import functools
import math
import re

from core.language import CJK_CLASS, CJK_RE

# One match per unit we price: a Han character, a run of word characters, or one punctuation mark.
_UNIT_RE = re.compile(f"[{CJK_CLASS}]|[^\\W{CJK_CLASS}]+|[^\\w\\s]")
# _UNIT_RE with the Han alternative captured: findall gives each unit's Han character or "".
_UNIT_KIND_RE = re.compile(f"([{CJK_CLASS}])|[^\\W{CJK_CLASS}]+|[^\\w\\s]")
# _UNIT_KIND_RE with Han characters taken in runs: the same other units, each run's characters its units.
_UNIT_RUN_RE = re.compile(f"([{CJK_CLASS}]+)|[^\\W{CJK_CLASS}]+|[^\\w\\s]")

WORD_COST = 1.3
CJK_COST = 1.0


def _cost(unit: str) -> float:
    return CJK_COST if CJK_RE.match(unit) else WORD_COST


# _UNIT_RE's units of ASCII text (no Han: \w runs and single marks) counted without listing them:
# each character as its class ("w" a word character, "p" neither word nor white space, " " white
# space), so that a unit is a "p" or a run of "w"s, which ends at a "w" before a "p", a space or the end.
_ASCII_CLASSES = str.maketrans(
    {chr(i): "w" if re.match(r"\w", chr(i)) else " " if re.match(r"\s", chr(i)) else "p" for i in range(128)}
)


def unit_counts(text: str) -> tuple[int, int]:
    """(Han characters, other units) of `text`, as count_tokens prices them (counted in C)."""
    if text.isascii():  # known without a scan: no Han, so one kind of unit
        classes = text.translate(_ASCII_CLASSES)
        return 0, classes.count("p") + classes.count("w ") + classes.count("wp") + classes.endswith("w")
    runs = _UNIT_RUN_RE.findall(text)  # a Han run, or "" for another unit
    return len("".join(runs)), runs.count("")


def count_tokens(text: str) -> int:
    if not text:
        return 0
    return priced(text, unit_counts(text))


# A prefix this long settles most texts: its units are the text's own up to the cut (the last
# one maybe shortened), so a prefix that costs `enough` says the whole text does.
_PREFIX_CHARS = 2_000


def count_tokens_up_to(text: str, enough: int) -> int:
    """count_tokens(text) where it is under `enough`; else some count of at least `enough`, often
    from the first 2,000 characters (a long page counted whole only to learn it is not short)."""
    if len(text) > _PREFIX_CHARS and (head := count_tokens(text[:_PREFIX_CHARS])) >= enough:
        return head
    return count_tokens(text)


def priced(text: str, units: tuple[int, int]) -> int:
    """count_tokens(text), given its unit counts: counted in C, without a Python step per unit.

    The price is 1.0 per Han character and 1.3 per other unit, rounded up. That sum is a multiple
    of 0.1, so float rounding in the unit-by-unit sum can only move its ceiling when it is a whole
    number (other units a multiple of 10): then, and whenever the prices differ from these, the
    unit-by-unit sum decides, so the count is the same as it always was."""
    cjk, other = units
    if (CJK_COST, WORD_COST) != (1.0, 1.3) or not other % 10:
        # The same floats summed in the same order by the same sum(), without a Python step
        # per unit: a text without Han is `other` word prices in a row; one with Han, its
        # units' kinds listed in C (the first group holds the Han character, empty otherwise).
        if not cjk:
            return math.ceil(_word_prices(other, WORD_COST))
        return math.ceil(sum([CJK_COST if han else WORD_COST for han in _UNIT_KIND_RE.findall(text)]))
    return -(-(10 * cjk + 13 * other) // 10)


@functools.lru_cache(maxsize=4096)
def _word_prices(count: int, price: float) -> float:
    return sum([price] * count)


def truncate_tokens(text: str, n: int) -> str:
    """The longest prefix of `text` that costs at most `n` tokens, cut between units (never mid-word)."""
    if n <= 0:
        return ""
    total = 0.0
    end = 0
    for m in _UNIT_RE.finditer(text):
        total += _cost(m.group())
        if math.ceil(total) > n:
            return text[:end].rstrip()
        end = m.end()
    return text
