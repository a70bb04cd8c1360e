"""One Responses API response as it is built: its output items (a `web_search_call` per search round,
then the assistant `message`), and the stream events that build it, in the order OpenAI's SDK
accumulates them (`response.created`, `response.output_item.added`, `response.web_search_call.*`,
`response.content_part.added`, `response.output_text.delta`, `response.output_text.annotation.added`,
`response.output_text.done`, …, `response.completed`), each with its `sequence_number`.

The non-streaming response is the same builder's final object: one shape whichever way it is asked.
The message's `output_text` carries a `url_citation` annotation for each `[n]` marker, its
`start_index`/`end_index` the marker's exact span in the text (the chat surface's annotations, flat).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from agent.state import AgentOutput
from api.openai_compat.schemas import annotations
from api.responses.schemas import ResponsesRequest
from core.tokens import count_tokens
from search.models import Source

Event = dict[str, Any]


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def url_citations(text: str, sources: list[Source]) -> list[dict]:
    """The Responses API's flat `url_citation`s, from the chat surface's (one per marker)."""
    return [{"type": "url_citation", **note["url_citation"]} for note in annotations(text, sources)]


class ResponseBuilder:
    def __init__(self, body: ResponsesRequest, response_id: str, prompt_tokens: int):
        self.body = body
        self.id = response_id
        self.created_at = int(time.time())
        self.prompt_tokens = prompt_tokens
        self.sequence = 0
        self.items: list[dict] = []  # output items, in output_index order
        self.rounds: dict[int, int] = {}  # search round -> its call's output_index
        self.message: int | None = None  # the message's output_index, once it began
        self.text = ""

    # --- the response object ----------------------------------------------------------------------

    def response(self, status: str, output: list[dict], usage: dict | None = None) -> dict:
        body = self.body
        return {
            "id": self.id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "model": body.model,
            "output": output,
            "usage": usage,
            "error": None,
            "incomplete_details": None,
            "instructions": body.instructions,
            "metadata": body.metadata or {},
            "parallel_tool_calls": True,
            "temperature": 1.0,
            "top_p": 1.0,
            "tool_choice": body.tool_choice or "auto",
            "tools": body.tools,
            "previous_response_id": body.previous_response_id,
            "store": body.store,
            "text": {"format": {"type": "text"}},
            "truncation": "disabled",
            "reasoning": {"effort": None, "summary": None},
        }

    def event(self, kind: str, **fields: Any) -> Event:
        self.sequence += 1
        return {"type": kind, "sequence_number": self.sequence, **fields}

    def started(self) -> list[Event]:
        snapshot = self.response("in_progress", [])
        return [self.event("response.created", response=snapshot), self.event("response.in_progress", response=snapshot)]

    # --- search rounds ----------------------------------------------------------------------------

    def searching(self, round_: int, queries: list[str]) -> list[Event]:
        if round_ in self.rounds or not queries:
            return []
        index = len(self.items)
        item = {
            "id": new_id("ws"),
            "type": "web_search_call",
            "status": "in_progress",
            "action": {"type": "search", "query": queries[0], "queries": queries},
        }
        self.items.append(item)
        self.rounds[round_] = index
        where = {"item_id": item["id"], "output_index": index}
        return [
            self.event("response.output_item.added", output_index=index, item=dict(item)),
            self.event("response.web_search_call.in_progress", **where),
            self.event("response.web_search_call.searching", **where),
        ]

    def searched(self, round_: int, sources: list[Source]) -> list[Event]:
        index = self.rounds.get(round_)
        if index is None or self.items[index]["status"] == "completed":
            return []
        item = self.items[index]
        item["status"] = "completed"
        if self.body.wants_sources:
            item["action"] = {**item["action"], "sources": [{"type": "url", "url": s.url} for s in sources]}
        return [
            self.event("response.web_search_call.completed", item_id=item["id"], output_index=index),
            self.event("response.output_item.done", output_index=index, item=dict(item)),
        ]

    # --- the message ------------------------------------------------------------------------------

    def _part(self, text: str, notes: list[dict]) -> dict:
        return {"type": "output_text", "text": text, "annotations": notes, "logprobs": []}

    def _open_message(self) -> list[Event]:
        if self.message is not None:
            return []
        self.message = len(self.items)
        item = {"id": new_id("msg"), "type": "message", "status": "in_progress", "role": "assistant", "content": []}
        self.items.append(item)
        where = {"item_id": item["id"], "output_index": self.message}
        return [
            self.event("response.output_item.added", output_index=self.message, item=dict(item, content=[])),
            self.event("response.content_part.added", **where, content_index=0, part=self._part("", [])),
        ]

    def delta(self, text: str) -> list[Event]:
        events = self._open_message()
        self.text += text
        item = self.items[self.message]  # type: ignore[index]
        return [
            *events,
            self.event(
                "response.output_text.delta",
                item_id=item["id"],
                output_index=self.message,
                content_index=0,
                delta=text,
                logprobs=[],
            ),
        ]

    def finished(self, output: AgentOutput) -> list[Event]:
        """Every item completed, the annotations, then `response.completed` with the whole response."""
        events: list[Event] = []
        for round_ in list(self.rounds):  # a round whose sources never came (none were found)
            events += self.searched(round_, [])
        events += self._open_message()
        if output.answer != self.text:  # words not streamed (an empty stream): sent now, whole
            missing = output.answer[len(self.text) :] if output.answer.startswith(self.text) else ""
            if missing:
                events += self.delta(missing)
        text = output.answer
        notes = url_citations(text, output.sources)
        index = self.message
        item = self.items[index]  # type: ignore[index]
        where = {"item_id": item["id"], "output_index": index, "content_index": 0}
        for n, note in enumerate(notes):
            events.append(self.event("response.output_text.annotation.added", **where, annotation_index=n, annotation=note))
        part = self._part(text, notes)
        item.update(status="completed", content=[part])
        events += [
            self.event("response.output_text.done", **where, text=text, logprobs=[]),
            self.event("response.content_part.done", **where, part=part),
            self.event("response.output_item.done", output_index=index, item=dict(item)),
            self.event("response.completed", response=self.final(output)),
        ]
        return events

    def final(self, output: AgentOutput) -> dict:
        completion = count_tokens(output.answer)
        usage = {
            "input_tokens": self.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": completion,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": self.prompt_tokens + completion,
        }
        return self.response("completed", [dict(item) for item in self.items], usage)

    def failed(self, status: int, code: str, message: str) -> Event:
        """A failure after the stream began: OpenAI's `error` event (the stream then ends)."""
        return self.event("error", code=code, message=message, param=None, status=status)
