"""trafilatura's second opinion from its fast pass (search/trafilatura_reuse.py): on a forum thread
whose posts the fast pass drops it gives what trafilatura's whole cascade gives (English and
Chinese), a teaser the fast pass's recovery keeps is dropped as the whole cascade drops it, real
pages read the same two texts as by trafilatura's public functions, and a trafilatura other than the
one mirrored reads through those functions."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import trafilatura
import trafilatura.main_extractor

from search import html_text, trafilatura_reuse
from search.extract import decode

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "bench" / "data" / "trafilatura_eval" / "html"
URL = "http://forum.example/t/1"

POSTS = {
    "en": [
        "Rode line 5 from Old Town to the harbour every day this week, and I kept notes on every trip so that people "
        "thinking about switching from the bus can see what the commute is really like at rush hour.",
        "Trains come every three minutes at peak and the ride took forty minutes door to door, against seventy on the "
        "number 12 bus, even with the walk to the station at both ends of the trip.",
        "Same here. The new stations are clean and bright but the escalators at Harbour East were stopped twice on "
        "Tuesday morning, and the lift was out of order for the whole of Wednesday afternoon.",
        "Does anyone know whether the night service runs past eleven on Fridays? The timetable on the platform says "
        "one thing and the official app says another, and the staff at the desk did not know either.",
        "The operator told me by email that the last train leaves the terminus at 23:00 every day, Fridays included, "
        "until the summer timetable starts in June, when it moves to half past midnight.",
        "Parking at the park-and-ride next to the terminus is free for the first month after the opening; after that "
        "it costs two euros a day for anyone who pays with a transit card.",
    ],
    "zh": [
        "住在老城区，坐五号线上班一周了，每天都记下了出发和到站的时间，给还在犹豫要不要从公交换成地铁的朋友参考一下，高峰时段的情况大概就是这样。",
        "高峰时段三分钟一班，从家到单位四十分钟左右，以前坐十二路公交要七十分钟，就算加上两头走到车站的时间，地铁也快了不少。",
        "同感。新车站很干净也很亮，但港东站的扶梯周二早上停了两次，电梯周三整个下午都在检修，带行李的乘客只能走楼梯，希望运营方尽快解决。",
        "有人知道周五晚上末班车几点吗？站台上的时刻表和官方手机应用写的不一样，问了服务台的工作人员也说不清楚，想周末晚上去港口那边吃饭。",
        "我发邮件问过运营公司，终点站末班车每天二十三点发车，周五也一样，要等到六月夏季时刻表开始以后才改成零点半，到时候会在官网上公布。",
        "终点站旁边的换乘停车场开通后第一个月免费，之后用交通卡付费的话每天两元，用现金的话每天五元，停车场一共有六百个车位。",
    ],
}
TITLE = {"en": "A week on line 5", "zh": "五号线通勤一周"}


def thread(lang: str) -> str:
    """A forum thread: the opening post of two paragraphs, then one post each."""
    posts = POSTS[lang]
    bodies = [posts[:2]] + [[post] for post in posts[2:]]
    html = "".join(
        f"<div class='post' id='post-{n}'><div class='post-author'><a href='/u/{n}'>user{n}</a></div>"
        f"<div class='post-meta'>#{n} · 2025-01-06</div><div class='post-body'>{''.join(f'<p>{p}</p>' for p in body)}</div>"
        "<div class='post-actions'><a href='#'>Reply</a> <a href='#'>Quote</a></div></div>"
        for n, body in enumerate(bodies, 1)
    )
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{TITLE[lang]} | Metro forum</title></head>"
        "<body><header><nav><ul><li><a href='/'>Home</a></li><li><a href='/new'>New</a></li></ul></nav></header>"
        f"<div class='forum'><h1 class='thread-title'>{TITLE[lang]}</h1><div class='thread'>{html}</div></div>"
        "<footer><p>© 2025 Metro forum</p></footer></body></html>"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_forum_thread_whose_posts_the_fast_pass_drops_gets_the_whole_cascades_text(lang: str) -> None:
    html = thread(lang)
    whole = trafilatura.extract(html, url=URL, fast=False, **trafilatura_reuse.MIRRORED_OPTIONS)
    reading = html_text.precise_reading(html, URL)
    assert reading.text == html_text.precise_text(html, URL)
    assert sum(post in reading.text for post in POSTS[lang]) <= 2  # the fast pass keeps the opening post
    second = reading.second_opinion()
    assert second == whole
    assert all(post in second for post in POSTS[lang])
    _, text, fallback = html_text.extract_html(html, URL)
    assert fallback == "full" and text == whole


TEASER = {
    "en": "Read next: the Harlow mill museum reopens after the spring floods, with a new wing for the old looms.",
    "zh": "延伸阅读：春季洪水过后，海州老磨坊博物馆重新开放，新建的展厅专门陈列旧织机。",
}
ARTICLE = {
    "en": "The viaduct reopened on Tuesday after repairs to its ninth arch.",
    "zh": "海州高架桥第九拱的修复工程历时十一个月，耗资三百二十万元，已于本周二完工并重新通车。",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_teaser_the_fast_pass_keeps_is_dropped_by_the_second_opinion(lang: str) -> None:
    """A short page: trafilatura's recovery of stray text keeps teaser blocks in its fast mode and
    drops them in the whole cascade; the second opinion drops it too."""
    html = (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>Viaduct</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><div><p>{ARTICLE[lang]}</p></div>"
        f"<div class='teaser'><p>{TEASER[lang]}</p></div><footer>© 2024</footer></body></html>"
    )
    reading = html_text.precise_reading(html, URL)
    assert TEASER[lang] in reading.text and ARTICLE[lang] in reading.text
    second = reading.second_opinion()
    assert second == trafilatura.extract(html, url=URL, fast=False, **trafilatura_reuse.MIRRORED_OPTIONS)
    assert ARTICLE[lang] in second and TEASER[lang] not in second


def test_real_pages_read_the_same_two_texts_as_by_trafilaturas_functions() -> None:
    pages = [decode(gzip.decompress(file.read_bytes()), None) for file in sorted(REAL.glob("*.html.gz"))[:12]]
    readings = [html_text.precise_reading(html, URL) for html in pages]
    ours = [(reading.text, reading.second_opinion()) for reading in readings]
    theirs = [(html_text.precise_text(html, URL), html_text.full_text(html, URL)) for html in pages]
    assert any(fast != whole for fast, whole in theirs)  # pages where the second opinion says more
    assert ours == theirs


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_characters_xml_forbids_are_removed_as_trafilatura_removes_them(lang: str) -> None:
    html = thread(lang).replace(POSTS[lang][0][:20], POSTS[lang][0][:20] + "\x00\x1f\ufffe", 1).replace("\x00", "\x00\x08")
    reading = html_text.precise_reading(html, URL)
    assert reading.text == html_text.precise_text(html, URL)
    assert POSTS[lang][0] in reading.text and not any(char in reading.text for char in "\x00\x08\x1f\ufffe")
    assert reading.second_opinion() == html_text.full_text(html, URL)


@pytest.fixture
def public_functions_counted(monkeypatch) -> dict[str, int]:
    calls = {"bare_extraction": 0, "extract": 0}
    for name in calls:
        real = getattr(trafilatura, name)

        def counted(*args, _name=name, _real=real, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(trafilatura, name, counted)
    return calls


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_mirror_extracts_the_page_once(lang: str, public_functions_counted: dict[str, int]) -> None:
    assert trafilatura_reuse.mirrored()  # the trafilatura installed is the one mirrored
    second = html_text.precise_reading(thread(lang), URL).second_opinion()
    assert all(post in second for post in POSTS[lang])
    assert public_functions_counted == {"bare_extraction": 0, "extract": 0}


def test_another_trafilatura_reads_through_its_public_functions(monkeypatch, public_functions_counted) -> None:
    html = thread("en")
    mirrored = html_text.precise_reading(html, URL)
    expected = (mirrored.text, mirrored.second_opinion())
    try:
        monkeypatch.setattr(trafilatura, "__version__", "9.9.9")
        assert not trafilatura_reuse.install() and not trafilatura_reuse.mirrored()
        public_functions_counted.update(bare_extraction=0, extract=0)
        reading = html_text.precise_reading(html, URL)
        assert (reading.text, reading.second_opinion()) == expected
        assert public_functions_counted == {"bare_extraction": 1, "extract": 1}
    finally:
        monkeypatch.undo()
        trafilatura_reuse.install()
    assert trafilatura_reuse.mirrored()


def test_a_trafilatura_whose_mirrored_code_differs_reads_through_its_public_functions(monkeypatch) -> None:
    real = trafilatura.main_extractor.extract_content

    def extract_content(cleaned_tree, options):  # the same name, other code
        return real(cleaned_tree, options)

    try:
        monkeypatch.setattr(trafilatura.main_extractor, "extract_content", extract_content)
        assert not trafilatura_reuse.install() and not trafilatura_reuse.mirrored()
    finally:
        monkeypatch.undo()
        trafilatura_reuse.install()
    assert trafilatura_reuse.mirrored()
