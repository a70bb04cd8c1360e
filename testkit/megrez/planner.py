"""A strong planner's knowledge of multi-part questions (issue #13): which parts a question asks,
what each part's search is, and what a context must say for the part to count as answered.

Reading results, the scripted Megrez answers the parts the contexts answer; while a part is still
missing and it has not searched for it, it writes what it found so far and calls search again with
that part's query. An observation with no contexts (the service's "no more searches" note) is
answered from everything read so far. Pages for these questions are in testkit/pages/; the harder
ones of issue #28 (HARD_PLANS: a body named in full on one page and by its acronym on the next, an
answer in other words, three hops) in testkit/pages/rounds/, served by bench/rounds.py beside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from testkit.megrez.language import SENTENCE_SPLIT_RE


@dataclass(frozen=True)
class Part:
    query: str  # the search the planner writes for this part
    evidence: str  # a context that says this has answered the part
    missing: str  # how the answer says the part was not found


@dataclass(frozen=True)
class Plan:
    question: str
    parts: tuple[Part, ...]


PLANS = (
    Plan(
        "Where was the author of The Lantern Orchard born?",
        (
            Part("The Lantern Orchard author", "Ilse Varga", "The search results do not name the author."),
            Part("Ilse Varga birthplace", "Kessel Point", "The search results do not say where the author was born."),
        ),
    ),
    Plan(
        "《雾港来信》的作者出生在哪里？",
        (
            Part("雾港来信 作者", "柳岸汀", "搜索结果没有提到作者是谁。"),
            Part("柳岸汀 出生地", "石门镇", "搜索结果没有提到作者的出生地。"),
        ),
    ),
    Plan(
        "Which river does the Harlow Viaduct cross, and how long is that river?",
        (
            Part("Harlow Viaduct river", "river Tamsel", "The search results do not name the river."),
            Part("Tamsel length", "212 kilometres", "The search results do not give the river's length."),
        ),
    ),
    Plan(
        "Who founded the Pell Gallery, where did they study, and when did that school open?",
        (
            Part("Pell Gallery founder", "Mara Quint", "The search results do not name the founder."),
            Part("Mara Quint training", "Orrin Academy", "The search results do not say where the founder trained."),
            Part("Orrin Academy history", "first admitted students", "The search results do not say when the school opened."),
        ),
    ),
    Plan(
        "鹿鸣书院的创办人后来担任过什么职务？",
        (
            Part("鹿鸣书院 创办人", "周慕远", "搜索结果没有提到创办人是谁。"),
            Part("周慕远 生平", "图书馆馆长", "搜索结果没有提到创办人后来的职务。"),
        ),
    ),
)


HARD_PLANS = (
    Plan(
        "Which body is investigating the Marrow Creek derailment, and who chairs it?",
        (
            Part("Marrow Creek derailment investigation", "Rail Accident Investigation Authority",
                 "The search results do not say who is investigating."),
            Part("Rail Accident Investigation Authority chair", "Odile Fenn", "The search results do not name the chair."),
        ),
    ),
    Plan(
        "What had the architect of the Sorrel Library built before it, and when did that building open?",
        (
            Part("Sorrel Library architect", "Tomas Wren", "The search results do not name the architect."),
            Part("Tomas Wren earlier work", "Gullhaven Market Hall", "The search results do not name earlier work."),
            Part("Gullhaven Market Hall opening year", "opened in 1994", "The search results do not say when it opened."),
        ),
    ),
    Plan(
        "How high is the mountain the Ferrow Pass road crosses, and who climbed it first?",
        (
            Part("Ferrow Pass road mountain", "Mount Ossery", "The search results do not name the mountain."),
            Part("Mount Ossery height", "3,412 metres", "The search results do not give its height."),
            Part("Mount Ossery first ascent", "Lena Marsh", "The search results do not say who climbed it first."),
        ),
    ),
    Plan(
        "调查岚溪货运列车脱轨事故的机构，主席是谁？",
        (
            Part("岚溪 货运列车 脱轨 调查", "国家铁路事故调查委员会", "搜索结果没有提到调查机构。"),
            Part("国家铁路事故调查委员会 主席", "沈清禾", "搜索结果没有提到主席是谁。"),
        ),
    ),
    Plan(
        "设计云栖图书馆的建筑师之前设计过什么，那座建筑哪一年落成？",
        (
            Part("云栖图书馆 建筑师", "顾望舒", "搜索结果没有提到建筑师。"),
            Part("顾望舒 作品", "鹭洲菜市场", "搜索结果没有提到他之前的作品。"),
            Part("鹭洲菜市场 落成 年份", "1994年落成", "搜索结果没有提到落成年份。"),
        ),
    ),
    Plan(
        "雁门岭公路翻越的那座山有多高，谁最早登顶？",
        (
            Part("雁门岭 公路 翻越 山", "青崖山", "搜索结果没有提到是哪座山。"),
            Part("青崖山 海拔", "3412米", "搜索结果没有提到海拔。"),
            Part("青崖山 首登", "林晚舟", "搜索结果没有提到谁最早登顶。"),
        ),
    ),
    # The second part's answer is deep in the page that answered the first, in none of the question's
    # words: round 1 shows that page's other passages, round 2 must return to it.
    Plan(
        "Who designed the Brannock Tunnel, and what award did that engineer later receive?",
        (
            Part("Brannock Tunnel designer", "Hester Vane", "The search results do not name the designer."),
            Part("Hester Vane medal", "Telford Gold Medal", "The search results do not say what award she received."),
        ),
    ),
    Plan(
        "赤岩水库的大坝是谁设计的？这位设计者后来获得过什么荣誉？",
        (
            Part("赤岩水库 大坝 设计", "邵明川", "搜索结果没有提到设计者是谁。"),
            Part("邵明川 奖章", "全国水利功勋奖章", "搜索结果没有提到设计者获得的荣誉。"),
        ),
    ),
    Plan(
        "Who made the lens in the Corran Head lighthouse, and where is that company based now?",
        (
            Part("Corran Head lighthouse lens maker", "Hallam and Pike", "The search results do not name the lens maker."),
            Part("Hallam and Pike today", "Dunmore", "The search results do not say where the company is now."),
        ),
    ),
    Plan(
        "望川古桥是哪一年改成石桥的，主持修桥的知县是哪里人？",
        (
            Part("望川古桥 石拱桥 改建", "1832年", "搜索结果没有提到改建的年份。"),
            Part("望川古桥 知县", "何允之", "搜索结果没有提到主持修桥的知县。"),
            Part("何允之 籍贯", "浙江山阴", "搜索结果没有提到知县是哪里人。"),
        ),
    ),
)


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


_BY_QUESTION = {_key(plan.question): plan for plan in PLANS + HARD_PLANS}


def plan_for(question: str) -> Plan | None:
    return _BY_QUESTION.get(_key(question))


def evidence_sentence(part: Part, contexts: list[dict]) -> tuple[str, int] | None:
    """The first sentence of a context that answers the part, and the context's number."""
    for context in contexts:
        for sentence in SENTENCE_SPLIT_RE.split(context["text"]):
            if sentence and part.evidence in sentence:
                return sentence.strip(), context["n"]
    return None


def next_search(plan: Plan, contexts: list[dict], rounds: int) -> Part | None:
    """The first part no context answers, while the rounds so far are fewer than the parts (one
    search per part at most: the planner never loops)."""
    if rounds >= len(plan.parts):
        return None
    return next((part for part in plan.parts if evidence_sentence(part, contexts) is None), None)
