"""The small language engine: what a question is about, in English or Chinese.

Stop words, stemming, overlap terms, proper nouns and subjects: enough for the scripted model to
write a search query from a conversation and pick the sentences of a page that answer it.
"""

from __future__ import annotations

import re

from testkit.megrez.template import CJK, CJK_RE

SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[“])|(?<=[。！？；])|\n+")

EN_STOP = set(
    """a an the is are was were be been being am do does did done of in on at to for from by with
    about into over under and or but nor what when where who whom whose which why how much many it its
    it's they them their theirs that this these those he she him his her hers i me my mine you your
    yours we our ours us can could would should will shall may might must please tell know there
    here as than then so if also else any some s t has have had not no yes just very really let me
    get got does doesn't isn't wasn't don't didn't hey hi ok okay well like""".split()
)
_LEADING_NON_NOUNS = EN_STOP | set(
    """explain describe compare list give show find summarize summarise define translate write
    calculate compute search look name tell is are was were do does did can could when what who where
    why how which will would should""".split()
)
_CONNECTORS = {"of", "the", "de", "and", "for", "von", "van", "la", "le", "del"}
EN_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’&\-][A-Za-z0-9]+)*")

# Characters that carry no topic in Chinese questions (bigrams containing one are ignored).
ZH_STOP_CHARS = set(
    "的了吗呢吧啊呀是在有和与及或就都也还又很什么哪谁几多少怎样为何请问你我他她它这那个些么候曾被把将会要该其"
)
_ZH_SUFFIXES = (
    "大桥|桥|公司|集团|大学|学院|医院|银行|机场|车站|站|市|省|县|区|镇|村|国|山|河|湖|江|海|岛|塔|寺|宫|"
    "馆|院|楼|园|港|路|街|节|卫星|湿地|地铁|线|号"
)
_ZH_CUT_RE = re.compile(
    r"是|在哪|在什么|什么|哪|多少|怎么|怎样|如何|为什么|为何|何时|几|谁|有没有|有多|吗|呢|的|有|位于|在|于|花了|用了|建|开|始"
)
_ZH_SUFFIX_RE = re.compile(rf"(?:(?![{''.join(sorted(ZH_STOP_CHARS))}])[{CJK}A-Za-z0-9]){{1,8}}?(?:{_ZH_SUFFIXES})")
ZH_PRONOUN_RE = re.compile(
    r"它们的|它们|它的|它|这座桥|这座|这个|这家|这里|那座|那个|那家|那里|该|其|他们|他的|他|她的|她"
)
_ZH_FILLER_RE = re.compile(
    r"^(?:请问一下|请问|你知道|您知道|告诉我|帮我查一下|帮我查查|帮我搜一下|帮我搜索|帮我查|查一下|搜一下|搜索一下|"
    r"我想知道|我想问一下|我想问|麻烦|请)[，,：:\s]*"
)
_EN_FILLER_RE = re.compile(
    r"""^(?:
        (?:hey|hi|hello)(?:\s+there)?[,!.]?\s+
      | (?:ok|okay|so|well|um|uh)\b[,!.]?\s+
      | please\s+
      | (?:can|could|would|will)\s+you\s+(?:please\s+)?
        (?:tell\s+me|find\s+out|look\s+up|search(?:\s+for)?|check|explain)\s*
      | (?:do|does)\s+(?:you|anyone)\s+know\s*
      | i\s+(?:want|would\s+like|'d\s+like|need)\s+to\s+know\s*
      | i\s+wonder(?:ed)?\s*
      | tell\s+me\s*
      | search(?:\s+the\s+web)?\s+for\s*
      | look\s+up\s*
      | find\s+out\s*
    )""",
    re.I | re.X,
)
EN_FOLLOW_MARKER_RE = re.compile(
    r"^(?:and|but|also|so|then)\b|^(?:what|how)\s+about\b|^how\s+(?:much|many|long|old|tall|big|far)\b", re.I
)
EN_PRONOUN_RE = re.compile(r"\b(?:it|its|it's|they|them|their|that|this|those|these|he|she|him|her|his|there)\b", re.I)
EN_SUBSTITUTE_RE = re.compile(r"^(?:and\s+|but\s+)?(?:what|how)\s+about\b", re.I)
NUMERIC_EN_RE = re.compile(
    r"\b(?:when|year|date|how\s+(?:much|many|long|old|tall|big|far|high)|cost|price|population|length|height)\b", re.I
)
NUMERIC_ZH_RE = re.compile(r"多少|几|何时|什么时候|哪一年|哪年|时间|日期|年份|多长|多高|多大|多远")


def is_chinese(text: str) -> bool:
    cjk = len(CJK_RE.findall(text))
    return cjk > 0 and cjk >= len(re.findall(r"[A-Za-z]+", text))


def stem(word: str) -> str:
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def _zh_terms(text: str) -> set[str]:
    terms: set[str] = set()
    for run in re.findall(f"[{CJK}]+", text):
        kept = [i for i in range(len(run) - 1) if run[i] not in ZH_STOP_CHARS and run[i + 1] not in ZH_STOP_CHARS]
        terms.update(run[i : i + 2] for i in kept)
        covered = {i for k in kept for i in (k, k + 1)}
        terms.update(ch for i, ch in enumerate(run) if i not in covered and ch not in ZH_STOP_CHARS)
    return terms


# Concepts a small model links without shared words ("how much did it cost" ~ "$2.9 million").
_CONCEPTS = {
    "#cost": re.compile(
        r"\b(?:cost|costs|price|priced|spent|spend|budget|funding|million|billion|usd|dollars?)\b|[$€£¥]"
        r"|钱|花费|造价|费用|成本|投资|亿元|万元|价格",
        re.I,
    ),
    "#when": re.compile(r"\b(?:when|what\s+year|date)\b|什么时候|何时|哪一年|哪年|日期", re.I),
}
_YEAR_RE = re.compile(r"\b(?:1[5-9]|20)\d\d\b|\d+\s*年")


def terms(text: str) -> set[str]:
    """Overlap units: stemmed English content words, Chinese character bigrams, a few concepts."""
    en = {stem(w) for w in EN_WORD_RE.findall(text) if w.lower() not in EN_STOP}
    found = {name for name, pattern in _CONCEPTS.items() if pattern.search(text)}
    if _YEAR_RE.search(text):
        found.add("#when")
    return en | _zh_terms(text) | found


def en_proper_nouns(text: str) -> list[str]:
    words = EN_WORD_RE.findall(text)
    runs: list[str] = []
    cur: list[str] = []
    for i, w in enumerate(words):
        capital = w[0].isupper()
        skip = w == "I" or (not cur and (w.lower() in EN_STOP or (i == 0 and w.lower() in _LEADING_NON_NOUNS)))
        if (
            capital
            and not skip
            or cur
            and (w.isdigit() or (w.lower() in _CONNECTORS and i + 1 < len(words) and words[i + 1][0].isupper()))
        ):
            cur.append(w)
        else:
            if cur:
                runs.append(" ".join(cur))
            cur = []
    if cur:
        runs.append(" ".join(cur))
    return runs


def en_clean(question: str) -> str:
    q = question.strip()
    while True:
        new = _EN_FILLER_RE.sub("", q, count=1)
        if new == q:
            break
        q = new
    q = re.sub(r"(?:,?\s*please)?[\s?.!,;:]*$", "", q, flags=re.I)
    return q.strip()


def zh_clean(question: str) -> str:
    q = question.strip()
    while True:
        new = _ZH_FILLER_RE.sub("", q, count=1)
        if new == q:
            break
        q = new
    return re.sub(r"[\s？?。！!，,；;：:]+$", "", q).strip()


def zh_subject(text: str) -> str:
    """The key noun phrase of a Chinese question, e.g. 青川大桥 in 青川大桥是什么时候开通的."""
    q = zh_clean(text)
    if not q or ZH_PRONOUN_RE.match(q):
        q = ZH_PRONOUN_RE.sub("", q, count=1) if q else q
    m = _ZH_CUT_RE.search(q)
    head = (q[: m.start()] if m else q).strip(" ，,")
    if len(head) >= 2 and not ZH_PRONOUN_RE.search(head):
        return head
    m = _ZH_SUFFIX_RE.search(q)
    return m.group(0) if m else ""


def subject_of(query: str) -> str:
    if is_chinese(query):
        return zh_subject(query) or query
    nouns = en_proper_nouns(query)
    if nouns:
        return " ".join(nouns)
    words = [w for w in EN_WORD_RE.findall(query) if w.lower() not in EN_STOP]
    return " ".join(words) or query

