from agent.nodes.related import parse_questions


def test_numbering_and_bullets_are_removed_and_three_kept():
    text = "1. When was it built?\n2) Who paid for it?\n- How long is it?\n4. Extra one?"
    assert parse_questions(text) == ["When was it built?", "Who paid for it?", "How long is it?"]


def test_chinese_numbering_blank_lines_and_duplicates():
    text = "（1）大桥什么时候通车？\n\n2、大桥什么时候通车？\n• 大桥由谁设计？"
    assert parse_questions(text) == ["大桥什么时候通车？", "大桥由谁设计？"]


def test_lines_too_short_or_too_long_to_be_a_question_are_left_out():
    four, long = "Why?", "Why is it " + "so very " * 18 + "long?!"
    assert len(long) == 160
    text = f"Hm?\n{four}\n{long}\n{long[:-1]}s?"  # 3, 4, 160 and 161 characters
    assert parse_questions(text) == [four, long]


def test_our_own_instructions_echoed_back_are_not_offered_as_questions():
    text = (
        "Write three short follow-up questions that a reader of the answer to this question might ask next.\n"
        "Who paid for the Aurora Bridge?\nWhen was it built?"
    )
    assert parse_questions(text) == ["Who paid for the Aurora Bridge?", "When was it built?"]


def test_a_question_asked_twice_in_another_case_is_offered_once():
    assert parse_questions("Who paid for it?\nWHO PAID FOR IT?\nHow long is it?") == ["Who paid for it?", "How long is it?"]
