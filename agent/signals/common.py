"""What the search rule reads the same way in both languages: which language a message is in,
whether it asks, a year, the text a message carries, a question about the conversation itself or
personal advice. The rule itself: agent/classify.py."""

from __future__ import annotations

import re
from typing import Literal

Verdict = Literal["search", "chat"] | None

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

_BEFORE_COLON = re.compile(r"[^:：]*")
TEXT_ORIGIN = re.compile(r"谁|作者|出自|出处|来源|哪本|哪首|哪部|\b(?:who|author|source|origin|comes? from|quoted?)\b", re.I)
# A question about the conversation itself ("我们刚才聊到哪了", "what were we talking about"): the answer is
# in the conversation, not on the web.
_ABOUT_CONVERSATION = re.compile(
    r"(?:我们|咱们|你|我)(?:刚才|刚刚|之前|前面|上面)(?:说|聊|讲|提|问|谈)|[聊说讲]到哪|"
    r"\bwhere were we\b|\bwhat (?:were|was) (?:we|i) (?:talking|saying|asking)\b|"
    r"\b(?:you|we) (?:just |earlier |already )?(?:said|mentioned|talked about|discussed|were (?:talking|saying))\b|"
    r"\b(?:this|our) (?:chat|conversation)\b",
    re.I,
)
# Personal advice: a decision or an approach asked about one's own life or people ("should I quit my job",
# "how do I tell my boss …", "我和男朋友吵架了，我该先道歉吗", "要不要辞职"), when nothing else in the
# message is a fact to look up ("should I bring an umbrella tomorrow" searches).
_ADVICE_ASK = re.compile(
    r"要不要|该不该|应不应该|是不是该|(?:我|咱)(?:还)?(?:应该|该)|^(?:so\s+)?should i\b|\bdo you think i should\b|"
    r"\bhow (?:do|can|should) i (?:tell|ask|talk to|say no to|deal with|handle|convince|apologi[sz]e to|approach|"
    r"confront|comfort|cheer up|forgive|break up with|get over|make up with)\b",
    re.I,
)
_PERSONAL = re.compile(
    r"[妈爸他她]|父母|家人|男朋友|女朋友|男友|女友|老公|老婆|对象|朋友|同事|老板|领导|室友|同学|闺蜜|孩子|"
    r"吵架|分手|辞职|跳槽|表白|道歉|原谅|结婚|离婚|纠结|复合|冷战|"
    r"\b(?:my|our) (?:\w+ )?(?:boss|manager|friends?|mom|mum|mother|dad|father|parents?|wife|husband|partner|"
    r"girlfriend|boyfriend|sister|brother|family|coworkers?|colleagues?|roommates?|ex|kids?|son|daughter|job|crush|teacher)\b|"
    r"\b(?:him|her|them|quit|break up|apologi[sz]e|propose|confess|forgive|divorce|marry)\b",
    re.I,
)
EN_QUESTION = re.compile(r"^(?:what|who|when|where|which|why|how|is|are|was|were|do|does|did|can|could|will|has|have|should)\b", re.I)
ZH_QUESTION = re.compile(r"[吗呢？?]\s*$|^(?:什么|怎么|为什么|如何|是否|是不是|有没有)")
YEAR_OR_NUMBER = re.compile(r"\b(?:1[89]\d\d|20\d\d)\b|\d{4}年")


def is_chinese(text: str) -> bool:
    return len(CJK.findall(text)) >= max(1, len(text.strip()) // 5)


def before_text(q: str) -> str:
    """What a message says before the text it carries (after its first colon)."""
    return _BEFORE_COLON.match(q).group()


def about_us(q: str, factual: re.Pattern, look_up: re.Pattern) -> bool:
    """A question about the conversation that asks nothing looked up, or personal advice with nothing
    else in it to look up."""
    if _ABOUT_CONVERSATION.search(q):
        return not look_up.search(q)
    return bool(_ADVICE_ASK.search(q) and _PERSONAL.search(q) and not factual.search(_ADVICE_ASK.sub(" ", q)))


def is_question(question: str) -> bool:
    q = question.strip()
    if is_chinese(q):
        return bool(ZH_QUESTION.search(q))
    return q.endswith("?") or bool(EN_QUESTION.match(q))
