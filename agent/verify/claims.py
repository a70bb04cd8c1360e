"""Where sentences end, and which words a marker group cites: the claims of an answer.

A claim is a sentence, or a clause that carries its own markers ("It opened in 2016[1] and cost
420 million[2]." is two). Sentences end at 。！？； and at . ! ? followed by a space, a line end or
Chinese text, except after an abbreviation ("e.g.", "Dr.", "U.S."), an initial ("J. K."), or where
lower-case text goes on; a decimal ("3.5") or a URL ("example.com/a.html") has no space after its
dot and never ends one. A line break always ends one (list items are claims of their own).

The functions read only the text before the position they are asked about (and the text up to it),
so a stream and the finished answer draw the same claims.
"""

from __future__ import annotations

import re

# Lower-cased words that end in a dot without ending a sentence.
ABBREVIATIONS = frozenset(
    (
        "mr mrs ms dr prof sr jr st mt ft vs etc e.g i.e eg ie inc ltd co corp no nos fig figs approx ca "
        "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n a.m p.m ave rd est dept gen gov sen "
        "rep col lt sgt capt vol pp ed eds al op cf ibid"
    ).split()
)
_CLOSERS = re.escape("\"'”’」』）)]》")
_END_RE = re.compile(rf"[。！？；]+[{_CLOSERS}]*|[.!?]+[{_CLOSERS}]*|\n+")
_WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LEAD_RE = re.compile(r"^[\s,，;；:：、)）\]\-–—]+")


def _is_end(text: str, match: re.Match[str], stop: int) -> bool:
    mark = match.group(0)
    if mark[0] in "\n。！？；":
        return True
    after = text[match.end() : min(stop, match.end() + 2)]
    if after and not (after[0].isspace() or _CJK_RE.match(after[0])):
        return False  # "3.5", "example.com/a", "?!x": no space follows
    nxt = text[match.end() : min(stop, match.end() + 8)].lstrip(" \t")[:1]
    if nxt and nxt.islower() and nxt.isascii():
        return False  # "e.g. the", "approx. three": the sentence goes on
    if mark[0] == ".":
        before = _WORD_BEFORE_RE.search(text[max(0, match.start() - 24) : match.start() + 1])
        if before:
            word = before.group(1).lower()
            if word in ABBREVIATIONS or len(word) == 1 or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
                return False  # "Dr.", "J.", "U.S."
    return True


def sentence_ends(text: str, start: int = 0, stop: int | None = None) -> list[int]:
    """Positions in text[start:stop] just after a sentence's end (its closing quotes included)."""
    stop = len(text) if stop is None else stop
    return [m.end() for m in _END_RE.finditer(text, start, stop) if _is_end(text, m, stop)]


def sentences(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence, surrounding whitespace left out."""
    spans: list[tuple[int, int]] = []
    begin = 0
    for end in [*sentence_ends(text), len(text)]:
        piece = text[begin:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((begin + lead, begin + len(piece.rstrip())))
        begin = end
    return spans


def claim_start(text: str, floor: int, end: int) -> int:
    """Where the claim that a marker group at `end` cites begins: its sentence's start, or `floor`
    (just after the previous group) when that is later. A group right after a sentence's end ("…
    in 2016. [1]") cites that sentence."""
    start = floor
    for position in sentence_ends(text, floor, end):
        if text[position:end].strip():
            start = position
    lead = _LEAD_RE.match(text[start:end])
    return start + (lead.end() if lead else 0)


__all__ = ["ABBREVIATIONS", "claim_start", "sentence_ends", "sentences"]
