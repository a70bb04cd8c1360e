"""Prompt templates: one file per purpose and language (`<purpose>.<lang>.txt`), rendered here.

Templates use `$name` placeholders (string.Template) because the function spec is JSON and full of
braces. Everything rendered into the system prompt is stable for a whole day (date, never a clock),
so vLLM's prefix cache can share it across users and requests.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from importlib.resources import files
from string import Template
from typing import Iterable, Literal

Language = Literal["en", "zh"]


@lru_cache(maxsize=None)
def _template(name: str) -> str:
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


def render(purpose: str, lang: Language, **values: object) -> str:
    """Fill the template `<purpose>.<lang>.txt`; a missing placeholder is a bug, so it raises."""
    return Template(_template(f"{purpose}.{lang}.txt")).substitute(values).rstrip("\n")


def format_date(day: date, lang: Language) -> str:
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.strftime("%A, %d %B %Y")


@lru_cache(maxsize=None)
def search_function(lang: Language) -> dict:
    return json.loads(_template(f"search_function.{lang}.json"))


def websearch_system(lang: Language, day: date) -> str:
    functions = json.dumps(search_function(lang), ensure_ascii=False)
    return render("websearch_system", lang, date=format_date(day, lang), functions=functions)


def chat_system(lang: Language, day: date) -> str:
    return render("chat_system", lang, date=format_date(day, lang))


def contexts_block(lang: Language, contexts: Iterable[tuple[int, str, str, str]], *, urls: bool = True) -> str:
    """Render (index, title, url, text) tuples as the numbered [[citation:N]] blocks (`urls=False`:
    the title alone in each header, for a model on a CPU: agent/profile.py)."""
    # context.*, not context_brief: the pages' words are never read as our instructions (agent/no_answer.py).
    template = "context" if urls else "context.brief"
    return "\n\n".join(
        render(template, lang, index=index, title=title, url=url, text=text)
        for index, title, url, text in contexts
    )


def answer_prompt(lang: Language, *, query: str, question: str, contexts: str, brief: bool = False) -> str:
    """`brief`: the instruction in half the tokens (a model on a CPU pays each: agent/profile.py)."""
    return render("answer.brief" if brief else "answer", lang, query=query, question=question, contexts=contexts)


def related_prompt(lang: Language, *, question: str, titles: Iterable[str]) -> str:
    separator = "；" if lang == "zh" else "; "
    return render("related", lang, question=question, titles=separator.join(titles))


def condense_prompt(lang: Language, *, question: str, title: str, text: str, words: int) -> str:
    return render("condense", lang, question=question, title=title, text=text, words=words)


# --- models that are not Megrez (the `tools` and `plain` protocols) ------------------------------


def search_tool(lang: Language) -> dict:
    """The search function as an OpenAI `tools` entry (the same spec Megrez reads in its prompt)."""
    return {"type": "function", "function": search_function(lang)}


def tools_system(lang: Language, day: date) -> str:
    """For a model that calls tools natively: when to search; the function itself goes in `tools`."""
    return render("tools_system", lang, date=format_date(day, lang))


def plain_system(lang: Language, day: date) -> str:
    """For any model, no function offered: direct answers and answers from search results."""
    return render("plain_system", lang, date=format_date(day, lang))


def search_limit(lang: Language, *, question: str) -> str:
    """The observation that answers a search call past the round limit or the time budget: the
    model is asked to answer from what it has read (it must end with an answer, never an error)."""
    return render("search_limit", lang, question=question)
