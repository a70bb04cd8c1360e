"""The evidence policy's numbers: `EvidencePolicy` (offered by `Settings` under these names) and the
CPU's own (`CPU_EVIDENCE`). Below both agent/settings.py and agent/budget.py, which applies them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from search.select import UNSURE_CROWD, UNSURE_LEAD


class EvidencePolicy(BaseModel):
    """The policy's settings, offered by `Settings` under these names (WEBSEARCH_CONTEXT_TOKENS …)."""

    model_config = ConfigDict(frozen=True)

    context_tokens: int = 1000  # the evidence round 1 reads
    source_tokens: int = 350  # at most this much from one source
    # When the ranking is unsure, round 1's evidence grows to this, each source's share in
    # proportion; no more than context_tokens turns it off. Measured in bench/realdata.py.
    unsure_context_tokens: int = 1500
    unsure_crowd: float = UNSURE_CROWD  # "close": the leading page's first passage past its share scores this share of the best
    unsure_lead: float = UNSURE_LEAD  # "leads": no other page's best passage scores this share of the best
    # Each later round reads this share of `context_tokens` as new evidence (round 1 reads it all):
    # a 3-round prompt then holds at most 1000 + 2 * 500 tokens of evidence.
    later_round_context_share: float = 0.5
    # Searching again (issue #13): after reading results the model may call search once more, up to
    # this many rounds in all (depth "auto"), while the question is younger than the time budget
    # (search_time_budget_s); at either limit it is asked to answer from what it has.
    max_search_rounds: int = 3
    fetch_pages: int = 5  # how many top results are fetched and read, a round
    deep_search_rounds: int = 5  # depth "deep": research questions get more rounds…
    deep_fetch_pages: int = 8  # … and read more pages per round
    # The depth of a request that names none: "auto" with a model server, "quick" with the embedded
    # model (every search round costs seconds of the same CPU).
    default_depth: Literal["quick", "auto", "deep"] = "auto"


# With the model on the service's own CPU (agent/profile.py applies these where not set explicitly;
# the figures behind them: bench/embedded.py, README "The embedded model on a CPU").
CPU_EVIDENCE: dict[str, object] = {
    "default_depth": "quick",  # one search round: a second costs a whole answer's time again
    # Evidence the answer reads (1000 with a model server): the largest part of a searched prompt,
    # and SmolLM2 spends ~1.7 tokens on what core/tokens.py prices as one Han character.
    "context_tokens": 450,
    "source_tokens": 250,  # … at most this much from one source (350)
    "unsure_context_tokens": 700,  # … widened to this when the ranking is unsure (1500)
    "max_search_rounds": 2,  # depth auto's round limit (3)
}
