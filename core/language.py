"""Tell Chinese from English text, so each stage can pick region, tokenizer and sentence rules."""

from __future__ import annotations

import re
from typing import Literal

# CJK Unified Ideographs (+ extension A and compatibility ideographs): the characters that make a
# text "Chinese" for our purposes. Kana/Hangul are left out: Megrez serves zh and en.
CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK_CLASS}]")
_LETTER_RE = re.compile(r"[^\W\d_]")  # any letter, CJK included

# A question mixing a few English names into Chinese ("Zephyr-9 电池的能量密度") is still Chinese:
# a fifth of the letters being Han already means a Chinese reader.
ZH_SHARE = 0.2


def cjk_share(text: str) -> float:
    letters = _LETTER_RE.findall(text)
    if not letters:
        return 0.0
    return sum(1 for ch in letters if CJK_RE.match(ch)) / len(letters)


def detect_language(text: str) -> Literal["zh", "en"]:
    # English letters count one per character here, so even short Chinese phrases clear the bar.
    return "zh" if cjk_share(text) >= ZH_SHARE else "en"
