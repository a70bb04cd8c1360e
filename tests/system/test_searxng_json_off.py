"""SearXNG with its JSON API switched off (its default settings.yml) answers 403 to every search:
the operator is told once, plainly, what to change, and the next provider answers meanwhile.

The local web's SearXNG-style endpoint answers 403 (`web.search_status`), the fallback is the local
index of a team's files, the model is the scripted Megrez server."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from search.index import build_index
from search.models import SearchOptions
from search.providers.searxng import JsonFormatOff, SearxngProvider
from testkit.settings import make_settings
from testkit.app_server import ServedApp
from testkit.documents import write_corpus

ADVICE = "enable `json` in `search.formats` of SearXNG's settings.yml"


@pytest.fixture
def web_403(local_web):
    local_web.search_status = 403
    yield local_web
    local_web.search_status = None


def advice_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if ADVICE in r.getMessage() and r.levelno >= logging.WARNING]


def test_json_off_is_reported_once_and_the_fallback_answers(web_403, megrez, tmp_path: Path, caplog):
    files = write_corpus(tmp_path / "docs")
    build_index(tmp_path / "docs", tmp_path / "index")
    settings = make_settings(
        web_403, megrez, search_provider="searxng,local", local_index=str(tmp_path / "index"), search_cache_ttl_s=0
    )
    caplog.set_level(logging.INFO, logger="websearch")
    with ServedApp(settings) as app:
        answers = [
            httpx.post(f"{app.base_url}/v1/answer", json={"question": q}, timeout=60)
            for q in ("How tall is the Ostrava Lighthouse?", "银杏水库的总库容是多少？")
        ]
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    english, chinese = (a.json() for a in answers)
    assert "48 metres" in english["answer"] and english["citations"]
    assert "3.2 亿立方米" in chinese["answer"] and chinese["citations"]
    assert any(path.startswith("/search") for path in web_403.requests), "SearXNG was asked first"
    # Two questions, several searches, all refused: the advice is logged exactly once.
    assert len(advice_lines(caplog)) == 1, advice_lines(caplog)
    assert not [r for r in caplog.records if "fell back" in r.getMessage() and r.levelno >= logging.WARNING]
    assert files  # the corpus the fallback answered from


def test_searxng_alone_with_json_off_answers_503_with_the_advice(web_403, megrez):
    with ServedApp(make_settings(web_403, megrez, search_cache_ttl_s=0)) as app:
        response = httpx.post(
            f"{app.base_url}/v1/answer", json={"question": "How much did the Aurora Bridge cost?"}, timeout=60
        )
    assert response.status_code == 503
    assert ADVICE in response.json()["error"]["message"]


async def test_the_advice_is_given_again_only_after_searxng_recovered(local_web, caplog):
    caplog.set_level(logging.INFO, logger="websearch")
    async with httpx.AsyncClient() as client:
        provider = SearxngProvider(local_web.searxng_url, client)
        options = SearchOptions(max_results=3)
        local_web.search_status = 403
        try:
            for _ in range(3):
                with pytest.raises(JsonFormatOff):
                    await provider.search("aurora bridge", options)
            assert len(advice_lines(caplog)) == 1
            local_web.search_status = None
            assert await provider.search("aurora bridge", options)
            assert any("answers JSON again" in r.getMessage() for r in caplog.records)
            local_web.search_status = 403
            with pytest.raises(JsonFormatOff):
                await provider.search("aurora bridge", options)
            assert len(advice_lines(caplog)) == 2
        finally:
            local_web.search_status = None
