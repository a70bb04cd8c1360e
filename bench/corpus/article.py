"""Article bodies for the benchmark corpus: a page's hand-written items grown to article length with
on-topic filler sentences from banks.py, with topic slots filled in (see make_corpus.py)."""

from __future__ import annotations

import random
import re

from bench.corpus import banks

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z0-9]+")

# Article length targets: English in words, Chinese in Han characters.
TARGETS = {
    ("en", "news"): (1100, 1900), ("en", "reference"): (1000, 1700), ("en", "notice"): (900, 1400),
    ("en", "product"): (650, 950), ("en", "forum"): (700, 1100),
    ("zh", "news"): (1700, 3000), ("zh", "reference"): (1600, 2600), ("zh", "notice"): (1400, 2200),
    ("zh", "product"): (900, 1400), ("zh", "forum"): (1000, 1600),
}


def size(text: str, lang: str) -> int:
    return len(CJK.findall(text)) if lang == "zh" else len(WORD.findall(text))


class Slots(dict):
    """Topic slots; number slots are drawn fresh on every use."""

    def __init__(self, base: dict, rng: random.Random) -> None:
        super().__init__(base)
        self.rng = rng
        org = base.get("org", "")
        self["Org"] = org[:1].upper() + org[1:]
        self.setdefault("name", "")
        self.introduced: set[str] = set()
        self.surnames = {k: self.pop(k) for k in list(self) if k.endswith("_last")}

    def __getitem__(self, key: str) -> str:
        if key in ("official", "member", "expert"):
            self.introduced.add(key)
        return super().__getitem__(key)

    def __missing__(self, key: str) -> str:
        r = self.rng
        if key.endswith("_last"):  # a person is named in full the first time, by surname after
            full = key.removesuffix("_last")
            if full in self.introduced:
                return self.surnames[key]
            self.introduced.add(full)
            return self[full]
        if key == "n3":
            return str(r.randrange(120, 950))
        if key == "n4":
            return f"{r.randrange(1100, 9800):,}"
        if key == "pct":
            return str(r.randrange(11, 89))
        if key == "year":
            return str(r.randrange(1998, 2019))
        raise KeyError(key)


def fill(template: str, slots: Slots) -> str:
    return template.format_map(slots)


def _banks(lang: str, kind: str, topic: dict) -> list[list[str]]:
    """Sentence pools for filler, in order of preference."""
    zh = lang == "zh"
    prose = banks.PROSE_ZH if zh else banks.PROSE_EN
    colour = topic.get("colour", [])
    if kind == "news":
        return [prose + colour]
    if kind == "reference":
        return [(banks.REFERENCE_ZH if zh else banks.REFERENCE_EN) + colour, prose]
    if kind == "notice":
        return [(banks.NOTICE_ZH if zh else banks.NOTICE_EN) + colour, prose]
    if kind == "product":
        return [(banks.PRODUCT_ZH if zh else banks.PRODUCT_EN) + colour, prose]
    if kind == "forum":
        return [(banks.FORUM_ZH if zh else banks.FORUM_EN) + colour, prose]
    raise ValueError(kind)


def item_text(item: object) -> str:
    if isinstance(item, str):
        return item
    tag, value = item  # type: ignore[misc]
    if tag == "h2":
        return value
    if tag == "ul":
        return "\n".join(value)
    if tag == "table":
        return "\n".join(" ".join(row) for row in value)
    raise ValueError(tag)


def build_body(page: dict, topic: dict, lang: str, rng: random.Random) -> list[object]:
    kind = page["kind"]
    slots = Slots(topic["slots"], rng)
    pools = [list(p) for p in _banks(lang, kind, topic)]
    for pool in pools:
        rng.shuffle(pool)
    low, high = TARGETS[(lang, kind)]
    target = rng.randrange(low, high)
    hand = page["items"]
    have = sum(size(item_text(i), lang) for i in hand)
    joiner = "" if lang == "zh" else " "
    per_para = (1, 3) if kind == "forum" else (2, 4) if kind in ("notice", "product") else (3, 5)

    fillers: list[str] = []
    while have < target and any(pools):
        n = rng.randint(*per_para)
        sentences: list[str] = []
        for _ in range(n):
            pool = next((p for p in pools if p), None)
            if pool is None:
                break
            sentences.append(fill(pool.pop(), slots))
        if not sentences:
            break
        text = joiner.join(sentences)
        fillers.append(text)
        have += size(text, lang)

    # Fillers go into the gaps after hand items (never right after a heading), the lead stays first.
    gaps = [i for i, item in enumerate(hand) if not (isinstance(item, tuple) and item[0] == "h2")]
    slots_after: dict[int, list[str]] = {}
    # In generation order, so a person introduced in full comes before their surname alone.
    for gap, text in zip(sorted(rng.choice(gaps) for _ in fillers), fillers):
        slots_after.setdefault(gap, []).append(text)
    body: list[object] = []
    for i, item in enumerate(hand):
        body.append(item)
        body.extend(slots_after.get(i, []))
    return body
