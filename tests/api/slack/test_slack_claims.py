"""Slack: a sentence no read source supports is marked so in the thread (its marker removed)."""

from __future__ import annotations

import pytest

from agent.state import Claim
from api.slack.format import mark_unsupported, slack_messages
from search.models import Source
from testkit.app_server import ServedApp
from testkit.slack_api import BOT_USER_ID
from testkit.slack_events import all_text, answered, event_body, send, slack_settings


@pytest.mark.parametrize(
    "question, unsupported, note",
    [
        ("How much did the Aurora Bridge in Veldmark cost?", "427 million euros", "_(unsupported: no source found for this)_"),
        ("青川大桥的总投资是多少？", "63 亿元", "_（未找到支持这句话的来源）_"),
    ],
)
def test_an_unsupported_sentence_is_marked_in_the_thread(local_web, megrez, slack, question, unsupported, note):
    megrez.careless = ["unsupported"]
    with ServedApp(slack_settings(local_web, megrez, slack)) as bot:
        body = event_body(f"<@{BOT_USER_ID}> {question}")
        assert send(bot, body).status_code == 200
        (reply,) = answered(slack, body)
    text = all_text(reply)
    assert unsupported in text and note in text
    assert "|[" not in text  # no citation link on it


def test_only_unsupported_claims_are_marked_and_the_markers_stay_linked():
    answer = "It cost 420 million[1]. It was designed by Brekke."
    claims = [
        Claim(text="It cost 420 million", start=0, end=22, citations=[1], support="supported"),
        Claim(text="It was designed by Brekke", start=24, end=49, citations=[], support="unsupported"),
    ]
    marked = mark_unsupported(answer, claims, "_(unsupported)_")
    assert marked == "It cost 420 million[1]. It was designed by Brekke _(unsupported)_."
    (message,) = slack_messages(marked, [Source(index=1, url="http://a", title="A")])
    assert message.blocks[0]["text"]["text"] == "It cost 420 million<http://a|[1]>. It was designed by Brekke _(unsupported)_."
