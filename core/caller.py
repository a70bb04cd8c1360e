"""Who a request is for: its API key's digest (`k…`), or its client address on an open server
(`ip:…`); "" outside a request (the CLI, indexing, Slack's background answers).

Set per request by the API's fair-share middleware (api/fairness.py); read where work or storage is
shared between callers: the parse workers' queue (core/fair_queue.py) and the conversation store's
per-key quota (agent/store.py)."""

from __future__ import annotations

from contextvars import ContextVar

current_caller: ContextVar[str] = ContextVar("websearch_caller", default="")
