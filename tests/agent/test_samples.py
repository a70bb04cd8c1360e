"""Choosing among sampled answers: the best-supported answer; a search call when most samples call."""

from __future__ import annotations

from agent.samples import best_of, score
from search.models import Source
from testkit.megrez import function_call

SOURCES = [
    Source(index=1, url="https://a.example", title="Aurora", context="The Aurora Bridge cost 420 million euros."),
    Source(index=2, url="https://b.example", title="青川大桥", context="青川大桥总投资56亿元。"),
]


async def test_held_citations_score_above_repaired_and_unsupported_ones():
    right = await score("The Aurora Bridge cost 420 million euros [citation:1].", SOURCES, None)
    moved = await score("The Aurora Bridge cost 420 million euros [citation:2].", SOURCES, None)
    wrong = await score("The Aurora Bridge cost 500 million euros [citation:1].", SOURCES, None)
    assert right > moved > wrong and await score("No citations here.", SOURCES, None) == 0.0


async def test_the_best_answer_is_kept_and_a_call_only_when_most_samples_call():
    samples = ["青川大桥总投资63亿元[citation:2]。", "青川大桥总投资56亿元[citation:2]。"]
    assert await best_of(samples, SOURCES, None) == samples[1]
    call = "More to read. " + function_call("Aurora Bridge designer")
    assert await best_of([call, *samples], SOURCES, None) == samples[1]
    assert await best_of([call, call, samples[0]], SOURCES, None) == call
