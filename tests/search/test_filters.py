"""search/filters.py: a date window by whatever date a result has, languages."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from search.filters import ResultFilter, dated_within, keep_pages, keep_results, parse_date, provider_recency, since
from search.models import Page, SearchResult


@pytest.mark.parametrize(
    "text, day",
    [
        ("2021-05-15", date(2021, 5, 15)),  # trafilatura
        ("2021-05-15T08:00:00+00:00", date(2021, 5, 15)),  # SearXNG publishedDate
        ("2024-01-02T03:04:05Z", date(2024, 1, 2)),  # DuckDuckGo news
        ("published 2023-04-23 by the desk", date(2023, 4, 23)),
        ("", None),
        (None, None),
        ("last Tuesday", None),
        ("2023-02-30", None),
    ],
)
def test_dates_as_providers_and_extraction_write_them(text, day):
    assert parse_date(text) == day


def test_an_undated_result_cannot_be_placed_and_is_kept():
    assert dated_within(None, date(2023, 1, 1), None)
    assert not dated_within("2022-12-31", date(2023, 1, 1), None)
    assert dated_within("2023-01-01", date(2023, 1, 1), date(2023, 1, 1))
    assert not dated_within("2023-01-02", None, date(2023, 1, 1))


def result(url: str, day: str | None = None) -> SearchResult:
    return SearchResult(url=url, title="t", date=day)


def test_results_outside_the_window_go_by_the_providers_date():
    rule = ResultFilter(after=date(2022, 1, 1), before=date(2023, 12, 31))
    results = [
        result("https://a.org/in", "2023-01-01"),
        result("https://a.org/old", "2021-01-01"),
        result("https://a.org/new", "2024-01-01T00:00:00Z"),
        result("https://a.org/undated"),
    ]
    assert [r.url for r in keep_results(results, rule)] == ["https://a.org/in", "https://a.org/undated"]
    assert keep_results(results, ResultFilter()) == results


def page(url: str, text: str, day: str | None = None, *, from_snippet: bool = False) -> Page:
    return Page(url=url, title="t", text=text, date=day, from_snippet=from_snippet)


def test_pages_by_their_own_date_and_language():
    pages = [
        page("https://a.org/en", "The bridge cost 420 million euros to build.", "2023-05-01"),
        page("https://a.org/zh", "青川大桥的总投资为五十六亿元人民币。", "2023-05-01"),
        page("https://a.org/old", "The old page.", "2019-01-01"),
        page("https://a.org/snippet", "A short blurb", from_snippet=True),
    ]
    zh = keep_pages(pages, ResultFilter(languages=["zh"], after=date(2020, 1, 1)))
    assert [p.url for p in zh] == ["https://a.org/zh", "https://a.org/snippet"]  # a snippet is too short to judge
    en = keep_pages(pages, ResultFilter(languages=["en"]))
    assert [p.url for p in en] == ["https://a.org/en", "https://a.org/old", "https://a.org/snippet"]
    # a language the service cannot tell apart is the provider's word
    assert keep_pages(pages, ResultFilter(languages=["fr"])) == pages


def test_windows_as_a_provider_knows_them():
    today = date(2025, 3, 10)
    assert provider_recency(None, today) is None
    assert provider_recency(date(2025, 3, 9), today) == "day"
    assert provider_recency(date(2025, 3, 5), today) == "week"
    assert provider_recency(date(2025, 2, 20), today) == "month"
    assert provider_recency(date(2024, 6, 1), today) == "year"
    assert provider_recency(date(2020, 1, 1), today) is None
    now = datetime(2025, 3, 10, 0, 30, tzinfo=timezone.utc)
    assert since("hour", now) == date(2025, 3, 9) and since("week", now) == date(2025, 3, 3)
