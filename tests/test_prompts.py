import json
import re
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


def test_system_prompts_change_only_in_their_date_and_carry_no_clock():
    # vLLM's prefix cache reuses a prompt only while it is byte-identical: the date is the one part
    # that may move, once a day, and nothing finer (no time of day, nothing per call).
    day, next_day = date(2026, 11, 23), date(2026, 11, 24)
    for lang in ("en", "zh"):
        for system in (prompts.websearch_system, prompts.chat_system):
            today, tomorrow = system(lang, day), system(lang, next_day)
            assert prompts.format_date(day, lang) in today
            assert today != tomorrow
            assert today.replace(prompts.format_date(day, lang), prompts.format_date(next_day, lang)) == tomorrow
            assert not re.search(r"\d{1,2}:\d{2}", today), "a clock time in the system prompt"
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


def test_the_cpu_profiles_lean_results_keep_numbers_titles_question_and_citation_format():
    # A model on the service's CPU pays every prompt token (agent/profile.py): headers without URLs,
    # the brief instruction; the same question, numbers and citation format, in both languages.
    for lang, title in (("en", "Aurora Bridge"), ("zh", "青川大桥")):
        full_block = prompts.contexts_block(lang, [(1, title, "https://a.cn/1", "text")])
        lean_block = prompts.contexts_block(lang, [(1, title, "https://a.cn/1", "text")], urls=False)
        assert lean_block == f"[[citation:1]] {title}\ntext" and "https://a.cn/1" in full_block
        full = prompts.answer_prompt(lang, query="q", question="How long?", contexts=lean_block)
        lean = prompts.answer_prompt(lang, query="q", question="How long?", contexts=lean_block, brief=True)
        assert lean.startswith(full[: full.index(lean_block) + len(lean_block)])  # the results as before
        assert "How long?" in lean and "[citation:N]" in lean and len(lean) < len(full)
