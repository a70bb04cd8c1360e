"""Conversations, for every surface: whose they are, which one a request continues, and Slack's threads.

- Scope: a conversation's store key is `scope + conversation id`, the scope naming the caller's API
  key ("" on an open server), so an id someone else learns (another key's, a Slack thread's)
  reaches nothing of theirs.
- Ids are the server's to make: a new conversation gets an unguessable one (`new_key`); one a
  client continues must name something stored (`continued`), else it is a 404, so nobody can plant
  a conversation under an id they choose.
- A Slack thread (`slack:{team}:{channel}:{thread_ts}`) is reachable over the API only where the
  operator opted in (`WEBSEARCH_SLACK_THREADS_OVER_REST`): anyone who sees a thread could read it.
  `reachable` is that rule, written once and run once a request.

The surfaces with their own way to name a conversation (OpenAI's transcript hash,
`api/openai_compat/conversation.py`; the Responses API's response ids) use the same scope.
"""

from __future__ import annotations

import uuid

from fastapi import Request

from agent.engine import Engine
from agent.settings import Settings
from api.auth import key_digest, presented_key
from api.errors import APIError

CONVERSATION_ID = r"^[A-Za-z0-9_.:-]{1,128}$"  # what a client may send as a conversation id, on every surface
SLACK_PREFIX = "slack:"


def key_scope(keys: list[str], key: str | None) -> str:
    """The store-key prefix of the caller holding `key` ("" when the server has no keys)."""
    if not keys:
        return ""
    return "k" + key_digest(key) + ":"


def request_scope(request: Request) -> str:
    """The scope of an HTTP request's caller (its API key)."""
    return key_scope(request.app.state.settings.api_keys, presented_key(request))


def slack_thread(team: str, channel: str, thread_ts: str) -> str:
    """One Slack thread, one conversation (fits `CONVERSATION_ID`)."""
    return f"{SLACK_PREFIX}{team or 'T'}:{channel}:{thread_ts}"


def new_key(scope: str) -> str:
    """The store key of a new conversation: an id from the server, unguessable."""
    return scope + uuid.uuid4().hex


def reachable(settings: Settings, scope: str, conversation_id: str) -> str:
    """The store key of a conversation id a client named; a Slack thread's is a 404 unless opted in."""
    if conversation_id.startswith(SLACK_PREFIX) and not settings.slack_threads_over_rest:
        raise APIError(404, "conversation_not_found", f"no conversation {conversation_id!r}")
    return scope + conversation_id


async def continued(engine: Engine, scope: str, conversation_id: str) -> str:
    """The store key of a stored conversation the caller continues (REST, OpenAI, MCP); one that
    names nothing stored (or expired) is a 404."""
    key = reachable(engine.settings, scope, conversation_id)
    if not await engine.deps.store.exists(key):
        raise APIError(
            404, "conversation_not_found", f"no conversation {conversation_id!r} (it may have expired; omit the id to start one)"
        )
    return key
