"""The cheap bilingual rule that decides for models that cannot: does this question need the web?

Used by the `plain` protocol (a model that can call nothing) and as the safety net of the others (a
model that answered a factual question from memory). It reads only the question, so it costs
microseconds and is the same for every model. Questions about people, places, numbers, dates, news,
prices or "the latest" search; greetings, thanks, wishes, feelings, questions about the assistant,
statements about oneself, rewriting, translation, writing and arithmetic do not. A Chinese phrase
that none of these claims and that says nothing to the assistant names something ("长江全长"): it
searches, since a fact answered from memory costs more than a search a greeting did not need. What
it cannot place is `None`, and the caller decides (the model's own choice, or "is it a question at
all").
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
    r"(?:see|talk to|speak to|talk with) you(?: (?:soon|later|tomorrow))?|talk (?:soon|later|tomorrow)|"
    r"who are you|what are you|what can you do|what is your name|what's your name|ok(?:ay)?|great|cool|what's new|"
    # a reaction to the last answer that names nothing to look up
    r"really|seriously|why(?: not)?|how so|what else|is (?:that|it) (?:true|so|right)|what do you mean)"
    r"[\s,!.?]*)+(?:there|everyone|all|friend|again|megrez)?[\s,!.?]*$",
    re.I,
)
_ZH_SMALL_TALK = re.compile(
    r"^(?:你|您)?(?:非常|十分|太|真是)?(?:你好|您好|嗨|哈喽|早上好|下午好|晚上好|晚安|谢谢|多谢|感谢|再见|拜拜|你是谁|你叫什么|你能做什么|你好吗|"
    r"最近好吗|最近怎么样|最近还好吗|在吗|好的|没问题|辛苦了|真的|是|为什么|什么意思|然后|怎么了|对|你确定)[\s，,。.！!？?~～呀啊哦啦吗呢你您]*$"
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
# ...and about its own tastes, age or nature, even when asked with 哪/几/which/how old ("猫和狗你更喜欢哪个",
# "How old are you?"): chat, unless they ask it to look something up.
_EN_YOURSELF = re.compile(
    r"\bhow old are you\b|\byou (?:like|love|prefer|enjoy|dream|feel|hate|believe|live|sleep|wake)\b|"
    r"\b(?:are|were) you(?: doing)?\s*(?:today|now)?[?!.]*$|\b(?:are|were) you (?:a|an|real|human|alive|ok|okay|happy|sad|sure|"
    r"free|busy|bored|tired|doing)\b|\b(?:made|created|built|trained|designed|developed|named) you\b|"
    r"\bhow(?:'s| is| was| were| are) your\b|\byour (?:favou?rite|best friend|family|day|weekend|week|plans?|hobby|hobbies)\b",
    re.I,
)
_ZH_YOURSELF = re.compile(r"[你您](?:更|最|比较|还)?(?:喜欢|爱|觉得|认为|想|会|是|几岁|多大|叫|在)")
# Chat said anywhere in a Chinese message: thanks, farewells, praise, laughter, acknowledgements,
# and asking for the last answer again, simpler or shorter ("说得简单一点", "请再短一点").
_ZH_CHAT = re.compile(
    r"谢谢|多谢|感谢|晚安|再见|拜拜|[明回改]天见|回头[见聊]|下次聊|改天聊|哈哈|嘿嘿|呵呵|^[哇嗯哦噢喂嘿哎唉]|"
    r"干得|真棒|太棒|好棒|厉害|漂亮|太逗|幽默|^(?:算了|没事|没关系|不好意思|对不起|不客气|不用了|好的|好吧|行吧|可以的|是的|对的|收到|知道了|明白了)|"
    r"(?:简单|简短|详细|具体|短|慢)(?:一)?[点些]|说点|再说"
)
# Remarks rather than questions: a feeling ("有点饿了", "好无聊"), a wish ("周末愉快"), an exclamation
# ("今天天气真好"), a sentence ended by a particle ("今天好冷啊", "讲个故事吧", "不聊了") — chat when nothing
# in them asks (an interrogative word or particle) or names a thing.
_ZH_REMARK = re.compile(
    r"(?:好|太|真|有点|挺)(?:饿|困|累|冷|热|无聊|紧张|开心|高兴|难过|伤心|烦|忙|闷|兴奋)|^[饿困累冷热烦忙闷]了|真好|太好了|"
    r"(?:快乐|愉快|顺利|加油|保重|[啊呀啦哦嘛哇吧了])[\s!！。.~～]*$"
)
_ZH_ASKING = re.compile(r"什么|怎么|为什么|如何|谁|哪|几|多少|多[高长远大重深宽久快]|是否|有没有|是不是|[吗呢？?]")
# Thanks with a compliment ("Thanks, you're the best"), and what users say about themselves ("I had a
# great day today", "我今天过得很开心"): chat, unless they ask for something to be looked up.
_EN_THANKS = re.compile(r"^(?:thanks?|thank you|thx|cheers|ty)\b[^?]*$", re.I)
# Wishes ("Have a nice day!", "Merry Christmas!", "Good luck with the exam tomorrow"): chat even with
# a name or a day in them, unless they also ask something.
_EN_WISH = re.compile(
    r"^(?:have a (?:nice|good|great|lovely|safe) \w+|happy (?:new year|birthday|holidays|\w+day)|merry christmas|"
    r"congrat(?:ulation)?s|good luck|best of luck|hope you|best wishes|sweet dreams)\b",
    re.I,
)
_EN_ABOUT_ME = re.compile(r"^(?:i|i'm|im|i am|i've|i was|i had|my)\b", re.I)
_ZH_ABOUT_ME = re.compile(r"我(?![国省市校军方])(?![^《》]*》)")  # "我国" is a country; 《我和我的祖国》 a film
_EN_LOOK_UP = re.compile(r"\b(?:know|find|look up|search|tell me|show me|need|looking for)\b", re.I)
_ZH_LOOK_UP = re.compile(r"想知道|[你您]知道|知不知道|[查搜]|告诉我|介绍|了解一下|想问|请问")
_EN_STRONG = re.compile(r"\b(?:who|whom|whose|when|where|which|how many|how much)\b", re.I)
_ZH_STRONG = re.compile(r"谁|哪|多少|何时|什么时候|最新|新闻|价格")

# --- search: people, places, numbers, dates, news, prices, "latest" --------------------------
_EN_FACTUAL = re.compile(
    r"\b(?:who|whom|whose|when|where|which|what year|what date|what time|how (?:many|much|long|tall|big|old|far|high|deep)|"
    r"latest|newest|recent(?:ly)?|current(?:ly)?|today|tonight|yesterday|tomorrow|this (?:week|month|year)|"
    r"last (?:week|month|year|night)|news|headlines?|price|prices|cost|costs|costed|stock|shares|rates?|weather|forecast|"
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
# Names a look-up is about wherever they sit: an acronym ("mortgage rates UK", not "OK"/"LOL"); in
# Chinese, a Latin-lettered name ("华为Mate 70", "GDP"), a title in 《》, a number with its unit.
_EN_ACRONYM = re.compile(r"\b(?!(?:OK|LOL|LMAO|ROFL|OMG|WTF|BRB|THX|TY|BTW|IDK|TBH|IMO|FYI|XD|GG)\b)[A-Z]{2,}s?\b")
_ZH_NAME = re.compile(
    r"(?<![A-Za-z])(?!(?i:ok|lol|hi|hello|thx|h+|em+)(?![A-Za-z]))[A-Za-z][A-Za-z0-9]+|《[^》]+》|"
    r"\d+(?:\.\d+)?\s*(?:年|月|日|号|米|公里|千米|元|块|万|亿|岁|克|斤|度)"
)
# A Chinese message that speaks to the assistant (you, me, a request) rather than naming a thing.
_ZH_TO_YOU = re.compile(r"[你您我]|^(?:请(?!问)|帮忙|麻烦|再[来说讲写]|说[说点个一]|讲[讲个一]|能不能|能否|可不可以|可以|来[个首段一])")

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
    return _classify_zh(q) if is_chinese(q) else _classify_en(q)


def _classify_zh(q: str) -> Verdict:
    if _ZH_SMALL_TALK.match(q) or _ZH_WRITING.match(q) or _ZH_TRANSLATE.search(q):
        return "chat"
    # Chat signals give way to what asks for a fact: a name, who/where/how much, "look it up".
    names = _YEAR_OR_NUMBER.search(q) or _ZH_NAME.search(q)
    asks = _ZH_STRONG.search(q) or names
    looks_up = _ZH_LOOK_UP.search(q)
    if _ZH_CHAT.search(q) and not (asks or looks_up):
        return "chat"
    if _ZH_REMARK.search(q) and not (_ZH_ASKING.search(q) or names or looks_up):
        return "chat"
    if _ZH_YOURSELF.search(q) and not looks_up:
        return "chat"
    if _ZH_ABOUT_YOU.match(q) and not (asks or _ZH_FACTUAL.search(q)):
        return "chat"
    if _ZH_ABOUT_ME.search(q) and not _ZH_QUESTION.search(q) and not (_ZH_STRONG.search(q) or looks_up):
        return "chat"
    if _ZH_FACTUAL.search(q) or names or looks_up:
        return "search"
    # What is left names something and says nothing to the assistant: a bare look-up ("长江全长",
    # "清华大学校长"); when in doubt about a fact, search.
    if len(_CJK.findall(q)) >= 3 and not _ZH_TO_YOU.search(q):
        return "search"
    return None


def _classify_en(q: str) -> Verdict:
    if _EN_SMALL_TALK.match(q) or _EN_WRITING.match(q) or _EN_TRANSLATE.search(q):
        return "chat"
    # Chat signals give way to what asks for a fact: a name, who/where/how much, "look it up".
    looks_up = _EN_LOOK_UP.search(q)
    if (_EN_THANKS.match(q) or _EN_WISH.match(q)) and not (looks_up or _EN_STRONG.search(q)):
        return "chat"
    if _EN_YOURSELF.search(q) and not looks_up:
        return "chat"
    names = _YEAR_OR_NUMBER.search(q) or _EN_PROPER.search(q) or _EN_ACRONYM.search(q)
    if _EN_ABOUT_YOU.search(q) and not (names or _EN_FACTUAL.search(q)):
        return "chat"
    # a statement about oneself is chat even when it names a place or a day ("I hate Mondays")
    if _EN_ABOUT_ME.match(q) and not is_question(q) and not (_EN_STRONG.search(q) or looks_up):
        return "chat"
    if _EN_FACTUAL.search(q) or names:
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
