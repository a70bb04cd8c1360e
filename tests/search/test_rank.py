from __future__ import annotations

import pytest

from search.fetch import Fetcher
from search.models import Page
from search.rank import rank_passages, split_passages, tokenize
from search.read import read
from search.tokens import count_tokens
from tests.fixtures.web import LocalWeb
from tests.search.conftest import result_for

ALL_PAGES = [
    "aurora-bridge",
    "veldmark-metro",
    "zephyr-9-battery",
    "zephyr-9-forum",
    "quillstack-release",
    "larkspur-observatory",
    "qingchuan-bridge",
    "qingchuan-travel",
    "songxi-tea-festival",
    "xinghe-7-satellite",
    "chishui-sturgeon",
    "bailu-lake-wetland",
]


@pytest.fixture
async def pages(fetcher: Fetcher, web: LocalWeb) -> list[Page]:
    """Every fixture page, read the way the service reads them: all compete for the top spot."""
    return await read([result_for(web, name) for name in ALL_PAGES], fetcher, limit=len(ALL_PAGES))


@pytest.mark.parametrize(
    ("question", "query", "fact"),
    [
        ("How much did the Aurora Bridge cost?", "Aurora Bridge Veldmark cost", "420 million euros"),
        ("Who was the lead engineer of the Aurora Bridge?", "Aurora Bridge lead engineer", "Ingrid Solberg"),
        ("What is the energy density of the Zephyr-9 battery?", "Zephyr-9 energy density", "412 Wh/kg"),
        ("When did the Larkspur telescope see first light?", "", "first light in 1998"),
        ("青川大桥有多长？", "青川大桥 全长", "全长 3.2 公里"),
        ("青川大桥总投资是多少？", "青川大桥 投资", "总投资 56 亿元"),
        ("白鹭湖湿地公园记录了多少种鸟类", "", "鸟类 213 种"),
        ("星河七号卫星的轨道高度", "星河七号 轨道", "轨道高度 540 公里"),
    ],
)
async def test_fact_passage_ranks_first(pages: list[Page], question: str, query: str, fact: str) -> None:
    ranked = rank_passages(pages, question, query)
    assert fact in ranked[0].text, f"top passage was: {ranked[0].text[:120]}"
    assert ranked[0].score > ranked[-1].score


def test_tokenize_english_and_chinese() -> None:
    assert tokenize("What is THE cost of the Bridges?") == ["cost", "bridge"]
    zh = tokenize("青川大桥的投资")
    assert "大桥" in zh and "青川" in zh and "投资" in zh
    assert "的" not in zh  # a particle alone says nothing


def test_passages_merge_small_and_split_large_paragraphs() -> None:
    short = "\n".join(f"Line {i} about the bridge." for i in range(40))
    long_en = " ".join(f"Sentence number {i} describes another detail of the crossing." for i in range(60))
    long_zh = "".join(f"第{i}句介绍了大桥的另一个细节。" for i in range(80))
    page = Page(url="http://x/", title="T", text=f"{short}\n\n{long_en}\n{long_zh}")
    passages = split_passages(page)
    assert [p.position for p in passages] == list(range(len(passages)))
    assert all(p.title == "T" and p.url == "http://x/" for p in passages)
    assert all(p.tokens <= 180 for p in passages), max(p.tokens for p in passages)
    assert all(p.tokens == count_tokens(p.text) for p in passages)
    assert len(passages) < 40, "one-line paragraphs should be merged"
    # Splits fall on sentence ends, in both languages.
    assert all(p.text.rstrip().endswith((".", "。")) for p in passages)
    # Nothing is lost.
    assert "Sentence number 59 describes" in "".join(p.text for p in passages)
    assert "第79句" in "".join(p.text for p in passages)


def test_empty_pages_give_no_passages() -> None:
    assert rank_passages([Page(url="http://x/", title="T", text="")], "anything") == []
