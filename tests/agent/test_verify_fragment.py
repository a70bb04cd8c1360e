"""The link that opens a page at a quote (agent/verify/fragment.py): what browsers match."""

from __future__ import annotations

from agent.verify.fragment import text_fragment_url


def test_a_short_quote_is_given_whole_and_the_syntaxs_own_characters_are_encoded():
    url = text_fragment_url("https://example.org/a", "A cable-stayed bridge, 420 m & more")
    # "-" would otherwise read as the prefix-/-suffix delimiter, "," as start,end, "&" as the next directive
    assert url == "https://example.org/a#:~:text=A%20cable%2Dstayed%20bridge%2C%20420%20m%20%26%20more"


def test_a_long_quote_is_given_by_its_first_and_last_words_and_a_page_fragment_is_kept():
    quote = "The Aurora Bridge cost 420 million euros, according to the final accounts published by the city."
    url = text_fragment_url("https://example.org/a#top", quote)
    assert url == "https://example.org/a#top:~:text=The%20Aurora%20Bridge%20cost,published%20by%20the%20city."


def test_a_chinese_quote_is_encoded_whole_when_short_and_by_its_edges_when_long():
    assert text_fragment_url("https://example.cn/a", "大桥总投资56亿元") == "https://example.cn/a#:~:text=" + (
        "%E5%A4%A7%E6%A1%A5%E6%80%BB%E6%8A%95%E8%B5%8456%E4%BA%BF%E5%85%83"
    )
    long = "青川大桥全长约三千二百米，总投资约五十六亿元，由市交通建设集团负责建设和运营管理工作。"
    start, end = text_fragment_url("https://example.cn/a", long).split("#:~:text=")[1].split(",")
    assert start and end and "%2C" not in start + end
