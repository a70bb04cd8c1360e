"""Citation markers, in one place: the model's `[citation:N]` become `[N]`, markers with no such
source vanish; the `[N]` an answer shows are found here too (the surfaces' links and annotations).

Small models drift (`[citation: 2]`, `[ citation:2]`, `[2]`), and a stream can cut a marker in two,
so the rewriter holds back an unfinished `[...` until it is known to be a marker or plain text. A bare
`[N]` right after a word ("million[2]") is a citation when N is a source, and is checked as one
(agent/verify); inside code (`items[1]`) it is an index, left as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.state import Citation
from search.models import Source

_MARKER = re.compile(r"\[\s*(citation\s*[:：]\s*)?(\d{1,3})\s*\]", re.IGNORECASE)
_PARTIAL = re.compile(r"\[\s*(?:[a-z]{0,8}\s*[:：]?\s*)?\d{0,3}\s*$", re.IGNORECASE)
SHOWN_MARKER = re.compile(r"\[(\d{1,3})\]")  # a marker as the answer shows it, `[N]`
_HOLD_MAX = 24  # longer than any marker: a '[' this far back is plain text


def _could_become_marker(tail: str) -> bool:
    if len(tail) > _HOLD_MAX or not _PARTIAL.fullmatch(tail):
        return False
    letters = re.sub(r"[^a-z]", "", tail.lower())
    return "citation".startswith(letters)


class CitationRewriter:
    """Feed model text chunk by chunk; get back text that is safe to show, markers rewritten."""

    def __init__(self, valid: set[int]):
        self._valid = valid
        self._pending = ""
        self._last_marker: int | None = None
        self._last_char = ""  # what preceded the held-back text, to tell `items[0]` from a citation
        self._ticks = 0  # backticks so far: odd while inside code, where `items[1]` is an index
        self.cited: list[int] = []  # source indexes in order of first use

    def _rewrite(self, text: str) -> list[str | int]:
        """The text as parts: plain text (str) and the markers kept (int, the source's index)."""
        out: list[str | int] = []
        pos = 0
        for match in _MARKER.finditer(text):
            before = text[match.start() - 1] if match.start() else self._last_char
            in_code = (self._ticks + text.count("`", 0, match.start())) % 2 == 1
            number = int(match.group(2))
            if not match.group(1) and (in_code or (re.match(r"[A-Za-z_]", before) and number not in self._valid)):
                continue  # `items[1]` in code, `array[0]`: an index, not a bare citation
            between = text[pos : match.start()]
            if between:
                out.append(between)
                self._last_marker = None
            if number in self._valid and number != self._last_marker:
                out.append(number)
                self._last_marker = number
                if number not in self.cited:
                    self.cited.append(number)
            pos = match.end()
        if text[pos:]:
            out.append(text[pos:])
            self._last_marker = None
        if text:
            self._last_char = text[-1]
            self._ticks += text.count("`")
        return out

    def feed_parts(self, chunk: str) -> list[str | int]:
        """`feed`, as parts: text, and each marker as its source's index (agent/verify reads them)."""
        text = self._pending + chunk
        self._pending = ""
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and _could_become_marker(text[cut:]):
            text, self._pending = text[:cut], text[cut:]
        return self._rewrite(text)

    def close_parts(self) -> list[str | int]:
        text, self._pending = self._pending, ""
        return self._rewrite(text)

    def feed(self, chunk: str) -> str:
        return shown(self.feed_parts(chunk))

    def close(self) -> str:
        return shown(self.close_parts())


def shown(parts: list[str | int]) -> str:
    """Parts as the reader sees them: markers as `[N]`."""
    return "".join(part if isinstance(part, str) else f"[{part}]" for part in parts)


def rewrite(text: str, sources: list[Source]) -> tuple[str, list[Citation]]:
    """Rewrite a whole answer; return it with the cited sources in order of first use."""
    rewriter = CitationRewriter({source.index for source in sources})
    answer = (rewriter.feed(text) + rewriter.close()).strip()
    by_index = {source.index: source for source in sources}
    citations = [
        Citation(index=i, url=by_index[i].url, title=by_index[i].title) for i in rewriter.cited
    ]
    return answer, citations


def shown_markers(text: str) -> Iterator[re.Match[str]]:
    """The `[N]` markers in an answer as shown (after `rewrite`): group 1 is N."""
    return SHOWN_MARKER.finditer(text)


def strip_markers(text: str) -> str:
    """An answer without its `[N]` markers (they would point at sources the model cannot see again)."""
    return SHOWN_MARKER.sub("", text).replace("  ", " ").strip()


def says_something(text: str, sources: list[Source]) -> bool:
    """Whether a reply has words once its markers are rewritten and left out: nothing, or markers
    alone (to sources or to none), is no answer."""
    return bool(strip_markers(rewrite(text, sources)[0]))
