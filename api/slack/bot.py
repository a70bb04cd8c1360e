"""Slack: the bot answers @mentions in channels and direct messages, in a thread, with cited sources.

Two ways in, one bot (Bolt, async):
- HTTP mode: Slack's Events API posts to `POST /slack/events` on the service itself. Mounted only
  when `WEBSEARCH_SLACK_BOT_TOKEN` and `WEBSEARCH_SLACK_SIGNING_SECRET` are set; Bolt checks each
  request's signature (a wrong one is a 401) and answers `url_verification`. Slack signs its
  requests, so this route needs no API key.
- Socket Mode: `websearch slack` (needs `WEBSEARCH_SLACK_APP_TOKEN`, an `xapp-…` token): no public
  URL, the process opens a WebSocket to Slack. Same handlers.

What a user sees: the mention (or DM) gets a reply in its thread — at once a "Searching…" message
("正在搜索…" for a Chinese question), then that message is replaced (`chat.update`) by the answer in
mrkdwn, each `[n]` a link to its source, and the cited sources listed below it. An answer longer
than one message (Block Kit limits, see `api/slack/format.py`) continues in the thread. A thread is
one conversation (`slack:{team}:{channel}:{thread_ts}` in the store), so a follow-up in the thread
("and how much did it cost?") is asked with the earlier turns. A failure is one short line in the
thread, never a traceback.

Slack wants an answer within 3 seconds and retries otherwise: Bolt acknowledges at once and the
work runs in a task of its own. Each event id is claimed once (in the service's cache: Redis when
configured, so N replicas share it); a retry (`X-Slack-Retry-Num`) of an event already claimed is
acknowledged and dropped, while one whose first delivery never arrived is still answered.

The Web API base URL is `WEBSEARCH_SLACK_API_URL` (tests point it at a local fake).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from typing import Any, Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent.engine import Engine
from agent.events import Event, Stage, Status
from agent.settings import Settings
from agent.state import AgentInput, AgentOutput
from api import errors, limits
from api.conversations import slack_thread
from api.errors import APIError
from api.slack.format import SlackMessage, mark_unsupported, slack_messages
from core.errors import ErrorKind
from core.language import detect_language
from search.providers import LABELS

log = logging.getLogger("websearch.slack")

EVENT_TTL_S = 3600  # Slack retries for about an hour at most
TEXT = {
    "en": {
        "status": "Searching…",
        "again": "Searching again for “{query}”…",
        "sources": "Sources",
        "unsupported": "_(unsupported: no source found for this)_",
        "empty": "Ask me a question — for example: _@websearch When did the James Webb telescope launch?_",
        "no_answer": "I could not write an answer to that. Please try rephrasing the question.",
        "too_long": "That question is too long for me: please ask it in fewer words.",
        "error": ":warning: Sorry, I could not answer that: {reason}. Please try again in a moment. (`{code}`)",
        "llm": "the language model is unavailable",
        "slow": "the language model took too long",
        "search": "web search is unavailable",
        "store": "the conversation store is unavailable",
        "slack": "Slack refused the reply",
        "other": "something went wrong",
        "rate_limited": "{name} is rate-limiting",
        "failed": "{name} is unavailable",
        "notice": "{passed}; searched with {name}",
        "sep": ", ",
    },
    "zh": {
        "status": "正在搜索…",
        "again": "正在再次搜索“{query}”…",
        "sources": "来源",
        "unsupported": "_（未找到支持这句话的来源）_",
        "empty": "请直接提问，例如：_@websearch 詹姆斯·韦布望远镜是什么时候发射的？_",
        "no_answer": "没能写出回答，请换个说法再问一次。",
        "too_long": "问题太长了，请用更短的话再问一次。",
        "error": ":warning: 抱歉，无法回答：{reason}。请稍后再试。（`{code}`）",
        "llm": "语言模型暂时不可用",
        "slow": "语言模型响应超时",
        "search": "网页搜索暂时不可用",
        "store": "会话存储暂时不可用",
        "slack": "Slack 拒绝了回复",
        "other": "服务出现错误",
        "rate_limited": "{name} 正在限流",
        "failed": "{name} 暂时不可用",
        "notice": "{passed}；已改用 {name} 搜索",
        "sep": "，",
    },
}

_USER_MENTION_RE = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_CHANNEL_RE = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")
_SPECIAL_RE = re.compile(r"<![^>]*>")
_LINK_RE = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")


def question_text(text: str) -> str:
    """The question in a message: mentions dropped, Slack's markup and escapes undone."""
    text = _USER_MENTION_RE.sub(" ", text or "")
    text = _CHANNEL_RE.sub(lambda m: "#" + m.group(1), text)
    text = _SPECIAL_RE.sub(" ", text)
    text = _LINK_RE.sub(lambda m: m.group(2) or m.group(1), text)
    return re.sub(r"[ \t]+", " ", html.unescape(text)).strip()


def error_text(exc: BaseException, language: str) -> str:
    words = TEXT[language]
    if isinstance(exc, SlackApiError):
        code = str(exc.response.get("error", "slack_error"))
        log.warning("Slack API error: %s", code)
        return words["error"].format(reason=words["slack"], code=code)
    _, code, _ = errors.describe(exc)  # logs what it does not know, traceback included
    kind, part = errors.kind_of(exc), errors.part_of(exc)
    if kind is ErrorKind.TIMEOUT:
        reason = words["slow"]
    elif part is errors.Part.MODEL and kind is ErrorKind.UNAVAILABLE:  # a too-long prompt is not an outage
        reason = words["llm"]
    elif part is errors.Part.SEARCH:
        reason = words["search"]
    elif part is errors.Part.STORE:
        reason = words["store"]
    else:
        reason = words["other"]
    return words["error"].format(reason=reason, code=code)


def provider_label(provider: str, language: str) -> str:
    if provider == "local" and language == "zh":
        return "本地索引"
    return LABELS.get(provider, provider)


def fallback_notice(output: AgentOutput, language: str) -> str | None:
    """"DuckDuckGo is rate-limiting; searched with Brave" when a fallback provider answered; else None."""
    words = TEXT[language]
    passed = [p for p in output.search_fallback if p.provider != output.search_provider]
    if not output.search_provider or not passed:
        return None
    parts = [words[p.reason].format(name=provider_label(p.provider, language)) for p in passed]
    return words["notice"].format(passed=words["sep"].join(parts), name=provider_label(output.search_provider, language))


class SlackBot:
    """The Bolt app and what it does with an event; `engine()` gives the engine that answers (the
    app's, opened by its lifespan after the bot was made; Socket Mode's own)."""

    handler: Any = None  # the FastAPI adapter, in HTTP mode

    def __init__(self, settings: Settings, engine: Callable[[], Engine], *, http_mode: bool = True):
        if not settings.slack_bot_token:
            raise ValueError("WEBSEARCH_SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
        base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
        self.settings = settings
        self._engine = engine
        self._tasks: set[asyncio.Task] = set()
        self._claimed: dict[str, float] = {}  # event ids this process has taken, for the race within it
        self.client = AsyncWebClient(token=settings.slack_bot_token, base_url=base_url, timeout=15)
        self.app = AsyncApp(
            name="megrez-websearch",
            client=self.client,
            signing_secret=settings.slack_signing_secret or "",
            request_verification_enabled=http_mode,
            process_before_response=False,  # ack first; the listener runs after the response
            logger=logging.getLogger("websearch.slack.bolt"),
        )
        self.app.middleware(self._note_retries)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("message")(self._on_message)

    # -- events ------------------------------------------------------------------------------------
    async def _note_retries(self, req, resp, next):  # noqa: A002 — Bolt's middleware signature
        retry = (req.headers.get("x-slack-retry-num") or [None])[0]
        if retry:
            reason = (req.headers.get("x-slack-retry-reason") or ["?"])[0]
            log.info("Slack retry %s (%s) of event %s", retry, reason, req.body.get("event_id"))
        return await next()

    async def _on_mention(self, body: dict, event: dict, context: AsyncBoltContext) -> None:
        if event.get("bot_id"):
            return  # another bot mentioning us: no bot-to-bot loops
        self._spawn(body, event, context)

    async def _on_message(self, body: dict, event: dict, context: AsyncBoltContext) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # only people's own messages in DMs (edits, joins and bot posts are not questions)
        self._spawn(body, event, context)

    def _spawn(self, body: dict, event: dict, context: AsyncBoltContext) -> None:
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        now = time.monotonic()
        if event_id in self._claimed:
            log.info("event %s already taken: not answered again", event_id)
            return
        self._claimed = {k: t for k, t in self._claimed.items() if now - t < EVENT_TTL_S}
        self._claimed[event_id] = now
        team = body.get("team_id") or context.team_id or event.get("team") or ""
        task = asyncio.create_task(self.answer(event_id, team, event))
        self._tasks.add(task)  # a strong reference until it is done
        task.add_done_callback(self._tasks.discard)

    async def _claim(self, engine: Engine, event_id: str) -> bool:
        """Across replicas: the one whose SET NX wins answers the event (a failing cache = answer)."""
        return await engine.deps.cache.add(f"ws:slack:event:{event_id}", b"1", EVENT_TTL_S)

    # -- answering -----------------------------------------------------------------------------------
    async def answer(self, event_id: str, team: str, event: dict) -> None:
        channel = event["channel"]
        thread_ts = event.get("thread_ts") or event["ts"]
        raw = event.get("text") or ""
        # The same caps as every surface (api/limits.py), the length first: nothing long is parsed.
        too_long = len(raw) > self.settings.max_message_chars
        question = question_text(raw[: self.settings.max_message_chars])
        language = detect_language(question) if question else "en"
        words = TEXT[language]
        status_ts: str | None = None
        try:
            engine = self._engine()
            if not await self._claim(engine, event_id):
                log.info("event %s already answered elsewhere", event_id)
                return
            if not question:
                await self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=words["empty"])
                return
            try:
                if too_long:
                    raise APIError(422, "invalid_request", "question: is too long")
                limits.check_question(question, self.settings)
            except APIError:
                await self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=words["too_long"])
                return
            posted = await self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=words["status"])
            status_ts = posted["ts"]
            agent_in = AgentInput(question=question, conversation_id=slack_thread(team, channel, thread_ts))
            output = await self._run(engine, agent_in, channel, status_ts, words)
            await self._post_answer(channel, thread_ts, status_ts, output, language)
        except Exception as exc:  # noqa: BLE001 — one short line in the thread, the details in the log
            await self._post_error(channel, thread_ts, status_ts, error_text(exc, language))

    async def _run(
        self, engine: Engine, agent_in: AgentInput, channel: str, status_ts: str, words: dict[str, str]
    ) -> AgentOutput:
        """The answer (the default depth); the status message follows each further search round."""

        async def progress(item: Event) -> None:
            if isinstance(item, Status) and item.stage is Stage.SEARCHING and item.round > 1:
                text = words["again"].format(query=" · ".join(item.queries))
                try:
                    await self.client.chat_update(channel=channel, ts=status_ts, text=text, blocks=[])
                except Exception as exc:  # noqa: BLE001 — progress is a courtesy: never costs the answer
                    log.warning("progress update not shown: %r", exc)

        return await engine.answer(agent_in, on_event=progress)

    async def _post_answer(
        self, channel: str, thread_ts: str, status_ts: str, output: AgentOutput, language: str
    ) -> None:
        words = TEXT[language]
        answer = mark_unsupported(output.answer, output.claims, words["unsupported"]).strip() or words["no_answer"]
        messages: list[SlackMessage] = slack_messages(
            answer,
            output.sources,
            sources_heading=words["sources"],
            base_url=self.settings.public_url,
            notice=fallback_notice(output, language),
        )
        first, *rest = messages
        await self.client.chat_update(channel=channel, ts=status_ts, text=first.text, blocks=first.blocks)
        for message in rest:
            await self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )

    async def _post_error(self, channel: str, thread_ts: str, status_ts: str | None, text: str) -> None:
        try:
            if status_ts:
                await self.client.chat_update(channel=channel, ts=status_ts, text=text, blocks=[])
            else:
                await self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)
        except Exception as exc:  # noqa: BLE001 — Slack itself is unreachable: only the log is left
            log.warning("could not post the error to Slack: %s", exc)

    @property
    def answers_in_flight(self) -> int:
        """Answers being written now (each one's task is dropped once it is posted)."""
        return len(self._tasks)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for the answers in flight (at shutdown)."""
        if self._tasks:
            log.info("shutting down: waiting up to %gs for %d Slack answer(s)", timeout, self.answers_in_flight)
            await asyncio.wait(set(self._tasks), timeout=timeout)


# --- HTTP mode -------------------------------------------------------------------------------------

router = APIRouter(tags=["slack"])


def bot_for(app: FastAPI) -> SlackBot:
    """The app's bot, made on first use (no await in here: one bot per app)."""
    bot = getattr(app.state, "slack_bot", None)
    if bot is None:
        from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

        bot = SlackBot(app.state.settings, lambda: app.state.engine)
        bot.handler = AsyncSlackRequestHandler(bot.app)
        app.state.slack_bot = bot
    return bot


@router.post("/slack/events", include_in_schema=False)
async def slack_events(request: Request):
    """Slack's Events API (HTTP mode): signature checked, acknowledged at once, answered in the thread."""
    timestamp = request.headers.get("x-slack-request-timestamp")
    if timestamp is not None and not timestamp.strip().isdigit():  # Bolt would fail on int() with a 500
        return errors.error_response(401, "invalid_signature", "X-Slack-Request-Timestamp is not a number")
    return await bot_for(request.app).handler.handle(request)


# --- Socket Mode (`websearch slack`) ---------------------------------------------------------------


async def run_socket_mode(settings: Settings, *, ready: Callable[[], Awaitable[None]] | None = None) -> None:
    """Connect to Slack over Socket Mode and answer until interrupted."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    if not settings.slack_bot_token:
        raise ValueError("WEBSEARCH_SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) from the Slack app's OAuth page")
    if not settings.slack_app_token:
        raise ValueError(
            "WEBSEARCH_SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) with connections:write"
        )
    engine = await Engine.open(settings)
    bot = SlackBot(settings, lambda: engine, http_mode=False)
    handler = AsyncSocketModeHandler(bot.app, settings.slack_app_token)
    try:
        await handler.connect_async()
        log.info("connected to Slack over Socket Mode")
        if ready is not None:
            await ready()
        await asyncio.Event().wait()  # until cancelled (Ctrl-C)
    finally:
        await handler.close_async()
        await bot.drain()
        await engine.aclose()


__all__ = ["SlackBot", "router", "bot_for", "run_socket_mode", "question_text"]
