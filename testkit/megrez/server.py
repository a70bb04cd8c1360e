"""The scripted Megrez-3B-Instruct behind vLLM's OpenAI-compatible HTTP server.

Routes, settings a test may change while it runs, recordings, and the path of one generation
request: validate, prepare one generation per prompt (script, fixed reply, behaviour or another
mode), then answer whole or as SSE. What is written lives in behaviour.py; the wire format in
protocol.py and responses.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import testkit.megrez.guided as guided
import testkit.megrez.tools_mode as tools_mode
from testkit.megrez.behaviour import MegrezBehaviour
from testkit.megrez.http import Abort, LoopbackServer, read_body, wait
from testkit.megrez.metrics import metrics_text
from testkit.megrez.prefix_cache import PrefixCache
from testkit.megrez.protocol import ErrorResponse, check_context, dumps, validate, vllm_error
from testkit.megrez.responses import full_response, models_list, stream_events
from testkit.megrez.template import finish_text, parse_megrez_prompt, render_megrez, tokenize

_SETTINGS = tuple(  # the constructor arguments a test may also change while the server runs
    "model max_model_len root chunk_chars delay_s chunk_delay_s probe_delay_s script reply fail_with fail_times"
    " fail_body fail_path hold mid_stream_error reverse_choices citation_style inject_bad_citation careless api_key health_status"
    " context_error template_roles mode refuse_tools".split()
)


class ScriptedMegrez(LoopbackServer):
    """A scripted Megrez-3B-Instruct behind a vLLM-compatible HTTP server on 127.0.0.1.

    Every constructor argument is also an attribute that tests may change while it runs:

    model / max_model_len / root   what /v1/models reports; another `model` in a request -> 404;
                                   prompt tokens (+ max_tokens) over max_model_len -> vLLM's 400.
    chunk_chars                    characters per streamed content delta (markers get split).
    delay_s                        seconds before any generation response starts (time to first token).
    probe_delay_s                  seconds GET /health and /v1/models wait before answering (vLLM busy
                                   with a long batch: a readiness probe times out).
    chunk_delay_s                  seconds between streamed chunks (lets a test disconnect mid-stream).
    script                         replies returned in order instead of the behaviour (one per prompt);
                                   an int entry fails that request with that status. Used up -> behaviour.
    reply                          when set, every prompt gets this text (after `script` is used up):
                                   the server as a plain vLLM whose words a test fixes.
    fail_with / fail_times         answer generation requests with this status (vLLM error body); only
                                   the next `fail_times` requests when that is set.
    fail_body                      with fail_with: this body instead of vLLM's (a str goes as text/plain:
                                   a proxy's HTML page, a reply that is not JSON).
    fail_path                      with fail_with: only requests to this path fail ("/v1/completions":
                                   the batched condense; "/v1/chat/completions": the chat turns).
    hold                           a generation request whose body holds this text is never answered:
                                   it waits until its client goes away (or the server stops).
    mid_stream_error               a stream sends this event after two pieces of text, then [DONE]
                                   (how vLLM reports an engine that died mid-generation).
    reverse_choices                a batch's choices come back last first (their `index` is what counts).
    citation_style                 "canonical" [citation:2], "spaced" [citation: 2], "bare" [2],
                                   "leading_space" [ citation:2], or a format string with {n}.
    inject_bad_citation            add an out-of-range [citation:99] to the last cited sentence.
    careless                       each cited sentence written so, in order (testkit/megrez/careless.py).
    api_key                        when set, /v1/* needs `Authorization: Bearer <api_key>` (else 401).
    health_status                  what GET /health answers.
    context_error                  the wording of the context-length 400: "current" (vLLM 0.10+:
                                   "'max_tokens' or 'max_completion_tokens' is too large: N. This
                                   model's maximum context length is M tokens and your request has K
                                   input tokens (N > M - K)." / "... However, your request has K input
                                   tokens. Please reduce the length of the input messages.") or
                                   "legacy" (older vLLM: "... However, you requested N tokens (K in
                                   the messages, X in the completion). ...").
    template_roles                 None: the chat template renders any role (`observation` included).
                                   A set of roles: a chat request with any other role gets the 400 vLLM
                                   answers when the template raises (its message, then " None").

    mode / refuse_tools            "megrez", or a model that is not Megrez: "tools" (calls only through
                                   `tools`), "plain" (never calls); refuse_tools -> 400 to `tools`
                                   (see tools_mode.py).

    Recorded: `requests` (every POST to /v1/chat/completions or /v1/completions: {"method", "path", "headers",
    "body" (parsed JSON or None), "raw"}), `streams` (per stream: pieces, sent, completed,
    disconnected), `disconnects` (requests whose client went away before the end; generation stops).
    Addresses: `url` (http://127.0.0.1:PORT), `base_url` (url + "/v1"), `port`.
    """

    thread_name = "scripted-megrez"

    def __init__(
        self,
        *,
        model: str = "megrez",
        max_model_len: int = 32768,
        root: str = "Infinigence/Megrez-3B-Instruct",
        chunk_chars: int = 4,
        delay_s: float = 0.0,
        chunk_delay_s: float = 0.0,
        probe_delay_s: float = 0.0,
        script: list[str | int] | None = None,
        reply: str | None = None,
        fail_with: int | None = None,
        fail_times: int | None = None,
        fail_body: dict | str | None = None,
        fail_path: str | None = None,
        hold: str | None = None,
        mid_stream_error: dict | None = None,
        reverse_choices: bool = False,
        citation_style: str = "canonical",
        inject_bad_citation: bool = False,
        careless: list[str] | None = None,
        api_key: str | None = None,
        health_status: int = 200,
        port: int | None = None,
        context_error: str = "current",
        template_roles: set[str] | None = None,
        mode: str = "megrez",
        refuse_tools: bool = False,
    ):
        super().__init__(port)
        self.mode = mode
        self.refuse_tools = refuse_tools
        self.model = model
        self.max_model_len = max_model_len
        self.root = root
        self.chunk_chars = chunk_chars
        self.delay_s = delay_s
        self.chunk_delay_s = chunk_delay_s
        self.probe_delay_s = probe_delay_s
        self.script = script
        self.reply = reply
        self.fail_with = fail_with
        self.fail_times = fail_times
        self.fail_body = fail_body
        self.fail_path = fail_path
        self.hold = hold
        self.mid_stream_error = mid_stream_error
        self.reverse_choices = reverse_choices
        self.citation_style = citation_style
        self.inject_bad_citation = inject_bad_citation
        self.careless = careless
        self.api_key = api_key
        self.health_status = health_status
        self.context_error = context_error
        self.template_roles = template_roles
        self._settings = {name: getattr(self, name) for name in _SETTINGS}
        if isinstance(script, list):
            self.script = list(script)

        self.base_url = f"{self.url}/v1"
        self.requests: list[dict] = []  # {"method", "path", "body" (parsed JSON or None), "raw", "headers"}
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
            for name, value in self._settings.items():
                setattr(self, name, list(value) if isinstance(value, list) else value)
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
        record = {
            "id": events[0]["id"],
            "path": path,
            "pieces": len(events),
            "sent": 0,
            "completed": False,
            "disconnected": False,
        }
        with self._lock:
            self.streams.append(record)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
                + self._extra_headers(),
            }
        )
        for k, event in enumerate(events):
            if k and self.chunk_delay_s:
                if await wait(abort, self.chunk_delay_s):
                    break
            else:
                await asyncio.sleep(0)  # let the loop notice a closed connection
            if abort.is_set():
                break
            await send({"type": "http.response.body", "body": b"data: " + dumps(event) + b"\n\n", "more_body": True})
            record["sent"] += 1
        else:
            await asyncio.sleep(0)
            if not abort.is_set():
                # Marked before the last bytes go: a client that has read [DONE] may look at once.
                record["completed"] = True
                await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})
                return True
        # The client went away (or the server is stopping): stop generating, as vLLM aborts the request.
        if abort.client_gone:
            self._note_abandoned(record)
        else:
            record["stopped"] = True
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return False
