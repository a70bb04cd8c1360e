"""The Slack bot end to end: signed Events API requests in, a real fake of Slack's Web API out.

The app runs as served (uvicorn on loopback) with Bolt mounted at /slack/events; its `slack_sdk`
client talks to `testkit/slack_api.py`, which records every Web API call and refuses what
Slack refuses (blocks or text over the limits, updates of unknown messages).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.slack.bot import question_text
from api.slack.format import slack_messages, to_mrkdwn
from search.models import Source
from testkit.app_server import ServedApp
from testkit.slack_api import BOT_USER_ID, TEAM_ID, FakeSocketMode
from testkit.slack_events import SECRET, TOKEN, answered, event_body, not_barrier, send, settled, signed_headers, slack_settings, status_posts


@pytest.fixture
def bot(local_web, megrez, slack):
    with ServedApp(slack_settings(local_web, megrez, slack)) as app:
        yield app


def test_mention_gets_searching_then_the_cited_answer_in_its_thread(bot, slack):
    body = event_body(f"<@{BOT_USER_ID}> How much did the Aurora Bridge in Veldmark cost?")
    response = send(bot, body)
    assert response.status_code == 200
    assert response.elapsed_s < 3  # acknowledged at once; the work runs after

    (reply,) = answered(slack, body)
    event = body["event"]
    first_post = slack.calls_to("chat.postMessage", channel=event["channel"])[0]
    assert first_post["args"]["text"] == "Searching…"
    assert first_post["args"]["thread_ts"] == event["ts"]
    assert first_post["token"] == TOKEN

    section = reply["blocks"][0]["text"]["text"]
    assert "420 million" in section
    assert re.search(r"<http://127\.0\.0\.1:\d+/[^|>]*aurora-bridge[^|>]*\|\[\d+\]>", section), section
    assert "[citation" not in section
    context = next(b for b in reply["blocks"] if b["type"] == "context")
    listing = context["elements"][0]["text"]
    assert listing.startswith("*Sources*")
    assert re.search(r"\n\d+\. <http://127\.0\.0\.1:\d+/[^|>]*aurora-bridge[^|>]*\|[^>]+>", listing), listing
    assert "420 million" in reply["text"]  # the notification text too
    # auth.test once (Bolt caches it), no error anywhere
    assert all(c["response"]["ok"] for c in slack.calls)


def test_follow_up_in_the_thread_keeps_the_subject(bot, slack, megrez):
    first = event_body(f"<@{BOT_USER_ID}> When did the Aurora Bridge in Veldmark open?")
    send(bot, first)
    answered(slack, first)
    follow = event_body(f"<@{BOT_USER_ID}> And how much did it cost?", thread_ts=first["event"]["ts"])
    send(bot, follow)
    replies = answered(slack, follow, before=1)
    assert "420 million" in replies[-1]["blocks"][0]["text"]["text"]
    # stored as the thread's conversation…
    cid = f"slack:{TEAM_ID}:{first['event']['channel']}:{first['event']['ts']}"
    turns = asyncio.run(bot.app.state.engine.deps.store.get(cid))  # the in-process store: no loop of its own
    assert [t.question for t in turns] == [
        "When did the Aurora Bridge in Veldmark open?",
        "And how much did it cost?",
    ]
    # …which an API key, knowing the thread's id, cannot read through the REST API
    stored = httpx.get(
        f"{bot.base_url}/v1/conversations/{cid}", headers={"Authorization": "Bearer k-only-for-the-rest-api"}
    )
    assert stored.status_code == 404


def test_direct_message_is_answered(bot, slack):
    body = event_body("What is the energy density of the Zephyr-9 battery?", channel="D0DIRECT", kind="message")
    send(bot, body)
    (reply,) = answered(slack, body)
    assert "412 Wh/kg" in reply["blocks"][0]["text"]["text"]


def test_bot_messages_and_edits_in_dms_are_not_questions(bot, slack):
    own = event_body("Searching…", channel="D0DIRECT", kind="message")
    own["event"]["bot_id"] = "B0OTHER"
    edit = event_body("edited", channel="D0DIRECT", kind="message")
    edit["event"]["subtype"] = "message_changed"
    # a plain channel message (no mention) is not a question to the bot: only DMs and mentions are
    chatter = event_body("How much did the Aurora Bridge in Veldmark cost?", channel="C0GENERAL", kind="message")
    chatter["event"]["channel_type"] = "channel"
    for body in (own, edit, chatter):
        assert send(bot, body).status_code == 200
    settled(bot, slack)
    assert not not_barrier(slack.calls_to("chat.postMessage"))


def test_another_bots_mention_is_not_answered(bot, slack, megrez):
    """Two bots that answer each other's mentions loop forever: a mention from a bot is ignored."""
    body = event_body(f"<@{BOT_USER_ID}> How much did the Aurora Bridge in Veldmark cost?", channel="C0BOTS")
    body["event"]["bot_id"] = "B0OTHER"
    body["event"]["user"] = "U0OTHERBOT"
    assert send(bot, body).status_code == 200
    settled(bot, slack)
    assert not slack.calls_to("chat.postMessage", channel="C0BOTS")
    assert not slack.calls_to("chat.update", channel="C0BOTS")
    assert "Aurora" not in json.dumps([r["body"] for r in megrez.requests])  # the model was never asked


def test_a_retried_event_is_not_answered_twice(bot, slack):
    body = event_body(f"<@{BOT_USER_ID}> How much did the Aurora Bridge in Veldmark cost?")
    send(bot, body)
    answered(slack, body)
    retry = send(bot, body, retry=1)
    assert retry.status_code == 200
    settled(bot, slack)
    posts = slack.calls_to("chat.postMessage", thread_ts=body["event"]["ts"])
    assert len(posts) == 1


def test_replicas_sharing_redis_answer_an_event_once(local_web, megrez, slack, redis_url):
    settings = slack_settings(local_web, megrez, slack, redis_url=redis_url)
    with ServedApp(settings) as one, ServedApp(settings) as two:
        body = event_body(f"<@{BOT_USER_ID}> How much did the Aurora Bridge in Veldmark cost?")
        send(one, body)
        answered(slack, body)
        assert send(two, body, retry=1).status_code == 200  # Slack's retry lands on the other replica
        settled(two, slack)
    assert len(status_posts(slack, body)) == 1


def test_a_long_answer_is_split_within_slacks_limits(local_web, megrez, slack):
    # Every sentence its own (one said twice is a loop, which the service stops: agent/reply.py).
    paragraphs = [
        f"Paragraph {i:03d}. " + "".join(f"The bridge spans the Veldmark river at mark {i}-{j}. " for j in range(50))
        for i in range(40)
    ]
    long_answer = "\n\n".join(paragraphs)  # about 90,000 characters
    megrez.script = [long_answer]
    megrez.chunk_chars = 4000
    settings = slack_settings(local_web, megrez, slack, decide_max_tokens=40000, llm_context_tokens=60000)
    megrez.max_model_len = 100000
    with ServedApp(settings) as app:
        body = event_body(f"<@{BOT_USER_ID}> Hello there!")
        send(app, body)
        replies = answered(slack, body, messages=3)
    assert len(replies) >= 3
    for reply in replies:
        assert len(reply["blocks"]) <= 50 and len(reply["text"]) <= 40000
        assert all(len(b["text"]["text"]) <= 3000 for b in reply["blocks"] if b["type"] == "section")
    shown = "\n".join(b["text"]["text"] for r in replies for b in r["blocks"])
    assert [int(n) for n in re.findall(r"Paragraph (\d{3})\.", shown)] == list(range(40))
    assert all(c["response"]["ok"] for c in slack.calls)


def test_a_chinese_mention_gets_chinese_status_text(bot, slack):
    body = event_body(f"<@{BOT_USER_ID}> 青川大桥的总投资是多少？")
    send(bot, body)
    (reply,) = answered(slack, body)
    assert slack.calls_to("chat.postMessage", thread_ts=body["event"]["ts"])[0]["args"]["text"] == "正在搜索…"
    assert "56" in reply["blocks"][0]["text"]["text"]
    assert any(b["type"] == "context" and "*来源*" in b["elements"][0]["text"] for b in reply["blocks"])


def test_a_model_failure_is_a_short_message_in_the_thread(bot, slack, megrez):
    megrez.fail_with = 500
    body = event_body(f"<@{BOT_USER_ID}> How much did the Aurora Bridge in Veldmark cost?")
    send(bot, body)
    (reply,) = answered(slack, body)
    assert reply["text"].startswith(":warning:")
    assert "Traceback" not in reply["text"] and len(reply["text"]) < 200
    assert "127.0.0.1" not in reply["text"]  # no internal addresses shown to users
    assert reply["blocks"] == []


def test_a_wrong_signature_is_401_and_nothing_is_posted(bot, slack):
    body = event_body(f"<@{BOT_USER_ID}> How much did the Aurora Bridge in Veldmark cost?")
    assert send(bot, body, secret="not-the-secret").status_code == 401
    raw = json.dumps(body).encode()
    stale = signed_headers(raw, timestamp=int(time.time()) - 3600)  # a replayed request
    assert httpx.post(f"{bot.base_url}/slack/events", content=raw, headers=stale).status_code == 401
    unsigned = httpx.post(f"{bot.base_url}/slack/events", content=raw, headers={"content-type": "application/json"})
    assert unsigned.status_code == 401
    settled(bot, slack)
    assert not not_barrier(slack.calls_to("chat.postMessage"))


def test_url_verification_is_answered(bot):
    body = {
        "token": "x",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    response = send(bot, body)
    assert response.status_code == 200
    assert response.json() == {"challenge": body["challenge"]}


def test_slack_route_is_absent_without_its_settings(app):
    assert httpx.post(f"{app.base_url}/slack/events", json={}).status_code == 404


def test_http_mode_needs_both_the_bot_token_and_the_signing_secret():
    from fastapi.testclient import TestClient

    from agent.settings import Settings
    from api.app import create_app
    from api.slack.bot import SlackBot

    def settings(**values):
        return Settings(_env_file=None, **values)

    def unsigned_event(**values) -> int:
        client = TestClient(create_app(settings(**values)), base_url="http://127.0.0.1")  # a Host the app accepts
        return client.post("/slack/events", json={}).status_code

    assert unsigned_event(slack_bot_token=TOKEN, slack_signing_secret=SECRET) == 401  # served, and checked
    assert unsigned_event(slack_bot_token=TOKEN) == 404  # unsigned events must never be accepted
    assert unsigned_event(slack_signing_secret=SECRET) == 404
    assert unsigned_event() == 404
    with pytest.raises(ValueError, match="WEBSEARCH_SLACK_BOT_TOKEN"):
        SlackBot(settings(slack_signing_secret=SECRET), lambda: None)
    # the Web API base URL works with or without its trailing slash (methods are joined onto it)
    for url in ("http://127.0.0.1:9/api", "http://127.0.0.1:9/api/"):
        bot = SlackBot(settings(slack_bot_token=TOKEN, slack_api_url=url), lambda: None, http_mode=False)
        assert bot.client.base_url == "http://127.0.0.1:9/api/"


def test_question_text_drops_slack_markup():
    assert question_text(
        f"<@{BOT_USER_ID}> what is on <https://example.com/a?b=1&amp;c=2|example> &amp; <#C1|general>?"
    ) == ("what is on example & #general?")


def test_markdown_becomes_mrkdwn_with_linked_citations():
    urls = {1: "http://h/aurora-bridge.html", 2: "http://h/b"}
    text = to_mrkdwn(
        "## Cost\nThe **Aurora Bridge** cost *$420 million* [1][2], see [the report](http://r/x?a=1&b=2).\n- a < b",
        urls,
    )
    assert text.splitlines() == [
        "*Cost*",
        "The *Aurora Bridge* cost _$420 million_ <http://h/aurora-bridge.html|[1]><http://h/b|[2]>, "
        "see the report.",  # not a source: its label only (issue 17)
        "• a &lt; b",
    ]
    messages = slack_messages(
        "Cost [2].", [Source(index=1, url="http://a", title="A"), Source(index=2, url="http://b", title="B")]
    )
    assert messages[0].blocks[-1]["elements"][0]["text"] == "*Sources*\n2. <http://b|B>"  # the cited ones only


def test_socket_mode_cli_answers_a_mention(local_web, megrez, slack):
    env = {
        **os.environ,
        "WEBSEARCH_LLM_BASE_URL": megrez.base_url,
        "WEBSEARCH_SEARCH_PROVIDER": "searxng",
        "WEBSEARCH_SEARXNG_URL": local_web.searxng_url,
        "WEBSEARCH_FETCH_ALLOW_HOSTS": local_web.host_port,
        "WEBSEARCH_SLACK_BOT_TOKEN": TOKEN,
        "WEBSEARCH_SLACK_APP_TOKEN": slack.app_token,
        "WEBSEARCH_SLACK_API_URL": slack.base_url,
    }
    env.pop("WEBSEARCH_SLACK_SIGNING_SECRET", None)
    with FakeSocketMode(slack) as socket:
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli.main", "slack", "--log-level", "warning"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert socket.connected.wait(30), proc.stderr.read() if proc.poll() is not None else "no connection"
            body = event_body(f"<@{BOT_USER_ID}> How much did the Aurora Bridge in Veldmark cost?")
            envelope = socket.push(body)
            (reply,) = answered(slack, body)
            assert "420 million" in reply["blocks"][0]["text"]["text"]
            assert any(ack["envelope_id"] == envelope for ack in socket.acks)
            socket.push(body, retry_attempt=1)  # redelivered: acknowledged, not answered again
            slack.wait_for(lambda: len(socket.acks) >= 2)
            barrier = event_body(f"<@{BOT_USER_ID}> Hello!", channel="C0BARRIER")  # handled after the retry
            socket.push(barrier)
            answered(slack, barrier)
            assert len(status_posts(slack, body)) == 1
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                out, err = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_socket_mode_without_an_app_token_says_so_in_one_line():
    env = {**os.environ, "WEBSEARCH_SLACK_BOT_TOKEN": TOKEN}
    env.pop("WEBSEARCH_SLACK_APP_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "api.cli.main", "slack"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "WEBSEARCH_SLACK_APP_TOKEN" in done.stderr and "xapp-" in done.stderr


def test_manifest_asks_for_what_the_bot_uses():
    manifest = (Path(__file__).parents[3] / "deploy" / "slack-manifest.yaml").read_text()
    for needed in (
        "app_mentions:read",
        "chat:write",
        "im:history",
        "im:read",
        "- app_mention",
        "- message.im",
        "request_url: https://",
        "/slack/events",
        "# socket_mode_enabled: true",
    ):
        assert needed in manifest, needed


def test_an_answer_still_in_flight_at_shutdown_is_posted_before_the_server_stops(local_web, megrez, slack):
    """Slack's event was acknowledged long before the answer is ready: a shutdown in between (a
    deploy) waits for the answer rather than leave the thread at "Searching…" forever."""
    megrez.delay_s = 1.0  # the model takes its time
    with ServedApp(slack_settings(local_web, megrez, slack)) as served:
        body = event_body(f"<@{BOT_USER_ID}> How much did the Aurora Bridge in Veldmark cost?")
        assert send(served, body).status_code == 200
        slack.wait_for(lambda: status_posts(slack, body) or None)
    (reply,) = answered(slack, body)  # the server has stopped: the answer was posted on the way out
    assert "420 million" in reply["text"]
    assert served.app.state.slack_bot.answers_in_flight == 0, "a finished answer's task is not kept forever"


def test_the_status_message_follows_a_second_search_round(bot, slack):
    body = event_body(f"<@{BOT_USER_ID}> Where was the author of The Lantern Orchard born?")
    assert send(bot, body).status_code == 200
    (status,) = slack.wait_for(lambda: status_posts(slack, body))
    status_ts = status["response"]["ts"]

    def answer_shown():
        texts = [c["args"]["text"] for c in slack.calls_to("chat.update", ts=status_ts) if c["response"]["ok"]]
        return texts if any("Kessel Point" in t for t in texts) else None

    texts = slack.wait_for(answer_shown)
    assert texts[0] == "Searching again for “Ilse Varga birthplace”…"  # the progress, then the answer
    assert "Ilse Varga" in texts[-1] and "Kessel Point" in texts[-1]
