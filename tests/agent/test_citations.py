from agent.citations import CitationRewriter, rewrite, says_something, shown_markers, strip_markers
from search.models import Source

SOURCES = [Source(index=i, url=f"https://example.com/{i}", title=f"Page {i}") for i in (1, 2, 3)]


def run(chunks: list[str], valid=frozenset({1, 2, 3})) -> str:
    rewriter = CitationRewriter(set(valid))
    return "".join(rewriter.feed(c) for c in chunks) + rewriter.close()


def test_forms_small_models_produce_are_all_recognised():
    text = "A[citation:2]. B [citation: 2]. C [ citation:3]. D [citation:1][citation:3]. E [2]."
    answer, citations = rewrite(text, SOURCES)
    assert answer == "A[2]. B [2]. C [3]. D [1][3]. E [2]."
    assert [c.index for c in citations] == [2, 3, 1]  # order of first use
    assert citations[0].url == "https://example.com/2"


def test_out_of_range_markers_are_dropped():
    answer, citations = rewrite("Fact [citation:9]. Other [citation:0][citation:1].", SOURCES)
    assert answer == "Fact . Other [1]."
    assert [c.index for c in citations] == [1]


def test_no_sources_drops_every_marker():
    answer, citations = rewrite("Hello [citation:1]!", [])
    assert answer == "Hello !"
    assert citations == []


def test_marker_split_at_every_boundary_comes_out_whole():
    text = "Opened 2021 [citation:1]. Cost [citation: 2][ citation:3], [citation:77] done."
    expected = run([text])
    assert expected == "Opened 2021 [1]. Cost [2][3],  done."
    for i in range(len(text) + 1):
        for j in range(i, len(text) + 1):
            assert run([text[:i], text[i:j], text[j:]]) == expected, (i, j)


def test_no_half_marker_is_ever_emitted_while_streaming():
    text = "Built in 2021[citation:12] by Solberg [citation:3]."
    rewriter = CitationRewriter({3, 12})
    shown = ""
    for ch in text:
        shown += rewriter.feed(ch)
        assert "[c" not in shown and "[citation" not in shown
    shown += rewriter.close()
    assert shown == "Built in 2021[12] by Solberg [3]."


def test_plain_brackets_and_markdown_links_survive():
    text = "See [the docs](https://x.org) and [note] or [a][b], array[0] ok [citation:2]"
    assert run([text]) == "See [the docs](https://x.org) and [note] or [a][b], array[0] ok [2]"
    for i in range(len(text) + 1):
        assert run([text[:i], text[i:]]) == run([text]), i
    # a '[' that never closes is released at the end, not swallowed
    assert run(["unfinished [cit"]) == "unfinished [cit"


def test_chinese_answer_markers():
    answer, citations = rewrite("大桥全长 3.2 公里[citation:1]。总投资 56 亿元[citation：2]。", SOURCES)
    assert answer == "大桥全长 3.2 公里[1]。总投资 56 亿元[2]。"
    assert [c.index for c in citations] == [1, 2]


def test_a_marker_repeated_back_to_back_is_shown_once():
    answer, citations = rewrite("Cost 420 million[citation:1][citation:1]. Opened[citation:2][2][ citation:2].", SOURCES)
    assert answer == "Cost 420 million[1]. Opened[2]."
    assert [c.index for c in citations] == [1, 2]
    # the same in a stream, wherever the chunks break
    text = "A[citation:1][citation:1] B"
    for i in range(len(text) + 1):
        assert run([text[:i], text[i:]]) == "A[1] B", i
    # text in between makes it a new citation, not a repeat
    assert run(["A[citation:1] and B[citation:1]"]) == "A[1] and B[1]"


def test_text_that_cannot_become_a_marker_is_shown_at_once_while_streaming():
    # held back only while it could still be a marker: anything else reaches the reader immediately
    for chunk in ("see [note", "see [note] and more", "values [1 2", "a [c.i", "x [" + " " * 30, "[ citations"):
        rewriter = CitationRewriter({1})
        assert rewriter.feed(chunk) == chunk, chunk
    # a '[' more than a marker's length back is plain text; within it, it may still be one
    rewriter = CitationRewriter({1})
    assert rewriter.feed("x [" + " " * 24) == "x [" + " " * 24
    rewriter = CitationRewriter({1})
    assert rewriter.feed("x [" + " " * 23) == "x "
    assert rewriter.feed("1]") == "[1]"
    for held in ("x [", "x [cit", "x [citation:", "x [ citation : 1"):
        assert CitationRewriter({1}).feed(held) == "x ", held


def test_a_whole_answer_ending_in_an_unfinished_bracket_keeps_it():
    answer, citations = rewrite("Arrays start at [", SOURCES)
    assert answer == "Arrays start at [" and citations == []
    assert rewrite("Opened in 2021 [citation:1] [cit", SOURCES)[0] == "Opened in 2021 [1] [cit"


def test_the_markers_an_answer_shows_are_found_in_order_and_can_be_stripped():
    shown = "The bridge opened in 2019 [2] and cost 420 million euros [1][3]."
    assert [int(m.group(1)) for m in shown_markers(shown)] == [2, 1, 3]
    stripped = strip_markers(shown)
    assert "[1]" not in stripped and "[2]" not in stripped and "[3]" not in stripped
    assert stripped.startswith("The bridge opened in 2019 and cost 420 million euros")


def test_a_bare_marker_right_after_a_word_is_a_citation_but_an_index_in_code_is_not():
    answer, citations = rewrite("It cost 420 million[2]. Use `items[1]` here, and ```\nrow[3]\n``` too.", SOURCES)
    assert answer == "It cost 420 million[2]. Use `items[1]` here, and ```\nrow[3]\n``` too."
    assert [c.index for c in citations] == [2]  # the citation is counted (and so checked); the indexes are not
    rewriter = CitationRewriter({1, 2, 3})
    parts = rewriter.feed_parts("million[2] and `x[1]`") + rewriter.close_parts()
    assert parts == ["million", 2, " and `x[1]`"]


def test_code_opened_at_the_very_start_or_in_an_earlier_chunk_keeps_its_indexes():
    answer, citations = rewrite("`items[1]` holds the first row [2].", SOURCES)
    assert answer == "`items[1]` holds the first row [2]." and [c.index for c in citations] == [2]
    rewriter = CitationRewriter({1, 2, 3})  # streamed: the code opens in one chunk, the index is in the next
    parts = rewriter.feed_parts("Use `items") + rewriter.feed_parts("[1]` first, as the page says [2].") + rewriter.close_parts()
    assert 1 not in parts and rewriter.cited == [2]


def test_a_marker_of_no_source_vanishes_whatever_precedes_it():
    answer, citations = rewrite("It opened in 2019 [7], cost 420 million[citation:9] and 56 亿元[citation:8].", SOURCES)
    assert answer == "It opened in 2019 , cost 420 million and 56 亿元." and citations == []


def test_markers_alone_say_nothing_whether_or_not_their_sources_exist():
    assert not says_something("", SOURCES) and not says_something("  [citation:1] [citation:2] ", SOURCES)
    assert not says_something("[citation:9]", SOURCES) and not says_something("[citation:1]", [])
    assert says_something("It opened in 2019 [citation:1].", SOURCES)
    assert says_something("大桥于2019年通车[citation:1]。", SOURCES) and says_something("Yes.", [])
