"""The cheap bilingual rule that decides for models that cannot: does this question need the web?

Used by the `plain` protocol (a model that can call nothing) and as the safety net of the others (a
model that answered a factual question from memory). It reads only the question, so it costs
microseconds and is the same for every model. Questions about people, places, numbers, dates, news,
prices or "the latest" search; greetings, thanks, wishes, feelings, questions about the assistant,
statements about oneself, rewriting, translation, writing, a question about text the message carries,
arithmetic (powers, unit conversions and sums over quantities the user gives included) and personal
advice do not. A phrase that none of these claims and that says nothing to the assistant names
something ("长江全长", "tsla earnings date"): it searches, since a fact answered from memory costs more
than a search a greeting did not need. What
it cannot place is `None`, and the caller decides (the model's own choice, or "is it a question at
all").

The signals it reads live in agent/signals/ (shared, Chinese, English, sums the message carries);
the follow-up query in agent/follow_up.py. Callers import from here.
"""

from __future__ import annotations

import re

from agent.follow_up import about_conversation, write_query
from agent.signals.arithmetic import (
    ARITH,
    ARITH_POWER,
    ARITH_WORDS,
    COMPUTED,
    EQUATION,
    GIVEN_MONEY,
    GIVEN_QUANTITY,
    MONEY,
    NUMBER,
    UNIT_CONVERSION,
)
from agent.signals.common import Verdict, is_chinese, is_question
from agent.signals.en import EN_ACRONYM, EN_PROPER, EN_WRITING, classify_en
from agent.signals.zh import ZH_NAME, ZH_WRITING, classify_zh

__all__ = ["Verdict", "about_conversation", "classify", "is_chinese", "is_question", "is_refusal", "write_query"]

# A greeting before the message proper ("你好呀，…", "早啊 …", "hey, …"): the rest decides.
_GREETING_LEAD = re.compile(
    r"^(?:你好|您好|嗨|哈喽|早上好|早安|早|晚上好|下午好|hi|hello|hey|good (?:morning|afternoon|evening)|morning)"
    r"[呀啊鸭哦啦～~！!，,。.\s]+(?=\S)",
    re.I,
)

# --- refusals: a model that declines is not overruled ----------------------------------------
_REFUSAL = re.compile(
    r"^\s*(?:i(?:'m| am) sorry,? but i (?:can(?:not|'t)|won't)|i can(?:not|'t) (?:help|assist|provide|do) (?:with )?that|"
    r"i won't|i am unable to help|sorry, i can(?:not|'t) help)|^\s*(?:抱歉|对不起)[，,]?\s*我(?:不能|无法)(?:帮|提供|回答|协助)",
    re.I,
)


def classify(question: str) -> Verdict:
    """"search", "chat", or None when the rule cannot tell."""
    q = question.strip()
    if not q:
        return "chat"
    if ARITH.match(q) or ARITH_WORDS.match(q) or ARITH_POWER.match(q) or UNIT_CONVERSION.match(q):
        return "chat"
    if EQUATION.match(q):
        return "chat"
    # a request to write, rewrite or translate, whatever the language of the text it carries
    # ("翻译成中文：I'll be late tonight", "translate into English: 我明天不去了")
    if ZH_WRITING.match(q) or EN_WRITING.match(q):
        return "chat"
    if lead := _GREETING_LEAD.match(q):
        rest = q[lead.end():]
        return classify(rest) or ("search" if is_question(rest) else "chat")
    given = len(NUMBER.findall(q)) >= 2 and GIVEN_QUANTITY.search(q)
    if given and COMPUTED.search(q) and (GIVEN_MONEY.search(q) or not MONEY.search(q)):
        rest = GIVEN_QUANTITY.sub(" ", q)
        if not (ZH_NAME.search(rest) if is_chinese(q) else (EN_PROPER.search(rest) or EN_ACRONYM.search(rest))):
            return "chat"
    return classify_zh(q) if is_chinese(q) else classify_en(q)


def is_refusal(reply: str) -> bool:
    return bool(_REFUSAL.match(reply))
