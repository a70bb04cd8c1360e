"""What is not an answer: an empty reply, or the service's own instructions repeated back.

A small model sometimes writes nothing, or copies the prompt's last instruction ("No more searches
can be made for this question. Answer the question …"). Neither reaches a reader as an answer: the
echo is held back while it is written (`EchoGuard`, on every streamed reply), and a reply left
empty becomes one clear line saying there is no answer (`no_answer_text`), the same on every
surface; the output says why in `no_answer` ("empty" or "echo").
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files
from typing import Literal

from agent.events import Delta, emit
from agent.state import NoAnswer

_NO_ANSWER = {
    "en": "No answer this time: the model did not write one.",
    "zh": "这次没有答案：模型没有写出回答。",
}
_WITH_SOURCES = {
    "en": " The sources it read are listed; ask again or rephrase the question.",
    "zh": "它读过的来源列在下面；请再问一次，或换个说法。",
}
_WITHOUT_SOURCES = {"en": " Ask again or rephrase the question.", "zh": "请再问一次，或换个说法。"}

_SENTENCE_END = re.compile(r"[.!?。！？\n]")
# What a small model copies from the function it was offered rather than from the prompt's words:
# the schema's JSON, the call format's `functions.<name>:`, the citation format's placeholder.
_COPIED_FORMAT = ('{"', '{ "', '"function', "function.", "functions.", "search:", "[citation:n]")
_MIN_CHARS = {"en": 14, "zh": 8}  # shorter literal openings ("Question: ", "今天是") prove nothing


def no_answer_text(language: str, *, sources: bool) -> str:
    lang = "zh" if language == "zh" else "en"
    return _NO_ANSWER[lang] + (_WITH_SOURCES if sources else _WITHOUT_SOURCES)[lang]


def give_no_answer(language: str, *, sources: bool, echoed: bool) -> NoAnswer:
    """Say there is no answer, in the stream where the answer would have been; return why."""
    emit(Delta(text=no_answer_text(language, sources=sources)))
    return "echo" if echoed else "empty"


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@lru_cache(maxsize=1)
def instruction_openings() -> tuple[str, ...]:
    """Each literal piece of an instruction sentence of prompts/*.txt (the text between its
    placeholders), normalised: a reply sentence that begins with one of these repeats the service's
    instructions (the piece after a quoted question too: the question may end a sentence itself)."""
    openings: set[str] = set()
    for template in files("prompts").iterdir():
        name = template.name
        if not name.endswith(".txt") or name.startswith("context."):
            continue  # the numbered results are the pages' words, not ours
        lang = "zh" if name.endswith(".zh.txt") else "en"
        text = template.read_text(encoding="utf-8")
        for sentence in re.split(r"(?<=[.!?。！？])\s*|\n", text):
            for piece in re.split(r"\$\w+", sentence):
                opening = _norm(piece)
                if len(opening) >= _MIN_CHARS[lang]:
                    openings.add(opening)
    return tuple(sorted(openings | set(_COPIED_FORMAT)))


def is_instruction(line: str) -> bool:
    """A line that begins as one of the service's own instruction sentences."""
    said = _norm(line)
    return bool(said) and any(said.startswith(opening) for opening in instruction_openings())


class EchoGuard:
    """Feed a reply's text as it streams; get back the text that is not an instruction repeated.

    Each sentence is held only while it could still be the opening of one of the service's own
    instruction sentences; once it is not, it flows on. A sentence that is such an opening is
    dropped up to its end."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._sentence = ""  # the current sentence, held while undecided
        # Off (everything passes) for output held to a JSON schema: there JSON is the answer.
        self._mode: Literal["undecided", "pass", "drop"] = "undecided" if enabled else "pass"
        self._enabled = enabled
        self.echoed = False

    def feed(self, text: str) -> str:
        out: list[str] = []
        for char in text:
            if self._mode == "pass":
                out.append(char)
            elif self._mode == "undecided":
                self._sentence += char
                self._decide(out)
            if _SENTENCE_END.match(char) and self._enabled:
                if self._mode == "undecided":
                    out.append(self._sentence)
                self._sentence, self._mode = "", "undecided"
        return "".join(out)

    def close(self) -> str:
        held, self._sentence = (self._sentence if self._mode == "undecided" else ""), ""
        self._mode = "undecided" if self._enabled else "pass"
        return held

    def _decide(self, out: list[str]) -> None:
        said = _norm(self._sentence)
        if not said:
            return
        openings = instruction_openings()
        if any(said.startswith(opening) for opening in openings):
            self._mode, self.echoed = "drop", True
            self._sentence = ""
        elif not any(opening.startswith(said) for opening in openings):
            self._mode = "pass"
            out.append(self._sentence)
            self._sentence = ""
