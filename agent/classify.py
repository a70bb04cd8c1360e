"""The cheap bilingual rule that decides for models that cannot: does this question need the web?

Used by the `plain` protocol (a model that can call nothing) and as the safety net of the others (a
model that answered a factual question from memory). It reads only the question, so it costs
microseconds and is the same for every model. Questions about people, places, numbers, dates, news,
prices or "the latest" search; greetings, thanks, rewriting, translation, writing and arithmetic do
not. What it cannot place is `None`, and the caller decides (the model's own choice, or "is it a
question at all").
"""

from __future__ import annotations

import re
from typing import Literal

from agent.state import Turn

Verdict = Literal["search", "chat"] | None

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# --- no search: small talk, arithmetic, writing, translation ---------------------------------
_EN_SMALL_TALK = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|night)|"
    r"thanks?(?: you)?(?: (?:so|very) much| a lot| a million)?|thank you|thx|cheers|bye|goodbye|see you|"
    r"how are you(?: doing)?(?: today)?|how's it going|what's up|nice to meet you|"
    r"who are you|what are you|what can you do|what is your name|what's your name|ok(?:ay)?|great|cool)"
    r"[\s,!.?]*)+(?:there|everyone|all|friend|again|megrez)?[\s,!.?]*$",
    re.I,
)
_ZH_SMALL_TALK = re.compile(
    r"^(?:你|您)?(?:非常|十分|太|真是)?(?:你好|您好|嗨|哈喽|早上好|下午好|晚上好|晚安|谢谢|多谢|感谢|再见|拜拜|你是谁|你叫什么|你能做什么|你好吗|"
    r"最近好吗|最近怎么样|最近还好吗|在吗|好的|没问题|辛苦了)[\s，,。.！!？?~～呀啊哦啦吗你您]*$"
)
_EN_WRITING = re.compile(
    r"^(?:please\s+)?(?:can you\s+|could you\s+)?(?:translate|rewrite|rephrase|paraphrase|reword|proofread|"
    r"correct|fix|polish|shorten|summari[sz]e this|summari[sz]e the following|edit|write|compose|draft|"
    r"make (?:this|it) (?:shorter|longer|formal|polite)|turn this into|convert this)\b",
    re.I,
)
_EN_TRANSLATE = re.compile(r"\b(?:translate|translation of|how do (?:you|i) say .+ in|in (?:french|german|spanish|"
                           r"chinese|english|japanese|korean|italian|russian|portuguese))\b", re.I)
_ZH_WRITING = re.compile(r"^(?:请|帮我|麻烦|你能|能不能|可以)?(?:帮我)?(?:翻译|改写|润色|重写|校对|缩写|缩短|精简|扩写|写一|写首|写个|写篇|写封|"
                         r"总结一下|概括一下|把这|修改这|纠正)")
_ZH_TRANSLATE = re.compile(r"翻译|译成|用英语怎么说|用中文怎么说|英文怎么说")
_ARITH = re.compile(
    r"^(?:what(?:'s| is)|how much is|calculate|compute|solve|计算|算一下|请问)?\s*[\d\s().]+"
    r"(?:(?:[-+*/×÷^xX]|加上?|减去?|乘以?|除以)\s*[\d\s().]+)+"
    r"(?:=\s*\??|equals?\s*\??|等于多少|等于几|是多少|等于)?[\s?？。!！]*$",
    re.I,
)

# Arithmetic in words: "What is 12 times 8?", "15% of 80", "80的15%是多少".
_ARITH_WORDS = re.compile(
    r"^(?:what(?:'s| is)|how much is|calculate|compute)?\s*[\d.,]+\s*(?:%|percent)?\s*"
    r"(?:times|multiplied by|divided by|plus|minus|of)\s*[\d.,]+\s*[?.!]*$"
    r"|^[\d.]+的[\d.]+\s*%(?:是多少|等于多少|是几)?[？?。]*$",
    re.I,
)
# Questions about the assistant itself (its tastes, its nature, whether it can help): nothing to search
# for, unless they also ask a fact (who, when, a name, a year...).
_EN_ABOUT_YOU = re.compile(
    r"\b(?:do|did|are|were|can|could|will|would|have)\s+you\b|\bwhat (?:do|are) you\b|\bhow do you feel\b|"
    r"\byour (?:favou?rite|opinion|hobby|hobbies|name)\b",
    re.I,
)
_ZH_ABOUT_YOU = re.compile(r"^(?:请问)?(?:你|您)")
# Thanks with a compliment ("Thanks, you're the best"), and what users say about themselves ("I had a
# great day today", "我今天过得很开心"): chat, unless they ask for something to be looked up.
_EN_THANKS = re.compile(r"^(?:thanks?|thank you|thx|cheers|ty)\b[^?]*$", re.I)
_EN_ABOUT_ME = re.compile(r"^(?:i|i'm|im|i am|i've|i was|i had|my)\b", re.I)
_ZH_ABOUT_ME = re.compile(r"^(?:我|我们)(?!想知道|想问|想查)")
_EN_LOOK_UP = re.compile(r"\b(?:know|find|look up|search|tell me|show me|need|looking for)\b", re.I)
_EN_STRONG = re.compile(r"\b(?:who|whom|whose|when|where|which|how many|how much)\b", re.I)
_ZH_STRONG = re.compile(r"谁|哪|多少|何时|什么时候|最新|新闻|价格")

# --- search: people, places, numbers, dates, news, prices, "latest" --------------------------
_EN_FACTUAL = re.compile(
    r"\b(?:who|whom|whose|when|where|which|what year|what date|what time|how (?:many|much|long|tall|big|old|far|high|deep)|"
    r"latest|newest|recent(?:ly)?|current(?:ly)?|today|tonight|yesterday|tomorrow|this (?:week|month|year)|"
    r"last (?:week|month|year|night)|news|headlines?|price|prices|cost|costs|costed|stock|shares|rate|weather|forecast|"
    r"score|scores|result|results|won|win|winner|elected?|election|president|ceo|minister|mayor|population|"
    r"capital of|released?|launch(?:ed)?|announced?|opened|open(?:s|ing)? (?:date|hours)|record|"
    r"died|born|age of|founded|headquarter(?:s|ed)|located|address|schedule|deadline|update|version|"
    # superlatives and look-ups a search box gets as bare phrases ("tallest building in the world")
    r"tallest|highest|largest|biggest|longest|oldest|youngest|fastest|cheapest|richest|smallest|deepest|best|worst|"
    r"symptoms?|side effects?|how to|how do i|definition|meaning of|recipe|reviews?|near me|opening hours|"
    r"difference between|timetable|(?:train|bus|flight|opening|closing) times?|last (?:train|bus))\b",
    re.I,
)
_EN_QUESTION = re.compile(r"^(?:what|who|when|where|which|why|how|is|are|was|were|do|does|did|can|could|will|has|have|should)\b", re.I)
_ZH_FACTUAL = re.compile(
    r"谁|哪里|哪儿|哪个|哪家|哪位|哪一年|哪年|多少|几[个年月日号点岁次名]|什么时候|何时|何地|最新|最近|近期|新闻|消息|"
    r"今天|今年|去年|明天|昨天|本周|本月|现在|目前|价格|多少钱|售价|股价|汇率|天气|比分|成绩|结果|冠军|获奖|"
    r"发布|上市|开通|开幕|举行|宣布|当选|总统|总理|市长|首都|人口|位于|地址|成立|出生|去世|总投资|造价|纪录|"
    # superlatives, how-to and what-is questions asked mid-sentence, winners, distances, last night's games
    r"最[高大长深远快便宜贵好强小新老]|症状|副作用|怎么办|怎么(?!样|说)|如何|得主|多[高长远大重深宽久快]|哪(?!怕)|"
    r"是什么|什么是|有什么|区别|影响|昨晚|今晚|门票|票价|时间|时刻|[末首]班"
)
_ZH_QUESTION = re.compile(r"[吗呢？?]\s*$|^(?:什么|怎么|为什么|如何|是否|是不是|有没有)")
_YEAR_OR_NUMBER = re.compile(r"\b(?:1[89]\d\d|20\d\d)\b|\d{4}年")
_EN_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[- ][A-Z][a-z0-9]+)*")

# --- refusals: a model that declines is not overruled ----------------------------------------
_REFUSAL = re.compile(
    r"^\s*(?:i(?:'m| am) sorry,? but i (?:can(?:not|'t)|won't)|i can(?:not|'t) (?:help|assist|provide|do) (?:with )?that|"
    r"i won't|i am unable to help|sorry, i can(?:not|'t) help)|^\s*(?:抱歉|对不起)[，,]?\s*我(?:不能|无法)(?:帮|提供|回答|协助)",
    re.I,
)


def is_chinese(text: str) -> bool:
    return len(_CJK.findall(text)) >= max(1, len(text.strip()) // 5)


def classify(question: str) -> Verdict:
    """"search", "chat", or None when the rule cannot tell."""
    q = question.strip()
    if not q:
        return "chat"
    if _ARITH.match(q) or _ARITH_WORDS.match(q):
        return "chat"
    if is_chinese(q):
        if _ZH_SMALL_TALK.match(q) or _ZH_WRITING.match(q) or _ZH_TRANSLATE.search(q):
            return "chat"
        asks = _ZH_STRONG.search(q) or _YEAR_OR_NUMBER.search(q)
        if _ZH_ABOUT_YOU.match(q) and not (asks or _ZH_FACTUAL.search(q)):
            return "chat"
        if _ZH_ABOUT_ME.match(q) and not _ZH_QUESTION.search(q) and not asks:
            return "chat"
        if _ZH_FACTUAL.search(q) or _YEAR_OR_NUMBER.search(q):
            return "search"
        return None
    if _EN_SMALL_TALK.match(q) or _EN_WRITING.match(q) or _EN_TRANSLATE.search(q):
        return "chat"
    if _EN_THANKS.match(q):
        return "chat"
    asks = _EN_STRONG.search(q) or _YEAR_OR_NUMBER.search(q) or _EN_PROPER.search(q)
    if _EN_ABOUT_YOU.search(q) and not (asks or _EN_FACTUAL.search(q)):
        return "chat"
    if _EN_ABOUT_ME.match(q) and not is_question(q) and not (asks or _EN_LOOK_UP.search(q)):
        return "chat"
    if _EN_FACTUAL.search(q) or _YEAR_OR_NUMBER.search(q) or _EN_PROPER.search(q):
        return "search"
    return None


def is_question(question: str) -> bool:
    q = question.strip()
    if is_chinese(q):
        return bool(_ZH_QUESTION.search(q))
    return q.endswith("?") or bool(_EN_QUESTION.match(q))


def is_refusal(reply: str) -> bool:
    return bool(_REFUSAL.match(reply))


# --- writing the query from the conversation ---------------------------------------------------
_EN_FOLLOW = re.compile(
    r"^(?:and|but|also|so|then|what about|how about|and what about)\b|\b(?:it|its|it's|they|them|their|he|him|his|"
    r"she|her|this|that|these|those|there)\b",
    re.I,
)
_ZH_FOLLOW = re.compile(r"^(?:那么|那|还有|另外|而且|而|那它)|[它他她这那其]|呢[？?]?$")
_EN_STOP = frozenset(
    "a an the and but also so then what about how who whom whose when where which why is are was were do does did "
    "can could will would should has have had of in on at to for by with from it its it's they them their he him his "
    "she her this that these those there please tell me i you we my your our much many".split()
)
_EN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'.-]*")


def _en_clean(text: str) -> str:
    return text.strip().rstrip("?？!！.。 ").strip()


def _subject(query: str) -> str:
    """The content words of an earlier query (what a follow-up's pronoun stands for)."""
    if is_chinese(query):
        return re.sub(r"[？?。！!，,\s]|是(?:多少|什么|谁|哪)|什么时候|多少|哪里|吗|呢", "", query)
    return " ".join(w for w in _EN_WORD.findall(query) if w.lower() not in _EN_STOP)


def write_query(question: str, history: list[Turn]) -> str:
    """A search query for `question`: as asked, or, for a follow-up, carrying the earlier subject."""
    q = _en_clean(question)
    if not history:
        return q
    last = history[-1]
    previous = last.queries[0] if last.queries else last.question
    if is_chinese(q):
        if not _ZH_FOLLOW.search(q):
            return q
        rest = re.sub(r"^(?:那么|那|还有|另外|而且|而)[，,\s]*", "", q)
        rest = re.sub(r"[它他她这那其](?:的)?|呢$", "", rest)
        return f"{_subject(previous)} {rest}".strip()
    words = [w for w in _EN_WORD.findall(q) if w.lower() not in _EN_STOP]
    if not (_EN_FOLLOW.search(q) or len(words) <= 2) or _EN_PROPER.search(q):
        return q
    subject = _subject(previous)
    seen = {w.lower() for w in subject.split()}
    return " ".join([subject, *(w for w in words if w.lower() not in seen)]).strip() or q


def _terms(text: str) -> set[str]:
    words = {w.lower() for w in _EN_WORD.findall(text) if len(w) >= 3 and w.lower() not in _EN_STOP}
    cjk = "".join(_CJK.findall(text))
    return words | {cjk[i : i + 2] for i in range(len(cjk) - 1)}


def about_conversation(query: str, question: str, history: list[Turn]) -> bool:
    """Whether a model-written query shares a word (or a Chinese bigram) with the conversation: a
    small model's timestamp, URL or placeholder name does not."""
    said = " ".join([question, *(t.question for t in history[-3:]), *(q for t in history[-3:] for q in t.queries)])
    return bool(_terms(query) & _terms(said))
