"""How a small model cites badly, on purpose and in known ways (issue #23): the scripted Megrez
writes these when a test asks (`ScriptedMegrez(careless=[...])`), and bench/citations.py writes
whole answers of them over real pages.

Each claim is a sentence the model read, written with a marker, in one of these ways:

- `correct`: as read, its own source cited;
- `paraphrase`: reworded (numbers and dates written another way, its clauses swapped), its own
  source cited — still supported: a checker that flags it raises a false alarm;
- `wrong_page`: as read, another source cited;
- `unsupported`: something no source read says, cited all the same — a number changed
  (`wrong_number`), or a sentence from a page the model never read (`invented`).
"""

from __future__ import annotations

import re

KINDS = ("correct", "paraphrase", "wrong_page", "unsupported")
_MONTHS = "January February March April May June July August September October November December".split()
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
INVENTED = {
    "en": "It was designed by the Norwegian engineer Halvard Brekke, who won the Ostberg Prize for it in 1987.",
    "zh": "该项目由工程师欧阳明远主持设计，他凭此于1987年获得鲁班奖。",
}


def _digits(value: float) -> str:
    return f"{round(value):,}"


def reword_numbers(sentence: str) -> str:
    """The same numbers and dates, written another way ("420 million" -> "420,000,000",
    "26 April 2016" -> "April 26, 2016", "56 亿元" -> "5,600,000,000元")."""
    scale = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
    text = re.sub(
        r"\b(\d+(?:\.\d+)?) (thousand|million|billion)\b",
        lambda m: _digits(float(m.group(1)) * scale[m.group(2)]),
        sentence,
    )
    text = re.sub(r"(\d+(?:\.\d+)?)\s*亿", lambda m: _digits(float(m.group(1)) * 1e8), text)
    text = re.sub(r"(?<![\d.])(\d+(?:\.\d+)?)\s*万(?!亿)", lambda m: _digits(float(m.group(1)) * 1e4), text)
    months = "|".join(_MONTHS)
    text = re.sub(rf"\b(\d{{1,2}}) ({months}) (\d{{4}})\b", lambda m: f"{m.group(2)} {m.group(1)}, {m.group(3)}", text)
    text = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})日", lambda m: f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}", text)
    return text


# Words a model swaps for others of the same meaning (two at most a sentence).
SYNONYMS = {
    "located": "situated", "began": "started", "built": "constructed", "said": "stated", "announced": "revealed",
    "more than": "over", "about": "around", "largest": "biggest", "received": "got", "people": "individuals",
    "company": "firm", "children": "kids", "decided": "chose", "bought": "purchased", "showed": "indicated",
    "because": "since", "before": "prior to", "after": "following", "government": "authorities",
    "nearly": "almost", "died": "passed away", "killed": "slain", "help": "assist", "start": "begin",
    "位于": "坐落于", "成立": "创立", "包括": "包含", "开始": "开启", "主要": "大多", "进行": "开展",
    "称为": "叫做", "著名": "知名", "目前": "现在", "由于": "因为", "之后": "以后", "但是": "不过",
    "获得": "取得", "举行": "举办", "担任": "出任", "建立": "创建", "发现": "找到", "出生": "生于",
}  # fmt: skip


def swap_words(text: str, most: int = 2) -> str:
    swapped = 0
    for word, other in SYNONYMS.items():
        pattern = re.escape(word) if _CJK_RE.search(word) else rf"\b{re.escape(word)}\b"
        if swapped < most and re.search(pattern, text):
            text = re.sub(pattern, other, text, count=1)
            swapped += 1
    return text


def paraphrase(sentence: str) -> str:
    """Reworded, the meaning kept: numbers written another way, words swapped for synonyms and,
    where a sentence has two clauses, the second put first."""
    text = swap_words(reword_numbers(sentence.strip()))
    end = re.search(r"[.!?。！？]+$", text)
    body, stop = (text[: end.start()], end.group(0)) if end else (text, "")
    if _CJK_RE.search(body):
        head, sep, tail = body.partition("，")
        if sep and len(head) >= 4 and len(tail) >= 4 and "，" not in tail:
            body = f"{tail}，{head}"
    else:
        head, sep, tail = body.partition(", ")
        if sep and len(head.split()) >= 3 and len(tail.split()) >= 3 and ", " not in tail:
            first = head if re.match(r"(?:The|A|An|It|This|In|On|At|For)\b", head) is None else head[0].lower() + head[1:]
            body = f"{tail[0].upper()}{tail[1:]}, {first}"
    return body + (stop or ("。" if _CJK_RE.search(body) else "."))


def wrong_number(sentence: str) -> str | None:
    """The sentence with one of its numbers changed (None when it has none worth changing)."""
    match = re.search(r"(?<![\d.,])(\d{2,}|[3-9])(?![\d])", sentence)
    if match is None:
        return None
    number = match.group(1)
    changed = str(int(number) + (7 if len(number) < 4 else 3))
    return sentence[: match.start()] + changed + sentence[match.end() :]


def unsupported(sentence: str, language: str) -> str:
    """A claim no source holds: the sentence with a number changed, else one nobody wrote."""
    return wrong_number(sentence) or INVENTED[language]


def with_marker(sentence: str, marker: str) -> str:
    """The marker where a model puts it: before the sentence's closing stop."""
    sentence = sentence.strip()
    end = re.search(r"[.!?。！？]+$", sentence)
    if end:
        return sentence[: end.start()] + marker + end.group(0)
    return sentence + marker + ("。" if _CJK_RE.search(sentence) else ".")


def write(sentence: str, own: int, others: list[int], kind: str, language: str) -> tuple[str, int]:
    """A claim of `kind` made from `sentence` (read from source `own`): its words and the source it cites."""
    if kind == "paraphrase":
        return paraphrase(sentence), own
    if kind == "wrong_page":
        return sentence, next((n for n in others if n != own), own)
    if kind == "unsupported":
        return unsupported(sentence, language), own
    return sentence, own


__all__ = ["INVENTED", "KINDS", "SYNONYMS", "paraphrase", "swap_words", "reword_numbers", "unsupported", "with_marker", "write", "wrong_number"]
