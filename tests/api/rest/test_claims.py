"""Checked citations through POST /v1/answer, plain and streamed: the scripted Megrez cites
carelessly (testkit/megrez/careless.py) and the reader sees only citations their sources hold."""

from __future__ import annotations

import re

import httpx
import pytest

from prometheus_client.parser import text_string_to_metric_families

import agent.verify.stream as claim_checks

from testkit import sse
from testkit.app_server import ServedApp
from testkit.settings import make_settings

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
ZH_QUESTION = "青川大桥的总投资是多少？"


def ask(app, **body) -> dict:
    response = httpx.post(f"{app.base_url}/v1/answer", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def stream(app, **body) -> list[tuple[str, dict]]:
    return sse.stream_answer(app.base_url, **body)


def index_of(body: dict, page: str) -> int:
    return next(s["index"] for s in body["sources"] if page in s["url"])


def metric(app, name: str, **labels) -> float:
    text = httpx.get(f"{app.base_url}/metrics", timeout=10).text
    samples = [s for family in text_string_to_metric_families(text) for s in family.samples]
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


def test_a_wrong_citation_is_re_pointed_to_the_page_that_holds_the_claim(app, megrez):
    megrez.careless = ["wrong_page"]
    body = ask(app, question=QUESTION)
    bridge = index_of(body, "aurora-bridge")
    assert "420 million" in body["answer"] and body["answer"].count("[") == 1
    assert f"[{bridge}]" in body["answer"]
    (claim,) = body["claims"]
    assert claim["citations"] == [bridge] and claim["support"] == "supported"
    assert body["answer"][claim["start"] : claim["end"]].endswith(f"[{bridge}]")
    assert [c["index"] for c in body["citations"]] == [bridge]
    assert metric(app, "websearch_citations_repointed_total") == 1  # the model cited another page


def test_an_unsupported_claim_is_shown_uncited_and_flagged(app, megrez):
    megrez.careless = ["unsupported"]
    body = ask(app, question=QUESTION)
    assert "427 million" in body["answer"]  # the words stay: the reader sees them, unmarked
    assert not re.search(r"\[\d+\]", body["answer"]) and body["citations"] == []
    (claim,) = body["claims"]
    assert claim["support"] == "unsupported" and claim["citations"] == [] and claim["quotes"] == []
    assert "427 million" in claim["text"]
    assert metric(app, "websearch_claims_total", support="unsupported") == 1
    assert metric(app, "websearch_citations_removed_total") == 1
    assert metric(app, "websearch_verify_duration_seconds_count") == 1
    assert metric(app, "websearch_stage_duration_seconds_count", stage="verify") == 1


def test_a_correct_paraphrased_citation_is_kept_with_its_quote(app, megrez):
    megrez.careless = ["paraphrase"]
    body = ask(app, question=QUESTION)
    bridge = index_of(body, "aurora-bridge")
    assert "420,000,000 euros" in body["answer"]  # the number written differently from the page
    assert body["answer"].endswith(f"[{bridge}].")
    (claim,) = body["claims"]
    assert claim["support"] == "supported" and claim["citations"] == [bridge]
    (quote,) = claim["quotes"]
    assert "420 million euros" in quote["text"]  # the page's own sentence
    (citation,) = body["citations"]
    assert citation["quote"] == quote["text"]
    assert citation["quote_url"].startswith(citation["url"] + "#:~:text=The%20Aurora%20Bridge%20cost")
    assert metric(app, "websearch_citations_repointed_total") == 0 and metric(app, "websearch_citations_removed_total") == 0


def test_chinese_a_wrong_page_re_pointed_and_a_number_written_differently_kept(app, megrez):
    megrez.careless = ["wrong_page"]
    body = ask(app, question=ZH_QUESTION)
    bridge = index_of(body, "qingchuan-bridge")
    assert "56 亿元" in body["answer"] and body["claims"][0]["citations"] == [bridge]
    assert body["answer"].endswith(f"[{bridge}]。")
    megrez.careless = ["paraphrase"]
    body = ask(app, question=ZH_QUESTION)
    assert "5,600,000,000元" in body["answer"]
    assert body["claims"][0]["support"] == "supported" and body["claims"][0]["citations"] == [bridge]
    assert "56 亿元" in body["citations"][0]["quote"]


def test_a_conversation_keeps_its_claims(app, megrez):
    megrez.careless = ["unsupported"]
    body = ask(app, question=QUESTION)
    turn = httpx.get(f"{app.base_url}/v1/conversations/{body['conversation_id']}", timeout=10).json()["turns"][0]
    assert turn["claims"] == body["claims"] and turn["answer"] == body["answer"]


@pytest.mark.parametrize("careless", [["wrong_page"], ["unsupported"], ["paraphrase"]])
@pytest.mark.parametrize("chunk_chars", [1, 3, 7])
def test_a_stream_never_shows_a_marker_it_later_removes(app, megrez, careless, chunk_chars):
    megrez.careless, megrez.chunk_chars = careless, chunk_chars
    events = stream(app, question=QUESTION)
    deltas = [data["text"] for name, data in events if name == "delta"]
    names = [name for name, _ in events]
    done = events[-1][1]
    # What was streamed is the answer: nothing shown was taken back or changed.
    assert "".join(deltas) == done["answer"]
    shown_markers = re.findall(r"\[\d+\]", "".join(deltas))
    assert shown_markers == [f"[{n}]" for claim in done["claims"] for n in claim["citations"]]
    for piece in deltas:
        assert piece.count("[") == piece.count("]")
    # The claims arrive as their own event before `done`, which carries them too.
    assert names[-2:] == ["claims", "done"] or names.index("claims") < names.index("done")
    claims = next(data for name, data in events if name == "claims")["claims"]
    assert claims == done["claims"] and claims
    if careless == ["unsupported"]:
        assert not shown_markers and claims[0]["support"] == "unsupported"
    else:
        assert shown_markers == [f"[{index_of(done, 'aurora-bridge')}]"]


def test_the_stream_sends_words_before_the_marker_is_checked(app, megrez):
    megrez.careless, megrez.chunk_chars = ["wrong_page"], 5
    events = stream(app, question=QUESTION)
    deltas = [data["text"] for name, data in events if name == "delta"]
    first_marker = next(k for k, piece in enumerate(deltas) if "[" in piece)
    assert first_marker > 1 and "The Aurora" in "".join(deltas[:first_marker])  # words went out first


def test_claims_of_every_search_round_point_into_the_joined_answer(app):
    body = ask(app, question="Where was the author of The Lantern Orchard born?")
    assert body["search_rounds"] == 2 and "\n\n" in body["answer"]  # the words before the second search stay
    assert len(body["claims"]) == 2
    for claim in body["claims"]:
        shown = body["answer"][claim["start"] : claim["end"]]
        assert shown == claim["text"] + "".join(f"[{n}]" for n in claim["citations"])
        assert claim["support"] == "supported"
    assert body["claims"][1]["start"] > body["answer"].index("\n\n")


def test_with_checks_off_the_markers_are_shown_as_the_model_wrote_them(local_web, megrez):
    megrez.careless = ["wrong_page"]
    with ServedApp(make_settings(local_web, megrez, verify=False)) as app:
        body = ask(app, question=QUESTION)
        events = stream(app, question=QUESTION)
        # nothing was checked: no claims event, and /metrics times and counts no check
        assert "claims" not in [name for name, _ in events] and events[-1][0] == "done"
        assert metric(app, "websearch_verify_duration_seconds_count") == 0 and metric(app, "websearch_claims_total") == 0
    metro = index_of(body, "veldmark-metro")
    assert body["answer"].endswith(f"[{metro}].") and body["claims"] == []  # the careless citation, unchecked


class TickingClock:
    """The claim checks' clock: each reading half a second after the last, so each check takes 0.5 s."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 0.5
        return self.now


def test_the_time_spent_checking_every_rounds_claims_is_the_time_metrics_shows(app, monkeypatch):
    monkeypatch.setattr(claim_checks, "time", TickingClock())
    body = ask(app, question="Where was the author of The Lantern Orchard born?")
    assert body["search_rounds"] == 2 and len(body["claims"]) == 2
    # one histogram sample for the answer: both rounds' checks, half a second each, in seconds
    assert metric(app, "websearch_verify_duration_seconds_count") == 1
    assert metric(app, "websearch_verify_duration_seconds_sum") == 1.0
