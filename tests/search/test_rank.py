from __future__ import annotations

import pytest

from search.fetch import Fetcher
from core.workers import WorkerPool
from search.models import Page
from search.passages import MAX_TOKENS, han_counter, sentences, split_passages, stem, term_counts, tokenize
from search.rank import answer_shapes, rank_passages
from search.read import read
from core.tokens import count_tokens
from testkit.web import LocalWeb
from testkit.results import result_for

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
async def pages(fetcher: Fetcher, web: LocalWeb, workers: WorkerPool) -> list[Page]:
    """Every fixture page, read the way the service reads them: all compete for the top spot."""
    return await read([result_for(web, name) for name in ALL_PAGES], fetcher, workers=workers, limit=len(ALL_PAGES))


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
    assert tokenize("What is THE cost of the Bridges?") == ["cost", "bridg"]  # stems, not words
    assert tokenize("the bridge's cost") == tokenize("bridges costs")
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
    # Packing works on estimates of the token count, so a passage may exceed the bound by one.
    assert all(p.tokens <= MAX_TOKENS + 1 for p in passages), max(p.tokens for p in passages)
    assert all(p.tokens == count_tokens(p.text) for p in passages)
    assert len(passages) < 40, "one-line paragraphs should be merged"
    # Splits fall on sentence ends, in both languages.
    assert all(p.text.rstrip().endswith((".", "。")) for p in passages)
    # Nothing is lost.
    assert "Sentence number 59 describes" in "".join(p.text for p in passages)
    assert "第79句" in "".join(p.text for p in passages)


@pytest.mark.parametrize(
    ("question", "read", "snippet"),
    [
        ("How much did the Aurora Bridge cost?", "The bridge opened in May.", "The Aurora Bridge cost 420 million euros, the council said."),
        ("青川大桥总投资是多少？", "大桥于五月通车。", "青川大桥总投资 56 亿元，市政府表示。"),
    ],
    ids=["english", "chinese"],
)
def test_a_page_that_could_not_be_read_is_ranked_by_its_snippet(question: str, read: str, snippet: str) -> None:
    """A page that could not be read still has what the search engine said about it: that snippet is
    its passage, ranked with the others, and here it answers."""
    pages = [Page(url="http://a/", title="News", text=read), Page(url="http://b/", title="News", text="", snippet=snippet)]
    ranked = rank_passages(pages, question)
    assert [(p.url, p.text) for p in ranked] == [("http://b/", snippet), ("http://a/", read)]
    assert [p.text for p in split_passages(pages[1])] == [snippet]


@pytest.mark.parametrize(
    ("paragraph", "end"),
    [
        (" ".join(f"Did crossing number {i} open on time for the trams and bikes?" for i in range(20)), "?"),
        (" ".join(f"Crossing number {i} opened on time for the trams and bikes!" for i in range(20)), "!"),
        ("".join(f"第{i}座桥按时通车了吗？" for i in range(40)), "？"),
    ],
    ids=["english-questions", "english-exclamations", "chinese-questions"],
)
def test_a_long_paragraph_without_full_stops_is_split_at_its_sentence_ends(paragraph: str, end: str) -> None:
    """A paragraph past 120 tokens is split at sentence ends even when none of them is a full stop
    (questions, exclamations): no passage grows past the bound."""
    passages = split_passages(Page(url="http://x/", title="T", text=paragraph))
    assert len(passages) > 1 and all(p.tokens <= MAX_TOKENS and p.text.endswith(end) for p in passages)
    assert "".join(p.text for p in passages).replace(" ", "") == paragraph.replace(" ", "")


def test_empty_pages_give_no_passages() -> None:
    assert rank_passages([Page(url="http://x/", title="T", text="")], "anything") == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("fined", "fine"),
        ("winner", "winning"),
        ("winning", "wins"),
        ("metres", "metre"),
        ("runners", "running"),
        ("companies", "company"),
        ("carried", "carry"),
        ("opened", "opening"),
        ("prices", "priced"),
        ("director", "directed"),  # "Who directed it?" against "director Bong Joon Ho"
        ("adviser", "advisor"),
        ("senator", "senate"),
    ],
)
def test_stemming_meets_inflections(a: str, b: str) -> None:
    assert stem(a) == stem(b)


def test_stemming_leaves_short_words_and_numbers() -> None:
    assert [stem(w) for w in ("use", "bus", "4.0.2", "2024", "gas")] == ["use", "bus", "4.0.2", "2024", "gas"]
    assert [stem(w) for w in ("color", "motor", "error", "major")] == ["color", "motor", "error", "major"]


def test_a_long_chinese_paragraph_keeps_a_latin_name_with_an_initial_whole() -> None:
    # Chinese sentences join without a space: a split after "A." would fuse "Henry A.Walsh".
    sentence = "这座教堂由建筑师Henry A. Walsh设计。它于一八九零年完工，是当地最早的石造教堂之一。至今仍在使用。"
    page = Page(url="http://zh.example/", title="教堂", text=sentence * 4)
    passages = split_passages(page)
    assert len(passages) > 1
    assert all(p.text.count("Henry A. Walsh") == p.text.count("Henry") for p in passages)


def test_a_follow_up_finds_the_agent_noun_for_its_verb() -> None:
    page = Page(
        url="http://film.example/",
        title="Parasite wins at the SAG awards",
        text="\n".join(
            [
                "Parasite, the Korean social satire, won the top prize of best cast ensemble at the SAG awards.",
                "Despite an unknown cast, Parasite beat Hollywood films with A-list stars at the awards.",
                "Parasite director Bong Joon Ho said backstage that no one could predict the Oscars.",
            ]
        ),
    )
    best = rank_passages([page], "Who directed it?", "Parasite SAG awards best cast ensemble",
                         history=["Which film won best cast ensemble at the SAG awards?"])[0]
    assert "Bong Joon Ho" in best.text
    assert tokenize("the men's race") == ["men", "rac"]


def test_heading_starts_a_passage() -> None:
    filler = " ".join(f"Sentence {i} about the museum and its many visitors." for i in range(6))
    page = Page(url="http://x/", title="T", text=f"{filler}\nTickets\nAdults pay 14 pounds; children go free.")
    passages = split_passages(page)
    assert passages[-1].text.startswith("Tickets\nAdults pay"), [p.text for p in passages]
    assert not passages[0].text.endswith("Tickets")


@pytest.mark.parametrize(
    ("before", "heading", "longer", "after"),
    [
        (" ".join(f"Sentence {i} about the museum." for i in range(3)), "Tickets and opening hours for the museum this summer",
         "Tickets and opening hours for the museum this summer season", "Adults pay 14 pounds; children go free."),
        ("".join(f"第{i}句介绍了博物馆和它的许多游客。" for i in range(2)), "青川大桥门票价格开放时间", "青川大桥门票价格及开放时间",
         "成人票八十元，儿童免费。"),
    ],
    ids=["english", "chinese"],
)
def test_a_heading_is_at_most_12_tokens(before: str, heading: str, longer: str, after: str) -> None:
    """A line of up to 12 tokens without closing punctuation is a heading and starts a passage: 12 Han
    characters, or 9 English words (11.7); 13 characters or 10 words (13) are a line of the text."""
    assert [p.text for p in split_passages(Page(url="http://x/", title="T", text=f"{before}\n{heading}\n{after}"))] == [
        before, f"{heading}\n{after}"
    ]
    assert [p.text for p in split_passages(Page(url="http://x/", title="T", text=f"{before}\n{longer}\n{after}"))] == [
        f"{before}\n{longer}\n{after}"
    ]


@pytest.mark.parametrize(
    "line",
    [
        "- Free for children", "• Free for children", "* Free for children", "| Free for children",
        "Children under twelve and their grandparents go free on every Sunday of the summer holidays from July",
        "- 儿童免费", "• 儿童免费", "* 儿童免费", "| 儿童免费", "十二岁以下儿童和他们的祖父母在暑假的每个星期日都可以免费参观博物馆",
    ],
)
def test_a_list_item_a_row_or_a_long_line_is_not_a_heading(line: str) -> None:
    """A short line without closing punctuation is a heading, but not a list item, a row, or a line
    past 12 tokens: those stay with the text around them (English and Chinese)."""
    before, after = ("Sentence 0 about the museum. Sentence 1 about the museum.", "Adults pay 14 pounds.") if line.isascii() \
        else ("第0句介绍了博物馆。第1句介绍了博物馆。", "成人票八十元。")
    passages = split_passages(Page(url="http://x/", title="T", text=f"{before}\n{line}\n{after}"))
    assert [p.text for p in passages] == [f"{before}\n{line}\n{after}"]


@pytest.mark.parametrize(
    ("before", "headings", "after"),
    [
        (" ".join(f"Sentence {i} about the museum." for i in range(3)), "Visiting\nTickets", "Adults pay 14 pounds; children go free."),
        ("第0句介绍了博物馆。第1句介绍了博物馆。", "参观指南\n门票", "成人票八十元，儿童免费。"),
    ],
    ids=["english", "chinese"],
)
def test_a_heading_and_its_subheading_start_one_passage_together(before: str, headings: str, after: str) -> None:
    """A subheading right under a heading does not leave the heading alone in a passage of its own:
    both start the passage of the text under them."""
    passages = split_passages(Page(url="http://x/", title="T", text=f"{before}\n{headings}\n{after}"))
    assert [p.text for p in passages] == [before, f"{headings}\n{after}"]


@pytest.mark.parametrize(
    ("heading", "paragraph"),
    [("Tickets", " ".join(f"Sentence {i} about the museum and its many visitors." for i in range(7))),
     ("门票", "".join(f"第{i}句介绍了博物馆和它的许多游客。" for i in range(6)))],
    ids=["english", "chinese"],
)
def test_a_heading_stays_with_a_paragraph_under_it_that_takes_the_two_past_the_passage_size(heading: str, paragraph: str) -> None:
    """A paragraph of about 90-110 tokens (not split: under 120) under a heading: the two are one passage
    past the 80-token size rather than a heading alone, which would say nothing."""
    assert [p.text for p in split_passages(Page(url="http://x/", title="T", text=f"{heading}\n{paragraph}"))] == [
        f"{heading}\n{paragraph}"
    ]


@pytest.mark.parametrize(
    ("row", "compact"),
    [("| Weight | 24.8 kg |", "Weight: 24.8 kg"), ("| Motor | M85 | 85 Nm |", "Motor | M85 | 85 Nm"),
     ("| 重量 | 24.8公斤 |", "重量: 24.8公斤"), ("型号：M85", "型号：M85")],
)
def test_a_short_table_row_is_not_a_heading(row: str, compact: str) -> None:
    """A table row is short and has no closing punctuation, like a heading; it stays with the text above
    it instead of starting a passage."""
    before = "Sentence 0 about the bike. Sentence 1 about the bike." if row.isascii() else "第0句介绍了自行车。第1句介绍了自行车。"
    assert [p.text for p in split_passages(Page(url="http://x/", title="T", text=f"{before}\n{row}"))] == [f"{before}\n{compact}"]


def test_three_headings_in_a_row_start_the_passage_of_the_text_under_them() -> None:
    """"Visiting / Tickets / Admission" above the prices is not split into a passage of headings alone
    ("Visiting\\nTickets"): short and holding the word asked for, such a passage ranked first while it
    says nothing, above the passage with the price."""
    intro = ("The Aurora Maritime Museum opened in 1998 in the old harbour warehouse and holds the city's "
             "collection of ships, charts and instruments.")
    prices = ("Adults pay 14 euros and children under 12 enter free. A family ticket for two adults and three "
              "children costs 35 euros.")
    hours = "The museum is open from 10:00 to 17:00 every day except Mondays."
    page = Page(url="http://museum.example/visit", title="Aurora Maritime Museum",
                text=f"{intro}\nVisiting\nTickets\nAdmission\n{prices}\nOpening hours\n{hours}")
    assert [p.text for p in split_passages(page)] == [
        intro, f"Visiting\nTickets\nAdmission\n{prices}", f"Opening hours\n{hours}"
    ]
    best = rank_passages([page], "How much is a ticket to the Aurora Maritime Museum?")[0]
    assert "14 euros" in best.text


def test_a_long_run_of_short_lines_is_still_cut_into_passages() -> None:
    """A menu of short lines (each one heading-like) is cut where a passage would pass its size, as
    before; the text after it starts with the menu's last lines, not with the whole menu."""
    menu = "\n".join(f"Section {i} of the site" for i in range(60))
    text = "Adults pay 14 pounds; children go free."
    passages = split_passages(Page(url="http://x/", title="T", text=f"{menu}\n{text}"))
    assert len(passages) >= 4
    assert max(p.tokens for p in passages) <= 100, [(p.tokens, p.text) for p in passages]
    assert passages[-1].text.endswith(text) and "Section 0 " not in passages[-1].text


def test_table_rows_lose_their_pipes() -> None:
    page = Page(url="http://x/", title="T", text="Specifications\n| Weight | 24.8 kg |\n| Motor | M85 | 85 Nm |")
    (passage,) = split_passages(page)
    assert passage.text == "Specifications\nWeight: 24.8 kg\nMotor | M85 | 85 Nm"


def test_only_a_line_between_pipes_is_a_table_row() -> None:
    """A row as trafilatura writes it starts and ends with a pipe (English or Chinese cells); a line
    that only starts or only ends with one is prose and keeps its pipe."""
    text = "Specifications\n| Weight | 24.8 kg |\n| 年份 | 27 基 |\n| Motor: M85, 85 Nm.\nThe red switch is the one marked |"
    passages = split_passages(Page(url="http://x/", title="T", text=text))
    assert "\n".join(p.text for p in passages) == (
        "Specifications\nWeight: 24.8 kg\n年份: 27 基\n| Motor: M85, 85 Nm.\nThe red switch is the one marked |"
    )


@pytest.mark.parametrize(
    ("question", "matches", "misses"),
    [
        ("How much did the bridge cost?", "It came to £612 million in the end.", "It was finished in good time."),
        ("When did the tunnel open?", "It opened on 18 March 2024.", "It opened to great acclaim."),
        ("What was the winning time?", "He finished in 2:07:41.", "He finished well clear."),
        ("How tall is the dam?", "The dam is 41 metres high.", "The dam is very high."),
        ("白鹭湖记录了多少种鸟类", "已记录鸟类 213 种", "面积 46 平方公里"),
        ("门票多少钱", "旺季门票95元/人", "门票可在官网预约"),
        ("什么时候抵达", "预计于2029年7月抵达", "预计将很快抵达"),
    ],
)
def test_answer_shapes(question: str, matches: str, misses: str) -> None:
    shapes = answer_shapes(question)
    assert any(shape.search(matches) for shape in shapes)
    assert not any(shape.search(misses) for shape in shapes)


def test_open_questions_have_no_answer_shape() -> None:
    assert answer_shapes("Tell me about the Aurora Bridge") == []
    assert answer_shapes("介绍一下青川大桥") == []


def test_a_passage_holding_the_asked_for_kind_of_answer_ranks_higher(monkeypatch: pytest.MonkeyPatch) -> None:
    talk = Page(url="http://a/", title="Barrage", text="The Harwick barrage cost was debated.")
    fact = Page(url="http://b/", title="Barrage", text="The Harwick barrage cost £612 million.")
    question = "How much did the Harwick barrage cost?"
    assert [p.url for p in rank_passages([talk, fact], question)] == ["http://b/", "http://a/"]
    # Words alone favour the passage that repeats more of the question.
    monkeypatch.setattr("search.rank.ANSWER_TYPE_BOOST", 0.0)
    assert [p.url for p in rank_passages([talk, fact], question)] == ["http://a/", "http://b/"]


def test_passage_token_counts_are_exact_on_messy_pages() -> None:
    """Passages count their tokens from their pieces' counts: joins must never fuse two units."""
    import random

    rng = random.Random(11)
    bits = ["Bridge", "cost", "£612", "million.", "It", "opened!", "| Weight | 24.8 kg |", "- item", "桥", "长。",
            "全长12.6公里；", "Dr.", "A.B.", "e.g.", "“引号”", "(note)", "4.0.2", "?", "，", " "]
    for _ in range(200):
        lines = []
        for _ in range(rng.randrange(1, 12)):
            lines.append(" ".join(rng.choice(bits) for _ in range(rng.randrange(1, 90))))
        page = Page(url="http://x/", title="T", text="\n".join(lines))
        for passage in split_passages(page):
            assert passage.tokens == count_tokens(passage.text), passage.text


def test_a_page_ranked_again_scores_for_the_new_question() -> None:
    """Pages are split and tokenised once (search.rank_index._indexed); each ranking scores copies, so
    one question's scores never stay on the next question's passages, and a page whose text
    changed under the same address is split again."""
    bridge = Page(url="http://a/", title="Aurora Bridge", text="The bridge cost 420 million euros.\n\nIt opened in May 2021.")
    tea = Page(url="http://b/", title="松溪茶节", text="松溪茶节每年四月举行，持续三天。\n\n门票价格为 80 元。")
    first = rank_passages([bridge, tea], "How much did the bridge cost?")
    assert first[0].text.startswith("The bridge cost")
    second = rank_passages([bridge, tea], "松溪茶节的门票多少钱？")
    assert second[0].url == "http://b/" and "80 元" in second[0].text
    assert [p.score for p in rank_passages([bridge, tea], "How much did the bridge cost?")] == [p.score for p in first]
    assert first[0].score > 0 and all(p.score == 0 for p in second if p.url == "http://a/")
    changed = bridge.model_copy(update={"text": "The bridge cost 612 million euros after the overrun."})
    assert "612 million" in rank_passages([changed, tea], "How much did the bridge cost?")[0].text


# What the stemmer makes of each inflection, pinned: search/index.py stores tokenize()'s output, so a
# change here that does not bump TOKENIZER_VERSION leaves stored indexes meeting nothing.
STEMS = {
    "ties": "tie", "flies": "fly", "tries": "try", "dies": "die", "series": "sery",
    "classes": "class", "glasses": "glass", "glass": "glass", "viruses": "virus", "virus": "virus",
    "analysis": "analysis", "buses": "bus", "tied": "tied", "died": "died", "cried": "cry",
    "fined": "fin", "fine": "fin", "winner": "win", "winning": "win", "running": "run", "hopping": "hop",
    "falling": "fall", "buzzer": "buzz", "fizzed": "fizz", "quickly": "quick", "early": "early",
    "metres": "metr", "1990s": "1990s", "a380s": "a380s", "hoping": "hop", "hoped": "hop", "hope": "hop",
    "sensor": "sens", "actor": "actor", "boldly": "bold", "sadly": "sadly", "adding": "add", "egged": "egg",
}


def test_the_stemmer_gives_each_inflection_its_pinned_stem() -> None:
    assert {word: stem(word) for word in STEMS} == STEMS


def test_tokenize_drops_possessives_and_stop_words_and_pairs_chinese_characters() -> None:
    assert tokenize("Jane's brother's 1990s: the much 该桥的总投资 was 56 亿元") == [
        "jan", "broth", "1990s", "该", "桥", "总", "投", "资", "该桥", "桥的", "的总", "总投", "投资", "56", "亿", "元", "亿元",
    ]


def test_a_texts_terms_counted_are_tokenizes_terms() -> None:
    """term_counts lists a text's English terms counted and how many terms tokenize gives it in all;
    han_counter counts its Han unigrams and bigrams in the text itself (a bigram of one character
    twice, overlapping: 天天天 holds 天天 twice), and nothing for a stop character or an English term."""
    from collections import Counter
    import random

    rng = random.Random(7)
    bits = ["Bridge", "bridge's", "the", "4.0.2", "U.S.", "天", "天天", "桥", "的", "长江大桥", "。", " ", "，", "\n",
            "İstanbul", "ΣΑΣ", "x", "全长12.6公里", "café", "豈", "什么"]
    for _ in range(400):
        text = "".join(rng.choice(bits) for _ in range(rng.randrange(0, 40)))
        terms = Counter(tokenize(text))
        words, total, han = term_counts(text)
        assert total == len(tokenize(text)) and han == any(c in "天桥的长江大全公里豈什么" for c in text), text
        assert words == Counter({term: n for term, n in terms.items() if term.isascii()}), text
        for term in {*terms, "天天", "天", "的", "桥x", "大桥", "bridg", "x"}:
            han = han_counter(term)
            assert han is None or han(text + "。" + text) == 2 * han(text), (text, term)
            assert (han(text) if han is not None else 0) + words[term] == terms[term], (text, term)
    assert han_counter("天天")("天天天") == 2 and han_counter("的") is None and han_counter("bridg") is None


def test_sentences_end_at_full_stops_and_lose_the_space_after_them() -> None:
    """A paragraph splits after each Chinese full stop and, in English, at the space after a full
    stop that something starting a sentence follows (a capital, a digit, a quote, a bracket, a
    currency): the pieces a look-behind split gives, stripped, the empty ones dropped."""
    import random
    import re

    english = re.compile(r"(?<=[.!?])\s+(?=[\"'“(A-Z0-9£$€])|(?<=[。！？；])")
    chinese = re.compile(r"(?<=[。！？；])")
    rng = random.Random(9)
    bits = ["Dr.", "A", "b", "5", ".", "!", "?", "。", "！", "？", "；", " ", "  ", "\u3000", "\n", "“", "\"", "'", "(",
            "£", "€", "x", "桥", "e.g."]
    for _ in range(3000):
        text = "".join(rng.choice(bits) for _ in range(rng.randrange(0, 30)))
        for splitter, zh in ((english, False), (chinese, True)):
            assert sentences(text, chinese=zh) == [s.strip() for s in splitter.split(text) if s.strip()], (text, zh)
    assert sentences("It opened. Dr. Roe spoke.  5 came!“Yes”") == ["It opened.", "Dr.", "Roe spoke.", "5 came!“Yes”"]


def test_the_answer_shape_boost_follows_each_question_on_a_page_ranked_before() -> None:
    """What a page's passages hold (a sum, a date) is found once per page and kind of answer; each
    question still lifts the passages shaped like its own answer (here the only difference)."""
    filler = " ".join(["Visitors walk along the river path near the old harbour every evening."] * 6)
    page = Page(
        url="http://c/",
        title="",
        text=f"Aurora Bridge figures: 3 euros. {filler}\n\nAurora Bridge figures: May 2021. {filler}",
    )
    for _ in range(2):  # the second time from what the first kept
        assert "May 2021" in rank_passages([page], "When? Aurora Bridge figures")[0].text
        assert "3 euros" in rank_passages([page], "What price? Aurora Bridge figures")[0].text
