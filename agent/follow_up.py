"""The search query a follow-up question stands for, written from the conversation, and whether a
model-written query has anything to do with the conversation at all."""

from __future__ import annotations

import re

from agent.signals.common import CJK, is_chinese
from agent.signals.en import EN_PROPER
from agent.state import Turn

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
    if not (_EN_FOLLOW.search(q) or len(words) <= 2) or EN_PROPER.search(q):
        return q
    subject = _subject(previous)
    seen = {w.lower() for w in subject.split()}
    return " ".join([subject, *(w for w in words if w.lower() not in seen)]).strip() or q


def _terms(text: str) -> set[str]:
    words = {w.lower() for w in _EN_WORD.findall(text) if len(w) >= 3 and w.lower() not in _EN_STOP}
    cjk = "".join(CJK.findall(text))
    return words | {cjk[i : i + 2] for i in range(len(cjk) - 1)}


def about_conversation(query: str, question: str, history: list[Turn]) -> bool:
    """Whether a model-written query shares a word (or a Chinese bigram) with the conversation: a
    small model's timestamp, URL or placeholder name does not."""
    said = " ".join([question, *(t.question for t in history[-3:]), *(q for t in history[-3:] for q in t.queries)])
    return bool(_terms(query) & _terms(said))
