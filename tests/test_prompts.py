import json
from datetime import date

import prompts


def test_websearch_system_offers_the_search_function_in_both_languages():
    for lang in ("en", "zh"):
        text = prompts.websearch_system(lang, date(2026, 11, 23))
        spec = json.loads(text[text.index("{\"name\": \"search\"") :].splitlines()[0])
        assert spec["name"] == "search"
        assert spec["parameters"]["required"] == ["query"]
        assert "<|function_start|>" in text
    assert "2026年11月23日" in prompts.websearch_system("zh", date(2026, 11, 23))
    assert "23 November 2026" in prompts.websearch_system("en", date(2026, 11, 23))


def test_system_prompts_are_byte_identical_within_a_day_and_carry_no_clock():
    day = date(2026, 11, 23)
    for lang in ("en", "zh"):
        assert prompts.websearch_system(lang, day) == prompts.websearch_system(lang, day)
        assert prompts.chat_system(lang, day) == prompts.chat_system(lang, day)
        assert ":" not in prompts.format_date(day, lang)


def test_chat_prompt_offers_no_function():
    for lang in ("en", "zh"):
        assert '"name": "search"' not in prompts.chat_system(lang, date(2026, 1, 1))
        assert "<|function_start|>" not in prompts.chat_system(lang, date(2026, 1, 1))


def test_answer_prompt_numbers_the_contexts():
    block = prompts.contexts_block("zh", [(1, "青川大桥", "https://a.cn/1", "全长 3.2 公里"), (2, "T", "u", "x")])
    text = prompts.answer_prompt("zh", query="青川大桥", question="多长？", contexts=block)
    assert text.index("[[citation:1]] 青川大桥") < text.index("[[citation:2]] T")
    assert "全长 3.2 公里" in text and "[citation:N]" in text and "多长？" in text
