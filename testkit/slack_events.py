"""Slack's side of the Events API as the bot meets it: signed event requests sent to the served app, and
waits on what the bot then posts to the fake Web API (testkit/slack_api.py)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time

import httpx

from testkit.settings import make_settings
from testkit.slack_api import BOT_USER_ID, TEAM_ID, FakeSlack

_ids = itertools.count(1)
_ts = itertools.count(1)


SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


TOKEN = "xoxb-test-token"


def slack_settings(local_web, megrez, slack, **overrides):
    return make_settings(
        local_web,
        megrez,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.base_url,
        api_keys=["k-only-for-the-rest-api"],  # Slack's route is signed, not keyed
        **overrides,
    )


def new_ts() -> str:
    return f"1710000000.{next(_ts):06d}"


def event_body(
    text: str,
    *,
    channel: str = "C0GENERAL",
    thread_ts: str | None = None,
    kind: str = "app_mention",
    event_id: str | None = None,
    ts: str | None = None,
) -> dict:
    event = {
        "type": kind,
        "user": "U0ASKER",
        "text": text,
        "ts": ts or new_ts(),
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
    }
    if kind == "message":
        event["channel_type"] = "im"
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "A0WEBSEARCH",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }


def signed_headers(raw: bytes, secret: str = SECRET, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(timestamp).encode() + b":" + raw
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/json",
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": signature,
    }


def send(app, body: dict, *, secret: str = SECRET, retry: int | None = None) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = signed_headers(raw, secret)
    if retry is not None:
        headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
    started = time.monotonic()
    response = httpx.post(f"{app.base_url}/slack/events", content=raw, headers=headers, timeout=10)
    response.elapsed_s = time.monotonic() - started
    return response


def status_posts(slack: FakeSlack, body: dict) -> list[dict]:
    event = body["event"]
    thread = event.get("thread_ts") or event["ts"]
    return [
        c
        for c in slack.calls_to("chat.postMessage", channel=event["channel"], thread_ts=thread)
        if c["response"]["ok"] and c["args"]["text"] in ("Searching…", "正在搜索…")
    ]


def answered(slack: FakeSlack, body: dict, messages: int = 1, before: int = 0) -> list[dict]:
    """Wait until the event's status message (the thread's `before`+1-th) has been replaced by the
    answer, and `messages` replies stand from it on; returns them."""
    event = body["event"]
    thread = event.get("thread_ts") or event["ts"]

    def done():
        posts = status_posts(slack, body)
        if len(posts) <= before:
            return None
        status_ts = posts[before]["response"]["ts"]
        if not any(c["response"]["ok"] for c in slack.calls_to("chat.update", ts=status_ts)):
            return None
        mine = [m for m in slack.thread(event["channel"], thread) if m["ts"] >= status_ts]
        return mine if len(mine) >= messages else None

    return slack.wait_for(done)


def settled(app, slack: FakeSlack) -> None:
    """Wait until the bot has dealt with everything sent to it so far, without sleeping: a later
    question (in a channel of its own) is sent and answered. Listeners run in the order their events
    arrived, so an event the bot was going to answer has posted its status message by then."""
    barrier = event_body(f"<@{BOT_USER_ID}> Hello!", channel="C0BARRIER")
    assert send(app, barrier).status_code == 200
    answered(slack, barrier)


def not_barrier(calls: list[dict]) -> list[dict]:
    return [c for c in calls if c["args"].get("channel") != "C0BARRIER"]


def all_text(message: dict) -> str:
    parts = [message["text"]]
    for block in message["blocks"]:
        if block["type"] == "section":
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts.extend(e["text"] for e in block["elements"])
    return "\n".join(parts)
