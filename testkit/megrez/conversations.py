"""Conversations as the service sends them to Megrez, rendered from the service's own prompt files
(prompts/): for tests of the scripted model and of the clients that talk to it."""

from __future__ import annotations

from pathlib import Path
from string import Template

from testkit.megrez.template import function_call

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"

CONTEXTS = [
    (
        "Golden Gate Bridge",
        "https://example.org/golden-gate",
        "The Golden Gate Bridge is a suspension bridge in San Francisco. It opened to traffic in May 1937.",
    ),
    (
        "Aurora Bridge - Wikipedia",
        "https://example.org/aurora",
        "The Aurora Bridge is a cantilever bridge in Seattle. It opened to traffic on February 22, 1932. "
        "The bridge cost $2.9 million to build.",
    ),
    (
        "青川大桥",
        "https://example.cn/qingchuan",
        "青川大桥位于四川省青川县，横跨白龙江。青川大桥于2019年12月正式开通。大桥总投资约12亿元。",
    ),
]



def _t(name: str, **values: str) -> str:
    return Template((PROMPTS / name).read_text(encoding="utf-8")).safe_substitute(**values)


def websearch_system(lang: str = "en") -> dict:
    functions = (PROMPTS / f"search_function.{lang}.json").read_text(encoding="utf-8").strip()
    return {"role": "system", "content": _t(f"websearch_system.{lang}.txt", date="2025-06-01", functions=functions)}


def chat_system(lang: str = "en") -> dict:
    return {"role": "system", "content": _t(f"chat_system.{lang}.txt", date="2025-06-01")}


def observation(question: str, query: str, lang: str = "en", contexts=CONTEXTS) -> dict:
    blocks = "\n\n".join(
        _t(f"context.{lang}.txt", index=str(i), title=title, url=url, text=text)
        for i, (title, url, text) in enumerate(contexts, start=1)
    )
    return {"role": "observation", "content": _t(f"answer.{lang}.txt", query=query, contexts=blocks, question=question)}


def answer_conversation(question: str, query: str, lang: str = "en", contexts=CONTEXTS, history=()) -> list[dict]:
    return [
        websearch_system(lang),
        *history,
        {"role": "user", "content": question},
        {"role": "assistant", "content": function_call(query)},
        observation(question, query, lang, contexts),
    ]
