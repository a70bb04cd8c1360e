"""The hand-written topics, kept as data: `topics_en.json` and `topics_zh.json`.

Each topic is a fictional subject (so a model cannot answer from memory) with four pages whose facts
were written by hand, with same-subject distractors (old estimates, other parts, other years).
Page items: a string is a paragraph (a forum post on forum pages); ["h2", text] a subheading;
["ul", [items]] a list; ["table", [[cell, cell], ...]] a table — read back as tuples, the form the
generator matches on. `questions` name the page whose text holds `answer`; no other page of the
corpus contains that string (make_corpus checks). Chinese pages with a `charset` other than utf-8
are saved in that encoding (gb2312 labels are written as GBK bytes, as many old sites do).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
TAGS = frozenset({"h2", "ul", "table"})


def _items(value):
    if isinstance(value, list):
        if len(value) == 2 and value[0] in TAGS:
            return (value[0], _items(value[1]))
        return [_items(v) for v in value]
    if isinstance(value, dict):
        return {k: _items(v) for k, v in value.items()}
    return value


def load(lang: str) -> list[dict]:
    return _items(json.loads((HERE / f"topics_{lang}.json").read_text(encoding="utf-8")))
