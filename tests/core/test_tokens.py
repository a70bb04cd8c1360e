"""Token estimates: count_tokens counts in C and gives the unit-by-unit sum it always gave."""

from __future__ import annotations

import math
import random
import re

from core.language import CJK_CLASS
from core.tokens import _UNIT_RE, _cost, count_tokens, unit_counts


def unit_by_unit(text: str) -> int:
    return math.ceil(sum(_cost(m.group()) for m in _UNIT_RE.finditer(text)))


def test_count_tokens_is_the_unit_by_unit_sum() -> None:
    rng = random.Random(3)
    alphabet = ["bridge", "x", "12", "4.0", "£", ",", ".", " ", "\n", "桥", "长", "。", "，", "Ü", "é", "_", "–"]
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 200)))
        assert count_tokens(text) == unit_by_unit(text), text
    for words in range(1, 80):  # whole-number sums (10, 20 … other units), where float rounding could bite
        text = " ".join(["bridge"] * words) + "大" * (words % 7)
        assert count_tokens(text) == unit_by_unit(text), text
    for words in range(10, 600, 10):  # long English and mixed passages at whole-number sums
        for text in (" ".join(["bridge"] * words), "桥 " + " ".join(["bridge"] * words) + "。"):
            assert count_tokens(text) == unit_by_unit(text), text


def test_ascii_text_has_a_unit_per_word_run_and_per_mark() -> None:
    """Every ASCII character, in runs and alone: the units are the runs of word characters and the
    characters that are neither word nor white space (no Han)."""
    rng = random.Random(5)
    alphabet = [chr(i) for i in range(128)] + ["bridge", "4.0", "a_b", "  ", "\n\n"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        assert unit_counts(text) == (0, len(re.findall(r"\w+|[^\w\s]", text))), text
    assert unit_counts("It's 4.0, x_y!\x1f") == (0, 9)  # It ' s 4 . 0 , x_y ! (\x1f is white space)


def test_text_with_han_has_a_unit_per_han_character_and_the_others_apart() -> None:
    rng = random.Random(6)
    alphabet = ["bridge", "x", "12", "4.0", "£", ",", ".", " ", "\n", "桥", "长江", "。", "，", "Ü", "é", "_", "–", "㐀", "豈"]
    han = f"[{CJK_CLASS}]"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        others = re.findall(f"[^\\W{CJK_CLASS}]+|[^\\w\\s]", re.sub(han, " ", text))
        assert unit_counts(text) == (len(re.findall(han, text)), len(others)), text
    assert unit_counts("长江大桥全长3.2公里。") == (8, 4)  # 3 . 2 。


def test_count_tokens_prices_english_and_chinese() -> None:
    assert count_tokens("") == 0
    assert count_tokens("The bridge opened.") == math.ceil(4 * 1.3)  # three words and a full stop
    assert count_tokens("青川大桥全长3.2公里。") == 14  # 8 Han characters + "3", ".", "2", "。" at 1.3: 13.2
