"""Ranking mechanisms of issue #28, in English and Chinese: a name asked meets its acronym on the page
(and the other way round), a follow-up's answer one or two passages after the one the conversation
points at, and a short leading page read whole."""

from __future__ import annotations

import pytest

from search.aliases import aliases
from search.models import Page
from search.rank import rank_passages
from search.select import select_sources

FILLER_EN = (
    "Investigators walked the site for three days, photographed the wreckage and interviewed the crew, "
    "the local paper reported, while the road stayed closed to traffic and the town waited for news. "
)
CALM_EN = "The morning was grey and cold, gulls circled over the water, and a few early walkers stopped to watch the cranes."
CALM_ZH = "清晨天色灰暗而寒冷，海鸥在水面上盘旋，几个早起散步的人停下来看起重机干活，街上还很安静。"
FILLER_ZH = "调查人员在现场走访了三天，拍摄了残骸并询问了机组人员，当地报纸报道说，道路一直封闭，全镇都在等待消息。"


def _evidence(pages: list[Page], question: str, query: str, budget: int = 260, share: int = 130, **options) -> str:
    passages = rank_passages(pages, question, query, **options)
    return "\n".join(s.context for s in select_sources(pages, passages, budget_tokens=budget, source_tokens=share))


def test_aliases_pair_names_and_initials_both_ways() -> None:
    assert aliases("Who chairs the National Transportation Safety Board?", ["NTSB chair Jennifer Homendy"]) == "NTSB"
    assert aliases("What did NYCHA say?", ["the New York City Housing Authority said"]) == "New York City Housing Authority"
    # A name's initials that no page uses as an acronym add nothing; nor do two-letter initials.
    assert aliases("Who chairs the National Transportation Safety Board?", ["the board chair said"]) == ""
    assert aliases("How old is Prince Philip?", ["PP was there"]) == ""


def test_an_acronym_asked_meets_every_name_it_spells_page_by_page_in_the_order_they_first_appear() -> None:
    """Each acronym asked brings every stretch of capitalised words whose initials spell it (stretches
    overlapping too), the acronyms in the order the page first spells them, each one's names sorted."""
    pages = ["Air Marine Operations met. The Atlantic Cable Board and the Atlantic Cable Bureau spoke; Atlantic Cable Board again.",
             "Alpha Marine Office Agreement"]
    assert aliases("Did ACB or AMO agree?", pages) == (
        "Air Marine Operations Atlantic Cable Board Atlantic Cable Bureau Alpha Marine Office"
    )
    assert aliases("What did BBB say?", ["Big Blue Bank Board Bulletin"]) == "Bank Board Bulletin Big Blue Bank Blue Bank Board"
    one_run = "Atlantic Cable Board Air Marine Operations Big Blue Bank Cold Dry Ether North Rail Union"
    assert aliases("Which of NRU, CDE, BBB, AMO or ACB?", [one_run]) == one_run


def test_aliases_read_definitions_in_chinese_and_english() -> None:
    page = "1961年成立的国际赛马联合会（IFHA）是各国赛马机构的组织。IFHA的总部设在巴黎。"
    assert aliases("国际赛马联合会的总部在哪里？", [page]) == "IFHA"
    assert "国际赛马联合会" in aliases("IFHA的总部在哪里？", [page])
    assert aliases("What does the Institute for Transportation and Development Policy rate?",
                   ["the department engaged ITDP, the organization which rates BRT systems"]) == "ITDP"


def _board_page(lang: str) -> tuple[list[Page], str, str]:
    """One page: four passages share the question's words, the answer names the body by its acronym."""
    if lang == "en":
        lines = [f"{FILLER_EN}The national school board talked about transportation and road safety ({i})." for i in range(4)]
        lines.append("NTSB chair Jennifer Homendy said the report would come within a year.")
        page = Page(url="https://news.example/crash", title="Crash", text="\n".join(lines))
        return [page], "Who leads the National Transportation Safety Board?", "Jennifer Homendy"
    lines = ["国际赛马联合会（IFHA）今年在巴黎召开年会。"]
    lines += [f"{FILLER_ZH}各地联合会的比赛很受欢迎（{i}）。" for i in range(4)]
    lines.append("IFHA现任负责人为加藤雅之。")
    page = Page(url="https://news.example/ifha", title="赛马", text="\n".join(lines))
    return [page], "国际赛马联合会的主席是谁？", "加藤雅之"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_name_asked_finds_the_passage_that_uses_its_acronym(lang: str) -> None:
    pages, question, fact = _board_page(lang)
    passages = rank_passages(pages, question, question, alias=False)
    # Room for the page's best passage and one more, not two more.
    share = passages[0].tokens + max(p.tokens for p in passages[1:]) + 5
    assert fact in _evidence(pages, question, question, budget=share + 40, share=share)
    assert fact not in _evidence(pages, question, question, budget=share + 40, share=share, alias=False)


def _interview_page(lang: str) -> tuple[list[Page], list[str], str, str, str]:
    """The conversation points at the passage that names the speaker; her answer is the next one and
    shares no word with the follow-up; other passages share the conversation's words."""
    if lang == "en":
        lines = [
            f"Ana Ruiz, the harbour master, met reporters at the pier on Monday morning. {CALM_EN}",
            f"She said the sea wall would cost eleven million euros, paid by the region. {CALM_EN}",
            *(f"Fishermen at the pier told reporters the harbour was calm again ({i}). {CALM_EN}" for i in range(5)),
        ]
        return ([Page(url="https://news.example/harbour", title="Harbour", text="\n\n".join(lines))],
                ["Who is the harbour master who met reporters at the pier?"], "What was her answer?",
                "Ana Ruiz harbour master pier reporters", "eleven million euros")
    lines = [
        f"港务长安娜·鲁伊斯周一上午在码头会见了记者。{CALM_ZH}",
        f"她说新海堤将耗资一千一百万欧元，由大区支付。{CALM_ZH}",
        *(f"码头上的渔民告诉记者港口又平静了（{i}）。{CALM_ZH}" for i in range(5)),
    ]
    return ([Page(url="https://news.example/harbour", title="港口", text="\n\n".join(lines))],
            ["在码头会见记者的港务长是谁？"], "她是怎么回答的？", "港务长 安娜·鲁伊斯 码头 记者", "一千一百万欧元")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_follow_up_reads_the_passage_after_the_one_the_conversation_points_at(lang: str) -> None:
    pages, history, question, query, fact = _interview_page(lang)
    share = 2 * max(p.tokens for p in rank_passages(pages, question, query))
    evidence = _evidence(pages, question, query, budget=share + 30, share=share, history=history)
    assert fact in evidence
    assert fact not in _evidence(pages, question, query, budget=share + 30, share=share, history=history, lookahead=False)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_short_leading_page_is_read_whole_when_its_share_allows(lang: str) -> None:
    # The question's words (boy, located) are not the answer's (child, taken to).
    if lang == "en":
        text = [f"A boy went missing in Tarn Valley on Sunday after a school trip. {FILLER_EN}",
                f"The child was later taken to Hollins Farm by a neighbour, police said. {FILLER_EN}"]
        question, fact = "Where was the missing Tarn Valley boy located?", "Hollins Farm"
    else:
        text = [f"一名男孩周日在塔恩谷春游后走失。{CALM_ZH}{CALM_ZH}", f"警方说，这名儿童后来被邻居送往霍林斯农场。{CALM_ZH}{CALM_ZH}"]
        question, fact = "塔恩谷走失的男孩在哪里找到的？", "霍林斯农场"
    # The title shares no word either (it is indexed with every passage): "Local news" / "本地新闻".
    title = "Local news" if lang == "en" else "本地新闻"
    pages = [Page(url="https://news.example/boy", title=title, text="\n\n".join(text))]
    passages = rank_passages(pages, question, question)
    assert passages[0].score > 0 and passages[1].score == 0  # the answering passage shares no word
    whole = select_sources(pages, passages, budget_tokens=500, source_tokens=300)
    assert fact in whole[0].context
    assert fact not in select_sources(pages, passages, budget_tokens=400, source_tokens=200, whole=False)[0].context


def test_definitions_are_found_wherever_their_brackets_sit() -> None:
    """Each "name (ACRONYM)" is read after other brackets, digits and commas, across a line break,
    back to back, and in Chinese after English; a bracket with no acronym defines nothing."""
    page = (
        "In 2019 (see below), 42 delegates of the Atlantic Cable Board (ACB) met; the\n"
        "Air and Marine\nOperations (AMO) (and others) came, Nordic Rail Union (NRU)(AMO) too. "
        "Then 国际赛马联合会（IFHA）and the said on Tuesday (CBP) note (x) ( ABC ) ended."
    )
    assert aliases("Who chairs the ACB?", [page]) == "Atlantic Cable Board"
    assert aliases("What does AMO do?", [page]) == "Air Marine Operations"
    assert aliases("Who joined the Nordic Rail Union?", [page]) == "NRU"
    assert "国际赛马联合会" in aliases("IFHA的总部在哪里？", [page])
    assert aliases("Where is CBP?", [page]) == ""
