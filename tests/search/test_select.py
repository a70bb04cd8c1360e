from __future__ import annotations

from search.models import Page, Passage
from search.rank import rank_passages
from search.select import select_sources
from search.tokens import count_tokens


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
    (source,) = select_sources([page], passages, budget_tokens=1000, source_tokens=1000)
    assert source.context == f"{text[1]}\n\n{text[3]}"


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
