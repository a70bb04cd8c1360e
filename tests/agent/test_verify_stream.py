"""Checking claims while the answer streams: the words flow, a claim's markers wait for its check,
and what was streamed is the answer (a marker once shown is never taken back)."""

from __future__ import annotations

import pytest

from agent.citations import CitationRewriter
from agent.verify import repair
from agent.verify.repair import Repairer
from agent.verify.stream import ClaimVerifier, verify_text
from search.models import Source

SOURCES = [
    Source(index=1, url="https://a.example/aurora", title="Aurora Bridge",
           context="The Aurora Bridge opened on 26 April 2016. It cost 420 million euros. It spans the Esk estuary."),
    Source(index=2, url="https://b.example/metro", title="Metro", context="The metro carried 91 million passengers in 2023."),
    Source(index=3, url="https://c.example/qc", title="青川大桥", context="青川大桥于2016年4月26日正式通车。大桥总投资56亿元，全长12公里。"),
]  # fmt: skip
VALID = {1, 2, 3}
ANSWER = (
    "The Aurora Bridge opened on April 26, 2016 [citation:2]. It cost 420,000,000 euros[citation:1], "
    "and it was designed by Halvard Brekke in 1987[citation:1]. The metro carried 91 million passengers[2]."
)
ZH = "青川大桥于2016年4月26日通车[citation:1]。总投资5,600,000,000元[citation:3]；全长15公里[citation:3]。"


async def streamed(text: str, size: int) -> tuple[list[str], ClaimVerifier]:
    rewriter, verifier = CitationRewriter(VALID), ClaimVerifier(Repairer(SOURCES))
    pieces = [await verifier.feed(rewriter.feed_parts(text[i : i + size])) for i in range(0, len(text), size)]
    pieces.append(await verifier.feed(rewriter.close_parts()) + await verifier.close())
    return pieces, verifier


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 400])
async def test_the_stream_shows_only_checked_markers_and_adds_up_to_the_answer(size):
    pieces, verifier = await streamed(ANSWER, size)
    shown = "".join(pieces)
    assert shown == verifier.out
    assert shown == (
        "The Aurora Bridge opened on April 26, 2016 [1]. It cost 420,000,000 euros[1], "
        "and it was designed by Halvard Brekke in 1987. The metro carried 91 million passengers[2]."
    )
    assert "[2]." not in "".join(pieces[:-1]) or shown.endswith("[2].")  # the wrong [2] of sentence 1 never went out
    for k in range(len(pieces)):  # every prefix the reader saw is a prefix of the answer
        assert shown.startswith("".join(pieces[: k + 1]))
    supports = [(c.citations, c.support) for c in verifier.claims]
    assert supports == [([1], "supported"), ([1], "supported"), ([], "unsupported"), ([2], "supported")]
    for claim in verifier.claims:
        assert shown[claim.start : claim.end].startswith(claim.text)


async def test_a_streamed_answer_equals_the_same_answer_checked_at_once():
    pieces, _ = await streamed(ZH, 2)
    rewriter = CitationRewriter(VALID)
    whole = await verify_text(rewriter.feed_parts(ZH) + rewriter.close_parts(), Repairer(SOURCES))
    assert "".join(pieces) == whole.out == "青川大桥于2016年4月26日通车[3]。总投资5,600,000,000元[3]；全长15公里。"
    assert [c.support for c in whole.claims] == ["supported", "supported", "unsupported"]


async def test_words_before_a_marker_go_out_at_once_its_marker_after_the_check():
    rewriter, verifier = CitationRewriter(VALID), ClaimVerifier(Repairer(SOURCES))
    assert await verifier.feed(rewriter.feed_parts("It cost 420 million euros")) == "It cost 420 million euros"
    assert await verifier.feed(rewriter.feed_parts("[citation:2]")) == ""  # held: the claim is not checked yet
    assert await verifier.feed(rewriter.feed_parts(". More")) == "[1]. More"


async def test_the_index_is_built_at_the_first_claim_not_before_the_first_words(monkeypatch):
    built: list[list[Source]] = []

    class Counted(repair.Evidence):  # the sources' index, counted as it is built
        def __init__(self, sources: list[Source]) -> None:
            built.append(sources)
            super().__init__(sources)

    monkeypatch.setattr(repair, "Evidence", Counted)
    verifier = ClaimVerifier(Repairer(SOURCES))
    await verifier.feed(["Words with no marker yet"])
    assert built == []
    await verifier.feed([1, " more."])
    await verifier.feed([" It spans the Esk estuary", 1, ". Done."])
    assert built == [SOURCES]  # once, for the answer's first claim


async def test_a_removed_marker_leaves_no_stray_space():
    rewriter = CitationRewriter(VALID)
    text = "It was designed by Halvard Brekke in 1987 [citation:1]. It spans the Esk estuary [citation:1]."
    verifier = await verify_text(rewriter.feed_parts(text) + rewriter.close_parts(), Repairer(SOURCES))
    assert verifier.out == "It was designed by Halvard Brekke in 1987. It spans the Esk estuary [1]."
