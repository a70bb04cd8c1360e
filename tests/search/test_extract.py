from __future__ import annotations

from search.extract import decode, extract
from search.fetch import Fetched, Fetcher
from search.models import SearchResult
from tests.fixtures.web import LocalWeb
from tests.search.conftest import result_for


async def test_article_kept_boilerplate_dropped(fetcher: Fetcher, web: LocalWeb) -> None:
    result = result_for(web, "aurora-bridge")
    page = await extract(await fetcher.fetch(result.url), result)
    assert not page.from_snippet and page.error is None
    assert "The Aurora Bridge cost 420 million euros" in page.text
    assert "Ingrid Solberg" in page.text
    for boilerplate in (
        "We use cookies",  # cookie banner
        "Sign in",  # navigation
        "winter tyres",  # advertisement
        "Nordhavn house prices climb",  # related links
        "view is something else",  # reader comment
        "All rights reserved",  # footer
        "dataLayer",  # script
    ):
        assert boilerplate not in page.text, boilerplate
    assert page.date == "2021-05-15"
    assert page.site_name == "The Veldmark Herald"
    assert page.title == result.title


async def test_chinese_utf8_page(fetcher: Fetcher, web: LocalWeb) -> None:
    result = result_for(web, "qingchuan-bridge")
    page = await extract(await fetcher.fetch(result.url), result)
    assert "青川大桥全长 3.2 公里" in page.text
    assert "本网站使用 Cookie" not in page.text
    assert "品牌空调" not in page.text


async def test_gbk_page_declared_only_in_meta(fetcher: Fetcher, web: LocalWeb) -> None:
    fetched = await fetcher.fetch(web.url("/gbk"))
    assert fetched.charset is None  # the header does not name it: <meta> must be honoured
    page = await extract(fetched, SearchResult(url=web.url("/gbk"), title="", snippet="白鹭湖"))
    assert "白鹭湖湿地公园面积 46 平方公里" in page.text
    assert "已记录鸟类 213 种" in page.text
    assert page.title.startswith("白鹭湖湿地公园全面开放")  # from the page, as the result had none
    assert not page.from_snippet


def test_decode_prefers_header_then_meta_then_sniff() -> None:
    text = "青川大桥总投资 56 亿元，由省市两级财政共同出资建设。" * 5
    gbk = f"<html><head><meta charset='gb2312'></head><body><p>{text}</p></body></html>".encode("gbk")
    assert text in decode(gbk, None)  # meta
    assert text in decode(gbk.replace(b"gb2312", b"utf-8"), "gbk")  # header beats a wrong meta
    bare = f"<html><body><p>{text}</p></body></html>".encode("gb18030")
    assert text in decode(bare, None)  # no label at all: sniffed
    assert decode("naïve café".encode(), None) == "naïve café"


def test_short_pages_trust_meta_over_guessing() -> None:
    # Four characters are too few to sniff (a statistical guess calls these bytes Big5-HKSCS).
    short = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head>'
        "<body>大桥通车</body></html>"
    )
    assert "大桥通车" in decode(short.encode("gbk"), None)
    russian = "<meta charset=koi8-r><p>Привет мир, как дела</p>"
    assert "Привет мир" in decode(russian.encode("koi8-r"), None)


async def test_plain_text_passes_through() -> None:
    body = (
        "Plain notes about the Aurora Bridge.\n\n" + "It carries bicycles and trams across the estuary. " * 6
    ).encode()
    fetched = Fetched(
        url="http://x/notes.txt", final_url="http://x/notes.txt", status=200, content_type="text/plain", body=body
    )
    page = await extract(fetched, SearchResult(url="http://x/notes.txt", title="Notes", snippet="s"))
    assert page.text.startswith("Plain notes about the Aurora Bridge.")
    assert not page.from_snippet


async def test_thin_page_falls_back_to_snippet() -> None:
    body = b"<html><body><nav>Home | About</nav><div id='app'>Loading...</div></body></html>"
    fetched = Fetched(url="http://x/app", final_url="http://x/app", status=200, content_type="text/html", body=body)
    result = SearchResult(url="http://x/app", title="App", snippet="The Zephyr-9 battery reaches 412 Wh/kg.")
    page = await extract(fetched, result)
    assert page.from_snippet
    assert page.text == result.snippet
    assert page.error


async def test_fetch_error_becomes_snippet_page() -> None:
    fetched = Fetched(url="http://x/", final_url="http://x/", error="HTTP 404")
    result = SearchResult(url="http://x/", title="X", snippet="what the engine saw")
    page = await extract(fetched, result)
    assert page.from_snippet and page.error == "HTTP 404"
    assert page.text == "what the engine saw"
