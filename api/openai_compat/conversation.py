"""Conversations over `/v1/chat/completions`: which stored conversation a request continues, and
where its turn is filed afterwards.

The last message must be the user's question; earlier user/assistant messages are the conversation
so far (system messages are ignored: the service's prompts are fixed, which keeps vLLM's prefix
cache warm). A client that resends the whole history, as OpenAI clients do, gets its follow-up
resolved without sending any id: after each answer the service files the conversation under a hash
of the transcript the client will send next time (`oai-<sha256>`), so the next request finds the
exact earlier turns, search calls included. The hash covers the caller too (its API key when keys
are configured, and OpenAI's `user` field), so two callers never share an entry. A transcript the
service has never seen (an edited history, another server's answers, an expired entry) is taken from
the messages as given. An explicit `conversation_id` (extra body field) works like `POST /v1/answer`'s
instead: it must name a stored conversation (the server makes ids), whose stored turns are then the
history. Either way the response names the conversation in a top-level `conversation_id`.
"""

from __future__ import annotations

import hashlib
import json
import uuid

import anyio
from fastapi import FastAPI, Request

from agent.state import Turn
from agent.citations import strip_markers
from api.auth import key_digest, presented_key
from api.openai_compat.schemas import ChatCompletionRequest


def conversation_key(transcript: list[tuple[str, str]], namespace: str = "") -> str:
    """The id a conversation is filed under: a hash of its user/assistant messages, as the client
    sends them, within `namespace` (the caller's API key and `user`, when there are any)."""
    canonical = json.dumps(
        [namespace, *([role, text.strip()] for role, text in transcript)], ensure_ascii=False, separators=(",", ":")
    )
    return "oai-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def caller_namespace(request: Request, body: ChatCompletionRequest) -> str:
    """Two callers with the same transcript never share a stored conversation: key and `user` apart."""
    parts = []
    if request.app.state.settings.api_keys:  # an open server has no key to tell callers apart
        parts.append(key_digest(presented_key(request)))
    if body.user:
        parts.append(body.user)
    return "\x1f".join(parts)


def turns_from_messages(transcript: list[tuple[str, str]]) -> list[Turn]:
    """Earlier turns as the client gave them: each user message with the assistant reply after it."""
    turns: list[Turn] = []
    for role, text in transcript:
        if role == "user":
            if turns and not turns[-1].answer:  # two questions in a row: keep them together
                turns[-1].question += "\n" + text
            else:
                turns.append(Turn(question=text, answer="", model_answer=""))
        elif turns and not turns[-1].answer and text:
            # markers would point at sources the model cannot see again: drop them
            turns[-1].answer = text
            turns[-1].model_answer = strip_markers(text)
    return [t for t in turns if t.question]


class Conversation:
    """Where one request's turn is read from and filed to (see the module docstring)."""

    def __init__(self, app: FastAPI, body: ChatCompletionRequest, namespace: str = "", explicit_key: str | None = None):
        self.store = app.state.engine.deps.store
        self.namespace = namespace
        self.keep = max(app.state.settings.history_turns, 1)
        self.body = body
        # An explicit id names a stored conversation (checked by the caller, like /v1/answer's: the
        # server makes ids); its store key, scoped to the caller's API key.
        self.explicit = explicit_key
        self.run_id = self.explicit or f"oai-run-{uuid.uuid4().hex}"
        self.history: list[Turn] = []
        self.loaded_from: str | None = None  # the entry this request's history came from

    async def prepare(self) -> str:
        """Put the earlier turns where the graph will load them; returns the id to run under."""
        transcript = self.body.transcript
        if self.explicit:
            # The stored turns are the history: the client's messages never become turns in a
            # conversation it names (no forged assistant turns in anyone's thread).
            return self.explicit
        if transcript:
            key = conversation_key(transcript, self.namespace)
            self.history = await self.store.get(key)
            if self.history:
                self.loaded_from = key
            else:
                self.history = turns_from_messages(transcript)
        for turn in self.history[-self.keep :]:
            await self.store.append(self.run_id, turn)
        return self.run_id

    async def file(self, answer: str) -> str:
        """File the finished conversation under the key the client's next request will hash to."""
        if self.explicit:
            return self.body.conversation_id
        turns = await self.store.get(self.run_id)
        key = conversation_key(
            [*self.body.transcript, ("user", self.body.question), ("assistant", answer)], self.namespace
        )
        await self.store.delete(key)  # the same exchange again (a retry): replace, never duplicate
        await self.store.delete(self.run_id)  # first: the turns are held here, never stored twice (quota)
        for turn in turns[-self.keep :]:
            await self.store.append(key, turn)
        if self.loaded_from and self.loaded_from != key:
            # The conversation now lives under its new key: one copy per conversation, not per turn.
            await self.store.delete(self.loaded_from)
        return key

    async def discard(self) -> None:
        if not self.explicit:
            with anyio.CancelScope(shield=True):
                try:
                    await self.store.delete(self.run_id)
                except Exception:  # noqa: BLE001 — the entry expires with its TTL anyway
                    pass

