from agent.nodes.related import parse_questions


def test_numbering_and_bullets_are_removed_and_three_kept():
    text = "1. When was it built?\n2) Who paid for it?\n- How long is it?\n4. Extra one?"
    assert parse_questions(text) == ["When was it built?", "Who paid for it?", "How long is it?"]


def test_chinese_numbering_blank_lines_and_duplicates():
    text = "（1）大桥什么时候通车？\n\n2、大桥什么时候通车？\n• 大桥由谁设计？"
    assert parse_questions(text) == ["大桥什么时候通车？", "大桥由谁设计？"]
