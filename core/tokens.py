"""Token estimates for budgeting evidence. No tokenizer is available offline, so this is a cheap,
slightly pessimistic approximation of Megrez's BPE: one token per Han character, ~1.3 per word."""

from __future__ import annotations

import math
import re

from core.language import CJK_CLASS, CJK_RE

# One match per unit we price: a Han character, a run of word characters, or one punctuation mark.
_UNIT_RE = re.compile(f"[{CJK_CLASS}]|[^\\W{CJK_CLASS}]+|[^\\w\\s]")

WORD_COST = 1.3
CJK_COST = 1.0


def _cost(unit: str) -> float:
    return CJK_COST if CJK_RE.match(unit) else WORD_COST


def unit_counts(text: str) -> tuple[int, int]:
    """(Han characters, other units) of `text`, as count_tokens prices them (counted in C)."""
    cjk = len(CJK_RE.findall(text))
    return cjk, len(_UNIT_RE.findall(text)) - cjk


def count_tokens(text: str) -> int:
    if not text:
        return 0
    return math.ceil(sum(_cost(m.group()) for m in _UNIT_RE.finditer(text)))


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
