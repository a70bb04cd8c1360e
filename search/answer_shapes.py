"""What a question asks for (a date, a number, a length, a count, …) and what such an answer looks
like in text, English and Chinese: the ranker boosts a passage that holds one (search/rank.py)."""

from __future__ import annotations

import re

# Answer types: what the question asks for (cue) and what such an answer looks like in text (shape).
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_UNITS_EN = (
    r"%|per ?cent|percent|km|metres?|meters?|kilometres?|kilometers?|miles?|kg|kilograms?|tonnes?|tons?|grams?"
    r"|mph|wh|mah|hectares?|acres?|feet|ft|litres?|liters?|megalitres?|cubic"
)
ANSWER_TYPES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "money": (
        re.compile(
            r"\b(?:cost|price|pay|paid|spend|spent|fine|fined|penalty|fee|charge|budget|worth|afford)"
            r"|多少钱|卖多少|花了|价格|价钱|票价|售价|单价|门票|投资|费用|补贴|补助|罚款|收费"
        ),
        re.compile(
            r"[£$€¥]\s?\d|\d[\d,.]*\s?(?:million|billion|bn|euros?|dollars?|pounds?|pence|yuan)\b"
            r"|\d\s?(?:元|万元|亿元|美元|欧元)"
        ),
    ),
    "time": (
        re.compile(r"\btime\b|how long (?:did|does|will|can)|多久|多长时间|用时|成绩|几点|时间"),
        re.compile(r"\d{1,2}:\d{2}|\d+\s?(?:hours?|minutes?|seconds?|days?|weeks?|months?|years?)\b|\d\s?(?:小时|分钟|分|秒|天|周|个月|时)"),
    ),
    "date": (
        re.compile(r"\bwhen\b|what (?:year|date|day)|until|since|什么时候|何时|哪一?年|哪天|几月|几号|日期"),
        re.compile(rf"\b(?:{_MONTHS})\b|\b(?:1[5-9]|20)\d\d\b|\d+\s?(?:年|月|日|号)"),
    ),
    "measure": (
        re.compile(
            r"how (?:long|tall|high|far|heavy|big|large|deep|wide|full|fast|old|much)"
            r"|多长|多高|多重|多大|多远|多深|多宽|多快|面积|长度|高度|重量|速度|容量"
        ),
        re.compile(rf"\d[\d,.]*\s?(?:{_UNITS_EN})\b|\d\s?(?:公里|千米|米|吨|千克|公斤|克|公顷|亩|%|平方|mAh)"),
    ),
    "count": (re.compile(r"how many|多少|几个|几座|几名|几只|几家"), re.compile(r"\d")),
}


# A Chinese count names its measure word (多少种鸟类, 几座车站), and so does its answer (213 种, 23座).
_MEASURE_WORDS = "个座只人名栋种家次条辆台所项位件块张艘架部本亩吨"
_ZH_COUNT_RE = re.compile(f"(?:多少|几)([{_MEASURE_WORDS}])")


def answer_shapes(question: str) -> list[re.Pattern[str]]:
    """What strings that answer the question look like (none for an open question)."""
    text = question.lower()
    shapes = []
    for kind, (cue, shape) in ANSWER_TYPES.items():
        if cue.search(text):
            if kind == "count" and (m := _ZH_COUNT_RE.search(text)):
                shape = re.compile(rf"\d\s?{m.group(1)}")
            shapes.append(shape)
    return shapes
