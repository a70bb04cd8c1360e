"""Checking claims as the answer streams: the words go out as they are written; a claim's markers
wait until the claim is complete (the first character after its marker group), are checked and
repaired (agent/verify/repair.py), and only then go out. A reader never sees a marker that later
changes or vanishes, and what was streamed is the answer, byte for byte.

The verifier reads the citation rewriter's parts (text, and markers as source indexes) and hands on
text. Whitespace before a marker group waits with it, so a removed marker leaves no stray space
("… 2016 [3]." becomes "… 2016.").
"""

from __future__ import annotations

import time

from agent.state import Claim
from agent.verify.claims import claim_start
from agent.verify.repair import Decision, Repairer

_CLOSING = set(".,;:!?)]}。，；：！？）」』》、")


class ClaimVerifier:
    def __init__(self, repairer: Repairer) -> None:
        self.repairer = repairer
        self.out = ""  # every character handed on
        self.claims: list[Claim] = []  # offsets into `out`
        self.decisions: list[Decision] = []
        self.seconds = 0.0  # time spent checking
        self._held = ""  # trailing whitespace not yet handed on
        self._group: list[int] | None = None  # the markers of a group still open
        self._before = ""  # whitespace between the claim's words and its group
        self._after = ""  # whitespace after the group
        self._floor = 0  # a claim starts no earlier than the end of the previous group

    @property
    def pending(self) -> bool:
        return self._group is not None

    async def feed(self, parts: list[str | int]) -> str:
        handed: list[str] = []
        for part in parts:
            if isinstance(part, int):
                if self._group is None:
                    self._group, self._before, self._held = [], self._held, ""
                self._after = ""  # spaces between markers of one group are not kept
                if part not in self._group:
                    self._group.append(part)
                continue
            if self._group is not None:
                words = part.lstrip()
                self._after += part[: len(part) - len(words)]
                if not words:
                    continue
                handed.append(await self._close_group(words[0]))
                part = words
            body = part.rstrip()
            if body:
                handed.append(self._hand(self._held + body))
                self._held = part[len(body) :]
            else:
                self._held += part
        return "".join(handed)

    async def close(self) -> str:
        """The end of the reply (or a search call): an open group is checked now."""
        text = await self._close_group("") if self._group is not None else ""
        text += self._hand(self._held)
        self._held = ""
        return text

    def _hand(self, text: str) -> str:
        self.out += text
        return text

    async def _close_group(self, next_char: str) -> str:
        cited, self._group = self._group or [], None
        end = len(self.out)
        start = claim_start(self.out, self._floor, end)
        started = time.perf_counter()
        decision = await self.repairer.decide(self.out[start:end].strip(), cited)
        self.seconds += time.perf_counter() - started
        self.decisions.append(decision)
        if decision.citations:
            markers = "".join(f"[{n}]" for n in decision.citations)
            text = self._before + markers
            claim_end = end + len(text)
            text += self._after
        else:  # the words stay, unmarked; one space at most where the markers were
            text = "" if next_char in _CLOSING else (self._before or self._after)
            claim_end = end
        self.claims.append(
            Claim(
                text=self.out[start:end].strip(),
                start=start,
                end=claim_end,
                citations=decision.citations,
                support=decision.support,
                quotes=decision.quotes,
            )
        )
        self._before = self._after = ""
        handed = self._hand(text)
        self._floor = len(self.out)
        return handed

    def claims_in(self, shown: str) -> list[Claim]:
        """The claims with offsets into `shown` (what was handed on, stripped as the reply strips it)."""
        lead = len(self.out) - len(self.out.lstrip())
        return [c.model_copy(update={"start": c.start - lead, "end": c.end - lead}) for c in self.claims]


async def verify_text(parts: list[str | int], repairer: Repairer) -> ClaimVerifier:
    """A whole reply checked at once (the same path a stream takes, so both draw the same claims)."""
    verifier = ClaimVerifier(repairer)
    await verifier.feed(parts)
    await verifier.close()
    return verifier


__all__ = ["ClaimVerifier", "verify_text"]
