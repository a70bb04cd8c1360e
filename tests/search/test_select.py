from __future__ import annotations

import pytest

from search.models import Page, Passage
from search.rank import rank_passages
from search.select import MIN_PIECE_TOKENS, Selection, ranking_unsure, select_evidence, select_sources
from core.tokens import count_tokens


def _page(n: int, paragraphs: list[str], snippet: str = "") -> Page:
    return Page(
        url=f"http://site{n}.example/", title=f"Site {n}", text="\n".join(paragraphs), snippet=snippet or f"snippet {n}"
    )


def _para(topic: str, i: int) -> str:
    return f"Paragraph {i} on {topic}: " + " ".join(f"{topic} detail{i}x{j}" for j in range(45))


PAGES = [
    _page(1, [_para("aurora bridge", i) for i in range(6)]),  # very relevant, long
    _page(2, [_para("aurora bridge", i) if i == 3 else _para("harbour", i) for i in range(5)]),
    _page(3, [_para("bridge", i) for i in range(3)]),
    _page(4, [_para("weather", i) for i in range(3)]),  # irrelevant
]


def test_budget_and_per_source_cap_respected() -> None:
    passages = rank_passages(PAGES, "aurora bridge")
    sources = select_sources(PAGES, passages, budget_tokens=600, source_tokens=250)
    sizes = [count_tokens(s.context) for s in sources]
    assert sum(sizes) <= 600
    assert all(size <= 250 for size in sizes), sizes
    assert sizes[0] > 100, "budget left over is spent on the best source"


def test_every_relevant_source_before_a_second_passage() -> None:
    passages = rank_passages(PAGES, "aurora bridge")
    # Room for about three passages in all: each relevant page gets one, none gets two.
    one_each = passages[0].tokens + 5
    sources = select_sources(PAGES, passages, budget_tokens=3 * one_each, source_tokens=10 * one_each)
    assert [s.url for s in sources] == ["http://site1.example/", "http://site2.example/", "http://site3.example/"]
    assert [s.index for s in sources] == [1, 2, 3]
    assert all("\n\n" not in s.context for s in sources)
    # The relevant paragraph of page 2 is chosen, not its opening about the harbour.
    assert "Paragraph 3 on aurora bridge" in sources[1].context


def test_passages_of_a_source_in_page_order() -> None:
    text = [
        "Intro about trams in general and the city.",
        "The Aurora Bridge cost 420 million euros.",
        "Weather was fine.",
        "Ingrid Solberg led the Aurora Bridge design.",
    ]
    page = Page(url="http://a/", title="A", text="\n\n".join(text))
    passages = [
        Passage(url="http://a/", title="A", text=t, position=i, score=s, tokens=count_tokens(t))
        for i, (t, s) in enumerate(zip(text, [0.0, 1.0, 0.0, 2.0], strict=True))
    ]
    passages.sort(key=lambda p: -p.score)
    (source,) = select_sources([page], passages, budget_tokens=1000, source_tokens=1000, whole=False)
    assert source.context == f"{text[1]}\n\n{text[3]}"
    # A page this short is read whole when the budget allows (issue #28), still in page order.
    (source,) = select_sources([page], passages, budget_tokens=1000, source_tokens=1000)
    assert source.context == "\n\n".join(text)


def test_snippet_only_page_still_yields_a_source() -> None:
    pages = [
        _page(1, [_para("aurora bridge", 0)]),
        Page(url="http://b/", title="B", text="", snippet="Aurora Bridge opened in 2021.", from_snippet=True),
    ]
    passages = rank_passages(pages, "aurora bridge")
    sources = select_sources(pages, passages, budget_tokens=1000, source_tokens=300)
    assert [s.url for s in sources] == ["http://site1.example/", "http://b/"]
    assert sources[1].context == "Aurora Bridge opened in 2021."


def test_irrelevant_pages_only_fill_leftover_budget() -> None:
    passages = rank_passages(PAGES, "aurora bridge")
    tight = select_sources(PAGES, passages, budget_tokens=200, source_tokens=100)
    assert "http://site4.example/" not in [s.url for s in tight]
    roomy = select_sources(PAGES, passages, budget_tokens=5000, source_tokens=400)
    assert [s.url for s in roomy][-1] == "http://site4.example/"


def test_nothing_to_select() -> None:
    assert select_sources([], [], budget_tokens=1000, source_tokens=300) == []
    empty = Page(url="http://e/", title="E", text="", snippet="")
    assert select_sources([empty], [], budget_tokens=1000, source_tokens=300) == []


def _one(url: str, text: str, score: float, position: int = 0) -> Passage:
    return Passage(url=url, title=url, text=text, position=position, score=score, tokens=count_tokens(text))


LONG = "The Aurora Bridge in Veldmark cost 420 million euros and opened in 2021 after six years. " * 12  # ~220 tokens


def header(page: Page) -> int:
    """What a source's title and URL cost in the budget (they stand in the prompt too)."""
    return count_tokens(page.title) + count_tokens(page.url)


def test_a_cut_passage_fills_its_room_exactly_and_never_more() -> None:
    page = Page(url="http://a/", title="A", text=LONG)
    for budget, cap in ((100, 1000), (1000, 80), (75, 75)):
        (source,) = select_sources([page], [_one("http://a/", LONG, 1.0)], budget_tokens=budget, source_tokens=cap)
        room = min(budget - header(page), cap)
        # the whole room (up to the last word that fits), and not one token over
        assert room - 2 <= count_tokens(source.context) <= room, (budget, cap, count_tokens(source.context))
        assert LONG.startswith(source.context)


def test_the_second_source_is_cut_to_what_the_first_left() -> None:
    pages = [Page(url=u, title=u, text=LONG) for u in ("http://a/", "http://b/")]
    passages = [_one("http://a/", LONG, 2.0), _one("http://b/", LONG, 1.0)]
    first, second = select_sources(pages, passages, budget_tokens=300, source_tokens=200)
    headers = header(pages[0]) + header(pages[1])
    assert 198 <= count_tokens(first.context) <= 200
    assert count_tokens(first.context) + count_tokens(second.context) <= 300 - headers
    assert count_tokens(second.context) >= 300 - headers - count_tokens(first.context) - 2


def test_room_below_the_minimum_piece_drops_the_passage_rather_than_show_a_scrap() -> None:
    pages = [Page(url=u, title=u, text=LONG) for u in ("http://a/", "http://b/")]
    passages = [_one("http://a/", LONG, 2.0), _one("http://b/", LONG, 1.0)]
    (alone,) = select_sources(pages[:1], passages[:1], budget_tokens=1000, source_tokens=200)
    first = count_tokens(alone.context) + header(pages[0]) + header(pages[1])  # the first source, both headers
    sources = select_sources(pages, passages, budget_tokens=first + MIN_PIECE_TOKENS - 1, source_tokens=200)
    assert [s.url for s in sources] == ["http://a/"]
    sources = select_sources(pages, passages, budget_tokens=first + MIN_PIECE_TOKENS, source_tokens=200)
    assert [s.url for s in sources] == ["http://a/", "http://b/"]
    assert count_tokens(sources[1].context) == MIN_PIECE_TOKENS


SHORT = "The Aurora Bridge in Veldmark cost 420 million euros. " * 4  # ~45 tokens


def test_the_per_source_cap_counts_what_the_source_already_has() -> None:
    text = "\n\n".join(f"Part {i}. {SHORT}" for i in range(5))
    page = Page(url="http://a/", title="A", text=text)
    passages = [_one("http://a/", f"Part {i}. {SHORT}", 5.0 - i, position=i) for i in range(5)]
    one = passages[0].tokens
    (source,) = select_sources([page], passages, budget_tokens=10_000, source_tokens=2 * one + 5)
    assert source.context == (f"Part 0. {SHORT}" + "\n\n" + f"Part 1. {SHORT}").strip()
    assert count_tokens(source.context) <= 2 * one + 5


def test_a_passage_exactly_the_size_of_the_cap_fits_whole() -> None:
    page = Page(url="http://a/", title="A", text=SHORT)
    passage = _one("http://a/", SHORT, 1.0)
    (source,) = select_sources(
        [page], [passage], budget_tokens=passage.tokens + header(page), source_tokens=passage.tokens
    )
    assert source.context == SHORT.strip()


def test_passages_of_pages_not_given_are_ignored() -> None:
    page = Page(url="http://a/", title="A", text=SHORT)
    passages = [_one("http://gone/", LONG, 9.0), _one("http://a/", SHORT, 1.0)]
    (source,) = select_sources([page], passages, budget_tokens=1000, source_tokens=500)
    assert source.url == "http://a/" and source.index == 1


def test_a_page_with_nothing_relevant_offers_its_opening_or_else_its_snippet() -> None:
    passages = rank_passages(PAGES, "aurora bridge")
    roomy = select_sources(PAGES, passages, budget_tokens=5000, source_tokens=400)
    weather = next(s for s in roomy if s.url == "http://site4.example/")
    assert weather.context.startswith("Paragraph 0 on weather")  # its opening, not any other paragraph
    # a page the ranker gave no passage at all (nothing extracted) still offers its search snippet
    bare = Page(url="http://bare/", title="Bare", text="", snippet="  Veldmark tram timetable.  ")
    sources = select_sources([*PAGES, bare], passages, budget_tokens=5000, source_tokens=400)
    assert sources[-1].url == "http://bare/" and sources[-1].context == "Veldmark tram timetable."


# --- the edges of the budget, each found missing by bench/mutation ----------------------------------


def test_a_further_passage_that_fits_the_budget_exactly_is_taken_whole() -> None:
    # A source's title and URL are counted once, with its first passage: a second one that fills
    # the remaining budget to the token is taken, not dropped as if it were one token over.
    texts = [f"Part {i}. {SHORT}" for i in range(2)]
    page = Page(url="http://a/", title="A", text="\n\n".join(texts))
    first, second = (_one("http://a/", t, 2.0 - i, position=i) for i, t in enumerate(texts))
    budget = header(page) + first.tokens + second.tokens
    (source,) = select_sources([page], [first, second], budget_tokens=budget, source_tokens=10_000)
    assert source.context == f"{texts[0]}\n\n{texts[1]}".strip()
    (source,) = select_sources([page], [first, second], budget_tokens=budget - 1, source_tokens=10_000)
    assert source.context == texts[0].strip()


def test_the_opening_of_an_irrelevant_page_is_never_cut_to_fit() -> None:
    relevant = Page(url="http://a/", title="A", text=SHORT)
    other = Page(url="http://b/", title="B", text=LONG)
    passages = [_one("http://a/", SHORT, 1.0), _one("http://b/", LONG, 0.0)]
    # room for the relevant source and a good part of the other page's opening, but not all of it
    budget = header(relevant) + passages[0].tokens + header(other) + passages[1].tokens // 2
    sources = select_sources([relevant, other], passages, budget_tokens=budget, source_tokens=10_000)
    assert [s.url for s in sources] == ["http://a/"]


def test_a_passage_given_without_its_token_count_is_counted_not_free() -> None:
    page = Page(url="http://a/", title="A", text=LONG)
    uncounted = Passage(url="http://a/", title="A", text=LONG, position=0, score=1.0)  # tokens=0: not counted
    (source,) = select_sources([page], [uncounted], budget_tokens=100, source_tokens=1000)
    assert count_tokens(source.context) <= 100 - header(page)
    assert LONG.startswith(source.context)


def test_a_passage_that_is_nothing_but_template_tokens_makes_no_source() -> None:
    # cleaned for the prompt it is empty: no numbered source with nothing in it, numbering stays 1..N
    pages = [Page(url=u, title=u, text="x") for u in ("http://a/", "http://b/")]
    passages = [_one("http://a/", "<|im_start|> <|im_end|>\n<|endoftext|>", 2.0), _one("http://b/", SHORT, 1.0)]
    sources = select_sources(pages, passages, budget_tokens=1000, source_tokens=500)
    assert [(s.index, s.url) for s in sources] == [(1, "http://b/")]


# --- the unsure budget ----------------------------------------------------------------------------


def _article(n: int, subject: str, filler: list[str], answer: str, at: int) -> Page:
    """A page whose every paragraph is about `subject` (so they score alike) with `answer` at `at`."""
    paragraphs = [f"{subject} {line}" for line in filler]
    paragraphs.insert(at, answer)
    return Page(url=f"http://news{n}.example/story", title=f"{subject} news {n}", text="\n".join(paragraphs))


EN_FILLER = [
    f"works went on through the {season} of year {i}, with crews on the site every day and lorries "
    f"bringing steel and concrete, the council said in its report number {i} to residents."
    for i, season in enumerate(["spring", "summer", "autumn", "winter"] * 2 + ["spring"])
]
ZH_FILLER = [f"{x}港湾隧道工程在第{i}个季度继续施工，工人每天都在工地上，卡车运来钢材和混凝土，市议会在给居民的第{i}份报告中说明了进度。" for i, x in enumerate("春夏秋冬春夏秋")]


def _unsure_case(zh: bool) -> tuple[list[Page], str, str]:
    if zh:
        answer = "港湾隧道工程的负责人是英格丽·索尔贝格，她此前在北方建过三座大桥，也参与过两条地铁线路的施工。"
        lead = _article(1, "港湾隧道", ZH_FILLER, answer, at=len(ZH_FILLER))
        others = [
            Page(url=f"http://other{i}.example/", title=f"天气 {i}", text=f"今天的天气晴朗，隧道以外的城市新闻第{i}条。")
            for i in range(3)
        ]
        return [*others[:1], lead, *others[1:]], "港湾隧道的设计师是谁？", "英格丽·索尔贝格"
    answer = "The chief engineer was Ingrid Solberg, who earlier built three bridges."
    lead = _article(1, "The Harbour Tunnel", EN_FILLER, answer, at=len(EN_FILLER))
    others = [
        Page(url=f"http://other{i}.example/", title=f"Weather {i}", text=f"Sunny today; city news item {i} mentions a tunnel.")
        for i in range(3)
    ]
    return [*others[:1], lead, *others[1:]], "Who designed the Harbour Tunnel?", "Ingrid Solberg"


def _evidence_tokens(selection: Selection) -> int:
    return sum(count_tokens(s.title) + count_tokens(s.url) + count_tokens(s.context) for s in selection.sources)


@pytest.mark.parametrize("zh", [False, True], ids=["english", "chinese"])
def test_budget_widens_when_the_leading_pages_passages_score_alike(zh: bool) -> None:
    pages, question, answer = _unsure_case(zh)
    passages = rank_passages(pages, question, question)
    normal = select_sources(pages, passages, budget_tokens=1000, source_tokens=350)
    assert answer not in "\n".join(s.context for s in normal), "the case needs the answer beyond the normal share"
    selection = select_evidence(pages, passages, budget_tokens=1000, source_tokens=350, unsure_budget_tokens=1500)
    assert selection.widened and selection.budget_tokens == 1500
    assert answer in "\n".join(s.context for s in selection.sources)
    assert _evidence_tokens(selection) <= 1500


@pytest.mark.parametrize("zh", [False, True], ids=["english", "chinese"])
def test_budget_stays_when_one_passage_stands_out(zh: bool) -> None:
    pages, _, _ = _unsure_case(zh)
    # A question only the answer's paragraph speaks to: the ranking is sure.
    question = "英格丽·索尔贝格此前建过几座大桥？" if zh else "How many bridges did Ingrid Solberg build before?"
    passages = rank_passages(pages, question, question)
    selection = select_evidence(pages, passages, budget_tokens=1000, source_tokens=350, unsure_budget_tokens=1500)
    assert not selection.widened and selection.budget_tokens == 1000
    assert _evidence_tokens(selection) <= 1000
    assert ("三座大桥" if zh else "three bridges") in selection.sources[0].context


def test_close_scores_across_pages_do_not_widen() -> None:
    # Two pages say the same thing equally well: more budget would only buy more of the same.
    answer = "The chief engineer was Ingrid Solberg."
    pages = [_article(n, "The Harbour Tunnel", EN_FILLER, answer, at=9) for n in (1, 2)]
    passages = rank_passages(pages, "Who designed the Harbour Tunnel?")
    selection = select_evidence(pages, passages, budget_tokens=1000, source_tokens=350, unsure_budget_tokens=1500)
    assert not selection.widened


@pytest.mark.parametrize("zh", [False, True], ids=["english", "chinese"])
@pytest.mark.parametrize("budget", [200, 600, 1000])
def test_widened_evidence_never_exceeds_its_cap(zh: bool, budget: int) -> None:
    pages, question, _ = _unsure_case(zh)
    pages = [p.model_copy(update={"title": p.title * 8}) for p in pages]  # titles count too
    passages = rank_passages(pages, question, question)
    selection = select_evidence(
        pages, passages, budget_tokens=budget, source_tokens=budget // 3, unsure_budget_tokens=budget * 3 // 2
    )
    assert selection.widened
    assert _evidence_tokens(selection) <= budget * 3 // 2
    assert all(count_tokens(s.context) <= budget // 2 for s in selection.sources)  # each share grows in proportion


def test_no_unsure_budget_never_widens() -> None:
    pages, question, _ = _unsure_case(False)
    passages = rank_passages(pages, question, question)
    for unsure in (0, 1000, 800):
        selection = select_evidence(pages, passages, budget_tokens=1000, source_tokens=350, unsure_budget_tokens=unsure)
        assert not selection.widened and _evidence_tokens(selection) <= 1000


# --- when the ranking is unsure, edge by edge (each found missing by bench/mutation) -----------------

_SAME = "Veldmark harbour bridge tolls and tram timetables in detail. " * 3  # every passage the same size


def _scored(*rows: tuple[str, float]) -> list[Passage]:
    """Passages best first, each `_SAME` long, from (url, score) rows."""
    return [_one(url, _SAME, score, position=i) for i, (url, score) in enumerate(rows)]


def test_a_ranking_with_nothing_relevant_is_not_unsure() -> None:
    share = count_tokens(_SAME)
    assert ranking_unsure([], source_tokens=share) is False
    assert ranking_unsure(_scored(("http://a/", 0.0), ("http://a/", 0.0)), source_tokens=share) is False


def test_the_leading_page_fills_its_share_exactly_before_a_passage_is_beyond_it() -> None:
    share = 2 * count_tokens(_SAME)  # room for exactly the first two of the leading page's passages
    # the second passage scores alike (it fits the share), the third, the first beyond it, does not
    passages = _scored(("http://a/", 8.0), ("http://a/", 7.0), ("http://a/", 1.0))
    assert ranking_unsure(passages, source_tokens=share, crowd=0.5, lead=0.5) is False
    # the first beyond the share scoring exactly `crowd` of the best is close enough
    passages = _scored(("http://a/", 8.0), ("http://a/", 7.0), ("http://a/", 4.0))
    assert ranking_unsure(passages, source_tokens=share, crowd=0.5, lead=0.5) is True


def test_another_page_scoring_exactly_lead_of_the_best_means_no_page_leads() -> None:
    share = count_tokens(_SAME)
    passages = _scored(("http://a/", 8.0), ("http://b/", 4.0), ("http://a/", 7.0))
    assert ranking_unsure(passages, source_tokens=share, crowd=0.5, lead=0.5) is False
    passages = _scored(("http://a/", 8.0), ("http://b/", 3.9), ("http://a/", 7.0))
    assert ranking_unsure(passages, source_tokens=share, crowd=0.5, lead=0.5) is True


def test_only_the_leading_pages_own_passages_fill_its_share() -> None:
    share = 2 * count_tokens(_SAME)
    # b's passage scores under `lead` (a still leads) and takes none of a's share: a's third passage
    # is the first beyond it, and it scores low
    passages = _scored(("http://a/", 10.0), ("http://b/", 4.0), ("http://a/", 3.5), ("http://a/", 1.0))
    assert ranking_unsure(passages, source_tokens=share, crowd=0.3, lead=0.5) is False


def test_passages_given_without_their_token_count_are_counted() -> None:
    share = 2 * count_tokens(_SAME)
    uncounted = [p.model_copy(update={"tokens": 0}) for p in _scored(("http://a/", 8.0), ("http://a/", 7.0), ("http://a/", 6.0))]
    assert ranking_unsure(uncounted, source_tokens=share) is True


def test_the_leading_page_is_read_whole_only_when_all_of_it_fits_its_share_and_the_budget() -> None:
    """Issue #28: passages that score nothing join only the leading page, only all together."""
    texts = [f"Part {i}. {SHORT}".strip() for i in range(4)]
    lead = Page(url="http://a/", title="A", text="\n\n".join(texts))
    other = Page(url="http://b/", title="B", text=f"{SHORT}\n\nMore on trams.")
    passages = [_one("http://a/", texts[0], 3.0, 0), _one("http://b/", SHORT, 2.0, 0)]
    passages += [_one("http://a/", t, 0.0, i) for i, t in enumerate(texts[1:], start=1)]
    passages.append(_one("http://b/", "More on trams.", 0.0, 1))
    whole = sum(p.tokens for p in passages if p.url == "http://a/")
    room = header(lead) + whole + header(other) + passages[1].tokens

    def lead_context(budget: int, share: int, **options) -> str:
        return select_sources([lead, other], passages, budget_tokens=budget, source_tokens=share, **options)[0].context

    assert lead_context(room, whole) == "\n\n".join(texts)  # exactly its share and the budget
    assert lead_context(room, whole, whole=False) == texts[0]
    assert lead_context(room, whole - 1) == texts[0]  # one token short of its share: none of the rest
    assert lead_context(room - 1, whole) == texts[0]  # one token short of the budget: none either
    # The other page, though short, is not the leading one: its unscored rest is not read.
    (_, second) = select_sources([lead, other], passages, budget_tokens=room, source_tokens=whole)
    assert second.context == SHORT.strip()
    # A budget too small for the leading page's best passage: nothing to read whole, nothing fails.
    assert select_sources([lead, other], passages, budget_tokens=header(lead) + 10, source_tokens=whole) == []


@pytest.mark.parametrize("topic", ["aurora bridge", "青川大桥"])
def test_a_source_names_the_passages_it_holds_and_a_later_packing_without_them_holds_the_others(topic) -> None:
    """What a later round that returns to the page offers: its passages not shown yet (agent/nodes/rank.py)."""
    page = _page(1, [_para(topic, i) for i in range(6)])
    passages = rank_passages([page], topic)
    (first,) = select_sources([page], passages, budget_tokens=250, source_tokens=250)
    # (a passage cut to fit counts as shown: the model read its beginning)
    assert first.positions and all(p.text[:30] in first.context for p in passages if p.position in first.positions)
    rest = [p for p in passages if p.position not in first.positions]
    (again,) = select_sources([page], rest, budget_tokens=250, source_tokens=250)
    assert again.positions and not set(again.positions) & set(first.positions)
    assert "positions" not in first.model_dump()  # internal: never in an API body or a saved turn
