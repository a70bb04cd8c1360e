"""Checking a claim against what the model read: numbers normalised, names and rare words covered,
the best sentence quoted; and the repair: re-point, remove, never touch a correct citation."""

from __future__ import annotations

import pytest

from agent.verify.lexical import Evidence, Features
from agent.verify.repair import Repairer
from agent.verify.signals import numbers
from search.models import Source

SOURCES = [
    Source(
        index=1, url="https://news.example/aurora", title="Aurora Bridge opens",
        context="The Aurora Bridge in Veldmark opened on 26 April 2016 after four years of work. "
        "The bridge cost 420 million euros, according to the city's final accounts. It spans the Esk estuary.",
    ),
    Source(
        index=2, url="https://news.example/metro", title="Veldmark metro",
        context="Veldmark's metro carried 91 million passengers last year. Line 3 opened in 2019.",
    ),
    Source(
        index=3, url="https://zh.example/qingchuan", title="青川大桥",
        context="青川大桥于2016年4月26日正式通车。据市交通运输局介绍，青川大桥总投资 56 亿元，全长12公里。",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    "one, other",
    [
        ("April 26, 2016", "26 April 2016"),
        ("26 April 2016", "2016年4月26日"),
        ("2016-04-26", "Apr. 26th, 2016"),
        ("420 million", "420,000,000"),
        ("£420m", "420 million"),
        ("56 亿元", "5,600,000,000 yuan"),
        ("5.6 billion", "56亿"),
    ],
)
def test_a_number_or_date_written_either_way_is_the_same(one, other):
    assert numbers(one) == numbers(other) != frozenset()


def test_a_source_implies_the_year_of_its_dates_and_its_number_words():
    implied = numbers("It opened on 26 April 2016 with three lanes.", implied=True)
    assert numbers("in 2016") <= implied and numbers("3 lanes") <= implied
    assert numbers("one of the largest") == frozenset()  # a claim asks only for what it wrote in digits


def judge(claim: str, index: int):
    return Evidence(SOURCES).judge(Features.of(claim), index)


def test_a_claim_with_its_number_written_differently_is_supported_and_quoted():
    verdict = judge("The Aurora Bridge cost 420,000,000 euros.", 1)
    assert verdict.support == "supported"
    assert verdict.quote == "The bridge cost 420 million euros, according to the city's final accounts."
    zh = judge("青川大桥的总投资为5,600,000,000元", 3)
    assert zh.support == "supported" and "56 亿元" in zh.quote


def test_a_wrong_number_is_not_supported_however_many_words_match():
    assert judge("The Aurora Bridge cost 427 million euros, according to the city's final accounts.", 1).support == "unsupported"
    assert judge("青川大桥总投资 63 亿元", 3).support == "unsupported"


def test_another_page_does_not_hold_the_claim():
    assert judge("The Aurora Bridge opened on April 26, 2016.", 2).support == "unsupported"


async def decide(claim: str, cited: list[int]):
    return await Repairer(SOURCES).decide(claim, cited)


async def test_a_wrong_citation_is_re_pointed_to_the_source_that_holds_the_claim():
    decision = await decide("The Aurora Bridge opened to traffic on April 26, 2016", [2])
    assert decision.citations == [1] and decision.support == "supported" and decision.repointed == 1
    assert decision.quotes[0].index == 1 and "26 April 2016" in decision.quotes[0].text


async def test_a_claim_no_source_holds_loses_its_marker_and_is_flagged():
    decision = await decide("The bridge was designed by the Norwegian engineer Halvard Brekke in 1987", [1])
    assert decision.citations == [] and decision.support == "unsupported" and decision.removed == 1


async def test_a_correct_paraphrased_citation_is_kept_untouched():
    decision = await decide("According to the city's final accounts, building the bridge came to 420,000,000 euros", [1])
    assert decision.citations == [1] and decision.repointed == 0 and decision.removed == 0
    zh = await decide("据交通运输局介绍，大桥的总投资达到5,600,000,000元", [3])
    assert zh.citations == [3] and zh.support in ("supported", "partial")


async def test_of_two_cited_sources_the_one_that_does_not_hold_the_claim_is_dropped():
    decision = await decide("Veldmark's metro carried 91 million passengers last year", [2, 1])
    assert decision.citations == [2] and decision.removed == 1


async def test_a_claim_with_nothing_to_check_keeps_what_the_model_cited():
    decision = await decide("Yes", [2])
    assert decision.citations == [2] and decision.support == "partial"
