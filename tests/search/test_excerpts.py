"""`search`'s per-page evidence: the page's best passages for the query, within the token budget."""

from __future__ import annotations

from search.excerpts import best_passages
from search.models import Page
from search.rank import rank_passages
from core.tokens import count_tokens

FILLER = "The city council met again on Tuesday to discuss the parking rules near the harbour. " * 6


def bridge_page() -> Page:
    paragraphs = [
        FILLER,
        "The Aurora Bridge cost 420 million euros, according to the final accounts of the city.",
        FILLER.replace("Tuesday", "Friday"),
        "The lead engineer on the Aurora Bridge was Ingrid Solberg.",
        FILLER.replace("harbour", "station"),
    ]
    return Page(url="https://example.com/bridge", title="Aurora Bridge", text="\n\n".join(paragraphs))


def test_the_passage_holding_the_answer_comes_first_then_the_others_best_first():
    page = bridge_page()
    ranked = rank_passages([page], "Aurora Bridge cost")
    passages = best_passages(page, ranked, budget=512)
    assert "420 million" in passages[0]
    scores = {p.text: p.score for p in ranked}
    assert [scores[p] for p in passages] == sorted((scores[p] for p in passages), reverse=True)


def test_the_budget_holds_and_only_the_best_passage_is_cut_to_fit():
    page = bridge_page()
    ranked = rank_passages([page], "Aurora Bridge cost")
    assert sum(count_tokens(p) for p in best_passages(page, ranked, budget=512)) <= 512
    tight = best_passages(page, ranked, budget=35)
    assert len(tight) == 1 and count_tokens(tight[0]) <= 35 and tight[0].startswith("The Aurora Bridge cost")
    assert best_passages(page, ranked, budget=10) == []  # too little room to be evidence


def test_a_page_where_nothing_matches_offers_its_opening():
    page = bridge_page()
    ranked = rank_passages([page], "青川大桥 投资")
    [opening] = best_passages(page, ranked, budget=512)
    assert opening.startswith("The city council met again on Tuesday")
