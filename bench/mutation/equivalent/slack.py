"""Equivalent mutants of the slack row."""

from __future__ import annotations

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("slack", "api/slack/bot.py", "SlackBot.__init__", "right operand dropped: settings.slack_api_url + '/'"):
        "slack_sdk's client adds the missing slash itself (tested: the base URL ends in '/' either way)",
    ("slack", "api/slack/bot.py", "SlackBot.__init__", "15 -> 16"): "the Web API client's timeout in seconds: no test waits 15 s",
    ("slack", "api/slack/bot.py", "SlackBot.__init__", "operand dropped: ''"):
        "Bolt reads a None signing secret as '' itself (and HTTP mode is never enabled without one)",
    ("slack", "api/slack/bot.py", "SlackBot.__init__", "False -> True"):
        "process_before_response: the listeners only start a task, so the ack is immediate either way",
    ("slack", "api/slack/bot.py", "SlackBot.__init__", "call removed: self.app.middleware(self._note_retries)"):
        "the retry middleware only logs",
    **{
        ("slack", "api/slack/bot.py", "SlackBot._spawn", description):
            "a delivery's channel:ts is as stable across Slack's retries and replicas as its event_id"
        for description in (
            "body.get('event_id') or f\"{event…nel')}:{event.get('ts')}\": Or -> And",
            "operand dropped: body.get('event_id')",
        )
    },
    ("slack", "api/slack/bot.py", "SlackBot._spawn", "operand dropped: f\"{event.get('channel')}:{event.get('ts')}\""):
        "Slack sends an event_id with every event (Events API and Socket Mode): the fallback is for hand-made ones",
    **{
        ("slack", "api/slack/bot.py", "SlackBot._spawn", description): "the in-process claims only forget old ids; the "
        "shared cache's SET NX still claims each event once (tested: a retried event is answered once)"
        for description in ("now - t: Sub -> Add", "right operand dropped: now - t", "now - t < EVENT_TTL_S: Lt -> LtE")
    },
    **{
        ("slack", "api/slack/bot.py", "SlackBot._spawn", f"operand dropped: {operand}"): "the team id is the same "
        "wherever it is read (envelope, authorizations, event): Slack sends all three (tested: the thread's conversation id)"
        for operand in ("body.get('team_id')", "context.team_id", "event.get('team')", "''")
    },
}
