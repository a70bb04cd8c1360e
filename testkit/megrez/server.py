"""The scripted Megrez-3B-Instruct behind vLLM's OpenAI-compatible HTTP server.

Routes, recordings, and the path of one generation request: validate, prepare one generation per
prompt (script, fixed reply, behaviour or another mode), then answer whole or as SSE (stream.py).
What a test may set lives in settings.py; what is written in behaviour.py; the wire format in
protocol.py and responses.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import testkit.megrez.guided as guided
import testkit.megrez.tools_mode as tools_mode
from testkit.megrez.behaviour import MegrezBehaviour
from testkit.megrez.http import Abort, LoopbackServer, read_body, wait
from testkit.megrez.metrics import metrics_text
from testkit.megrez.prefix_cache import PrefixCache
from testkit.megrez.protocol import ErrorResponse, check_context, dumps, validate, vllm_error
from testkit.megrez.responses import full_response, models_list, stream_events
from testkit.megrez.settings import MegrezSettings
from testkit.megrez.stream import send_events, stream_record
from testkit.megrez.template import finish_text, parse_megrez_prompt, render_megrez, tokenize


@dataclass(kw_only=True, eq=False, repr=False)
class ScriptedMegrez(MegrezSettings, LoopbackServer):
    """A scripted Megrez-3B-Instruct behind a vLLM-compatible HTTP server on 127.0.0.1.

    Its settings (settings.py) are its keyword arguments, and attributes a test may change while it
    runs; `port`: the port to listen on (None: a free one).

    Recorded: `requests` (every POST to /v1/chat/completions or /v1/completions: {"method", "path", "headers",
    "body" (parsed JSON or None), "raw", "peer" (the client's address: a connection reused keeps it)}), `streams` (per stream: pieces, sent, completed,
    disconnected), `disconnects` (requests whose client went away before the end; generation stops).
    Addresses: `url` (http://127.0.0.1:PORT), `base_url` (url + "/v1"), `port`.
    """

    port: int | None = None

    thread_name = "scripted-megrez"

    def __post_init__(self) -> None:
        LoopbackServer.__init__(self, self.port)
        self._settings = self.snapshot()
        if isinstance(self.script, list):
            self.script = list(self.script)  # used up as it answers: the caller's list stays whole

        self.base_url = f"{self.url}/v1"
        self.requests: list[dict] = []  # {"method", "path", "body" (parsed JSON or None), "raw", "headers", "peer"}
        self.streams: list[dict] = []  # {"id", "path", "pieces", "sent", "completed", "disconnected"}
        self.prefix_log: list[dict] = []  # {"path", "messages", "prompt_tokens", "cached_tokens"}
        self.disconnects = 0
        self._lock = threading.Lock()
        self._cache = PrefixCache()
        self._counters = {"prompt_tokens": 0, "generation_tokens": 0, "running": 0}
        self._finished: dict[str, int] = {}
        self._created = time.time()

    # -- helpers for tests ---------------------------------------------------------------------
    def behaviour(self) -> MegrezBehaviour:
        return MegrezBehaviour(self.citation_style, self.inject_bad_citation, careless=self.careless)

    def bodies(self, path: str | None = None) -> list[dict]:
        """Parsed bodies received (optionally only for a path such as "/v1/chat/completions")."""
        with self._lock:
            return [r["body"] for r in self.requests if path is None or r["path"] == path]

    @property
    def last_body(self) -> dict | None:
        with self._lock:
            return self.requests[-1]["body"] if self.requests else None

    def wait_for_disconnects(self, n: int = 1, timeout: float = 3.0) -> bool:
        return self.wait_for(lambda: self.disconnects >= n, timeout)

    def metrics(self) -> dict[str, float]:
        with self._lock:
            return {
                "prefix_cache_queries": self._cache.queries,
                "prefix_cache_hits": self._cache.hits,
                "prompt_tokens": self._counters["prompt_tokens"],
                "generation_tokens": self._counters["generation_tokens"],
            }

    def reset(self) -> None:
        """Forget recordings and the prefix cache; put every setting back as constructed."""
        with self._lock:
            self.restore(self._settings)
            self.requests.clear()
            self.streams.clear()
            self.prefix_log.clear()
            self.disconnects = 0
            self.reply_headers = {}
            self._cache = PrefixCache()
            self._counters.update(prompt_tokens=0, generation_tokens=0)
            self._finished.clear()

    # -- ASGI ----------------------------------------------------------------------------------
    async def _app(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"].rstrip("/") or "/"
        body = await read_body(receive)
        if body is None:
            return

        if path in ("/health", "/v1/models") and self.probe_delay_s:
            await asyncio.sleep(self.probe_delay_s)
        if path == "/health":
            return await self._send(send, self.health_status, b"", "application/json")
        if path in ("/version",):
            return await self._send_json(send, 200, {"version": "0.11.0"})
        if path == "/metrics":
            with self._lock:
                text = metrics_text(self.model, self._created, self._cache, self._counters, self._finished)
            return await self._send(send, 200, text.encode(), "text/plain; version=0.0.4; charset=utf-8")
        routes = {"/v1/models": "GET", "/v1/chat/completions": "POST", "/v1/completions": "POST"}
        if path not in routes:
            return await self._send_json(send, 404, {"detail": "Not Found"})
        if method != routes[path]:
            return await self._send_json(send, 405, {"detail": "Method Not Allowed"})
        if self.api_key is not None:
            auth = dict(scope["headers"]).get(b"authorization", b"").decode()
            if auth != f"Bearer {self.api_key}":
                return await self._send_json(send, 401, {"error": "Unauthorized"})
        if path == "/v1/models":
            models = models_list(self.model, self.root, self.max_model_len, self._created)
            return await self._send_json(send, 200, models)

        parsed: Any = None
        with contextlib.suppress(ValueError):
            parsed = json.loads(body) if body else None
        with self._lock:
            self.requests.append(
                {
                    "method": method,
                    "path": path,
                    "body": parsed,
                    "raw": body.decode("utf-8", "replace"),
                    # lower-cased names, as HTTP/ASGI give them (routing headers are checked on these)
                    "headers": {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
                    "peer": tuple(scope.get("client") or ()),  # the client's (host, port): one per connection
                }
            )

        async def respond(abort: Abort) -> None:
            try:
                await self._generate(path, body, parsed, send, abort)
            except ErrorResponse as exc:
                if isinstance(exc.body, str):
                    await self._send(send, exc.status, exc.body.encode(), "text/plain; charset=utf-8")
                else:
                    await self._send_json(send, exc.status, exc.body)

        await self._answer(receive, respond)

    async def _send_json(self, send: Callable, status: int, obj: Any) -> None:
        await self._send(send, status, dumps(obj), "application/json")

    # -- generation ----------------------------------------------------------------------------
    def _next_scripted(self) -> str | int | None:
        with self._lock:
            if self.script:
                return self.script.pop(0)
        return None

    def _prepare(self, path: str, req: dict) -> list[dict]:
        """One entry per prompt: prompt tokens, generated output, or a scripted failure."""
        if path == "/v1/chat/completions":
            conversations = [(req["messages"], render_megrez(req["messages"]))]
        else:
            prompt = req["prompt"]
            if isinstance(prompt, str) or prompt and isinstance(prompt[0], int):
                prompt = [prompt]
            conversations = []
            for p in prompt:
                if isinstance(p, list):  # token ids: no text to read, a neutral reply
                    conversations.append(([{"role": "user", "content": "."}], ["<id>"] * len(p)))
                else:
                    conversations.append((parse_megrez_prompt(p), p))
        max_tokens = req.get("max_completion_tokens") or req.get("max_tokens")
        out = []
        for messages, prompt in conversations:
            ptokens = prompt if isinstance(prompt, list) else tokenize(prompt)
            n = len(ptokens)
            chat = path == "/v1/chat/completions"
            check_context(n, max_tokens, self.max_model_len, wording=self.context_error, chat=chat)
            scripted = self._next_scripted()
            if isinstance(scripted, int):
                raise ErrorResponse(scripted, vllm_error(scripted, f"Scripted failure ({scripted})."))
            if scripted is not None:
                raw = scripted
            elif self.reply is not None:
                raw = self.reply
            elif self.mode == "megrez":
                raw = self.behaviour().reply(messages)
            else:
                raw = tools_mode.reply(self.behaviour(), self.mode, messages, req)
            raw = guided.constrain(raw, req)  # response_format: vLLM's guided decoding
            raw, calls = tools_mode.split_calls(raw) if self.mode == "tools" and req.get("tools") else (raw, [])
            done = tools_mode.finish(finish_text(raw, n, req, self.max_model_len), calls)
            with self._lock:
                cached = self._cache.lookup(ptokens)
                self._cache.insert(ptokens + tokenize(done["raw"]))
                self._counters["prompt_tokens"] += n
                self._counters["generation_tokens"] += done["completion_tokens"]
                # Per request, for benchmarks: how much of this prompt was already in the cache.
                self.prefix_log.append(
                    {"path": path, "messages": messages, "prompt_tokens": n, "cached_tokens": cached}
                )
            out.append({**done, "prompt_tokens": n, "cached_tokens": cached})
        return out

    async def _generate(self, path: str, body: bytes, parsed: Any, send: Callable, abort: Abort) -> None:
        if self.hold is not None and self.hold.encode() in body:
            await wait(abort, 300)  # never answered: the client gives up first
            return
        failing = self.fail_path is None or self.fail_path == path
        if self.fail_with is not None and failing and (self.fail_times is None or self.fail_times > 0):
            status = self.fail_with
            if self.fail_times is not None:
                self.fail_times -= 1
            raise ErrorResponse(status, self.fail_body or vllm_error(status, f"Scripted failure ({status})."))
        req = validate(path, body, parsed, model=self.model, template_roles=self.template_roles)
        tools_mode.check(self, req)
        results = self._prepare(path, req)
        with self._lock:
            self._counters["running"] += 1
        try:
            gate = self.gate
            while gate is not None and not gate.is_set():
                if await wait(abort, 0.01):  # the client went away, or the server stops
                    if abort.client_gone:
                        self._note_abandoned(None)
                    return
            if self.delay_s and await wait(abort, self.delay_s):
                if abort.client_gone:
                    self._note_abandoned(None)
                else:
                    await self._send_json(send, 503, vllm_error(503, "The server is shutting down."))
                return
            if req.get("stream"):
                if not await self._stream(path, req, results, send, abort):
                    return
            else:
                reply = full_response(path, results, self.model, reverse_choices=self.reverse_choices)
                await self._send_json(send, 200, reply)
            with self._lock:
                for r in results:
                    self._finished[r["finish_reason"]] = self._finished.get(r["finish_reason"], 0) + 1
        finally:
            with self._lock:
                self._counters["running"] -= 1

    def _note_abandoned(self, stream: dict | None) -> None:
        with self._lock:
            self.disconnects += 1
            self._finished["abort"] = self._finished.get("abort", 0) + 1
            if stream is not None:
                stream["disconnected"] = True

    async def _stream(self, path: str, req: dict, results: list[dict], send: Callable, abort: Abort) -> bool:
        """Send the SSE events; False when the client went away (or the server stopped) first."""
        events = stream_events(path, req, results, self.model, self.chunk_chars, self.mid_stream_error)
        record = stream_record(events[0], path, len(events))
        with self._lock:
            self.streams.append(record)
        if await send_events(send, events, record, abort, self, self._extra_headers()):
            return True
        # The client went away (or the server is stopping): stop generating, as vLLM aborts the request.
        if abort.client_gone:
            self._note_abandoned(record)
        else:
            record["stopped"] = True
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return False
