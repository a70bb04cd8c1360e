"""Claims: where sentences end (English and Chinese) and which words a marker group cites."""

from __future__ import annotations

import pytest

from agent.verify.claims import claim_start, sentences


def split(text: str) -> list[str]:
    return [text[a:b] for a, b in sentences(text)]


def test_english_sentences_end_at_stops_but_not_at_abbreviations_decimals_or_urls():
    text = (
        "The bridge cost 3.5 billion euros (approx. 4 billion dollars). Dr. Smith and J. K. Rowling visited the U.S. "
        "in May. See example.com/a.html for more! Was it worth it? Yes."
    )
    assert split(text) == [
        "The bridge cost 3.5 billion euros (approx. 4 billion dollars).",
        "Dr. Smith and J. K. Rowling visited the U.S. in May.",
        "See example.com/a.html for more!",
        "Was it worth it?",
        "Yes.",
    ]


def test_chinese_sentences_end_at_each_chinese_stop_semicolon_included():
    text = "青川大桥于2016年4月26日通车。总投资56亿元；全长12.5公里！是否收费？“不收费。”"
    assert split(text) == ["青川大桥于2016年4月26日通车。", "总投资56亿元；", "全长12.5公里！", "是否收费？", "“不收费。”"]


def test_a_line_break_ends_a_sentence_so_list_items_are_claims_of_their_own():
    assert split("Facts:\n- It opened in 2016\n- It cost 420 million") == ["Facts:", "- It opened in 2016", "- It cost 420 million"]


@pytest.mark.parametrize(
    "text, floor, claim",
    [
        ("It is long. It cost 420 million", 0, "It cost 420 million"),  # its own sentence, not the one before
        ("It cost 420 million. ", 0, "It cost 420 million."),  # a group after the stop cites that sentence
        ("It opened in 2016[1], and it cost 420 million", 21, "and it cost 420 million"),  # a clause with its own marker
        ("大桥于2016年通车[1]。总投资56亿元", 13, "总投资56亿元"),
        ("Prices rose 3.5 percent in the U.S. in May", 0, "Prices rose 3.5 percent in the U.S. in May"),
    ],
)
def test_a_marker_group_cites_its_sentence_or_its_clause(text, floor, claim):
    start = claim_start(text, floor, len(text))
    assert text[start:].strip() == claim
