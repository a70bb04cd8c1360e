"""What a claim must find in its source, in both languages: numbers, dates and quantities written
one way ("April 26, 2016", "26 April 2016", "2016年4月26日", "2016-04-26"; "420 million",
"420,000,000", "£420m", "4.2亿") reduced to one form, and the words that carry its meaning
(English stems without stop words; Chinese character bigrams).

A source also offers what its words imply (a date's year and month, "three" as 3, "五" as 5); a
claim asks only for what it wrote in digits, so "one of the largest" asks for no number.
"""

from __future__ import annotations

import functools
import re

from search.passages import stem

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4})"
# (pattern, order of its groups: d=day, m=month, y=year)
_DATES = [
    (re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"), "dmy"),
    (re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"), "mdy"),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), "ymd"),
    (re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b"), "ymd"),
    (re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b"), "my"),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月"), "ym"),
    (re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?![a-z])"), "dm"),
    (re.compile(rf"\b{_MONTH}\s+{_DAY}\b"), "md"),
    (re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), "md"),
]
_SCALES = {
    "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9,
    "千": 1e3, "万": 1e4, "十万": 1e5, "百万": 1e6, "千万": 1e7, "亿": 1e8, "万亿": 1e12,
}  # fmt: skip
_NUMBER_RE = re.compile(
    r"([£$€¥￥]\s*)?(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
    r"(?:\s*(thousand|million|billion|trillion|bn|万亿|十万|百万|千万|千|万|亿)|(?<=\d)(m|k)\b)?"
)
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100, "dozen": 12, "half": 0.5, "twice": 2, "double": 2,
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}  # fmt: skip
_WORD_NUMBER_RE = re.compile(r"\b(?:" + "|".join(k for k in _WORD_NUMBERS if k.isascii()) + r")\b|[一二两三四五六七八九十]")

# Words a writer adds around what a source says ("according to the results", "根据搜索结果"): not evidence.
_STOP = frozenset(
    (
        "a an and are as at be been being but by did do does for from had has have he her his how i if in "
        "into is it its of on or our she so such than that the their them then there these they this those "
        "to was we were what when where which while who whom whose why will with would can could should may "
        "might must shall not no yes also about around approximately roughly nearly almost some any all "
        "each per according result search source say said report reported state stated note noted show "
        "shown total overall just only very more most much many other another one ha wa doe "
        "thousand million billion trillion percent cent"
    ).split()
)
_STOP_BIGRAMS = frozenset(
    "根据 据搜 搜索 索结 结果 果显 显示 报道 表示 目前 此外 其中 总共 大约 左右 约为 一个 这个 那个 我们 他们 以及 并且 而且 还有 已经 可以 进行 就是 也是 的是 是在 在于".split()
)
# Particles: a bigram holding one says how, not what ("桥的", "资为").
_PARTICLES = frozenset("的了是在和有也就都而及与或为之着过被把将对从向给让所")
_TOKEN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z][a-z0-9]*(?:'[a-z]+)?")


_DIGIT_RE = re.compile(r"\d")


def _canon(value: float) -> str:
    return f"{value:.6g}"


@functools.lru_cache(maxsize=4096)
def numbers(text: str, *, implied: bool = False) -> frozenset[str]:
    """The numbers, dates and quantities in `text`, each in one canonical spelling.

    `implied`: also what the text implies (a date's year, month and day; number words) — for a source."""
    low = text.lower()
    found: set[str] = set()
    if not _DIGIT_RE.search(low):  # no digits: no date, no figure (number words aside)
        return frozenset(_canon(float(_WORD_NUMBERS[w])) for w in _WORD_NUMBER_RE.findall(low)) if implied else frozenset()
    spans: list[tuple[int, int]] = []
    for pattern, order in _DATES:
        for match in pattern.finditer(low):
            if any(a < match.end() and match.start() < b for a, b in spans):
                continue
            parts = dict(zip(order, match.groups()))
            day = int(parts["d"]) if "d" in parts else None
            month = int(parts["m"]) if parts.get("m", "").isdigit() else _MONTHS.get(parts.get("m", "").rstrip("."))
            year = int(parts["y"]) if "y" in parts else None
            if not month or not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
                continue
            spans.append(match.span())
            if year and day:
                found.add(f"date:{year}-{month}-{day}")
            elif year:
                found.add(f"month:{year}-{month}")
            else:
                found.add(f"day:{month}-{day}")
            if implied:
                found.update(_coarser(year, month, day))
    rest = list(low)
    for a, b in spans:
        rest[a:b] = " " * (b - a)
    low_rest = "".join(rest)
    for match in _NUMBER_RE.finditer(low_rest):
        currency, whole, fraction, scale, short = match.groups()
        if short and not currency:
            short = None  # "400m" is a distance; "£400m" is money
        value = float(whole.replace(",", "") + ("." + fraction if fraction else ""))
        scale = scale or {"m": "million", "k": "thousand"}.get(short or "", "")
        value *= _SCALES.get(scale, 1.0)
        found.add(_canon(value))
    if implied:
        found.update(_canon(float(_WORD_NUMBERS[w])) for w in _WORD_NUMBER_RE.findall(low_rest))
    return frozenset(found)


def _coarser(year: int | None, month: int, day: int | None) -> set[str]:
    implied = {_canon(float(month))}
    if year:
        implied |= {_canon(float(year)), f"month:{year}-{month}"}
    if day:
        implied |= {f"day:{month}-{day}", _canon(float(day))}
    return implied


@functools.lru_cache(maxsize=8192)
def words(text: str, *, implied: bool = False) -> frozenset[str]:
    """The words that carry meaning: English stems without stop words, Chinese character bigrams
    (a lone Han character where a run has one: "5,600,000,000元").

    `implied`: also every Han character alone — for a source, so that a claim's lone "元" meets "56亿元"."""
    found: set[str] = set()
    for run in _TOKEN_RE.findall(text.lower()):
        if run[0].isascii():
            run = run.removesuffix("'s")
            if run in _STOP or len(run) < 2:
                continue
            word = stem(run)
            if word not in _STOP:
                found.add(word)
        elif len(run) == 1:
            found.add(run)
        else:
            if implied:
                found.update(ch for ch in run if ch not in _PARTICLES)
            found.update(
                b for b in map(str.__add__, run, run[1:]) if b not in _STOP_BIGRAMS and not _PARTICLES.intersection(b)
            )
    return frozenset(found)


__all__ = ["numbers", "words"]
