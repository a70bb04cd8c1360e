"""The `LLM` backend for a vLLM (or any OpenAI-compatible) server, spoken over raw httpx.

Raw HTTP rather than the openai package because Megrez needs vLLM-only request fields
(`skip_special_tokens`, `repetition_penalty`) and because we want to own the connection: closing a
stream must close the socket so vLLM aborts that generation and frees its batch slot.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from typing import Any

import httpx

from inference.base import (
    Completion,
    EndpointStats,
    GenerationParams,
    LLMError,
    LLMUnavailable,
    Message,
    ModelNotFound,
    PromptTooLong,
    RouteKey,
    StreamResult,
    StructuredOutputUnsupported,
    TextStream,
    ToolsUnsupported,
    Usage,
)
from inference.config import CONNECT_TIMEOUT_S, TIMEOUT_S, LLMConfig
from inference.megrez import render_chat
from inference.openai_errors import Refused, not_served, status_error, transport_error
from inference.openai_wire import PartialCalls, add_tool_call_delta, choices, parse_chunk, tool_calls
from inference.routing import DEFAULT_ROUTE_HEADERS, SESSION_TOKEN_HEADER, SessionTokens

from core.redact import redact

# The roles every chat template renders; Megrez's own `observation` (search results) may not be.
_TEMPLATE_ROLES = {"system", "user", "assistant", "tool"}  # "tool": the OpenAI tools protocol's own


# How servers word a refused response_format (vLLM: "Invalid JSON schema", "guided decoding"…).
_FORMAT_WORDS = ("response_format", "schema", "guided", "json", "grammar", "structured")

REPETITION_PENALTY = 1.02  # Megrez model card's recommendation for vLLM


class OpenAIServerLLM:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = TIMEOUT_S,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        client: httpx.AsyncClient | None = None,
        route_headers: Sequence[str] = DEFAULT_ROUTE_HEADERS,
        session_tokens: int = 10_000,
    ):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.model_name = model
        self.supports_tools: bool | None = None  # known once a request with tools is answered or refused
        self.spilled = 0  # one server: nothing to spill to
        self.shared_cpu = False  # a server of its own: requests beside the answer run in its batch
        self.name = f"vLLM at {redact(self.base_url)}"  # a name is shown (/readyz, errors): no password
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        # Timeouts and auth go on every request, so a shared client passed in keeps its own defaults.
        self._timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient()
        self.usage_total = Usage()  # every token this process has asked the server for
        # A conversation's routing key goes in these headers (and `user`) for a router in front.
        self.route_headers = tuple(route_headers)
        self.session_tokens = SessionTokens(session_tokens)
        # Set once the server's chat template refused a role (Megrez's `observation`): conversations
        # with such roles are then rendered here (`render_chat`, Megrez's template) and sent to
        # /completions, the way chat_batch always sends them.
        self.render_here = False

    @classmethod
    def from_config(cls, config: LLMConfig) -> OpenAIServerLLM:
        if not config.base_url:
            raise LLMUnavailable("vLLM", "no server configured: set WEBSEARCH_LLM_BASE_URL=http://host:8000/v1")
        return cls(
            config.base_url,
            config.model,
            api_key=config.api_key,
            timeout_s=config.timeout_s,
            connect_timeout_s=config.connect_timeout_s,
            route_headers=config.route_headers,
        )

    # --- the LLM protocol ----------------------------------------------------------------------

    @property
    def endpoints(self) -> list[EndpointStats]:
        return []  # one server, reported as `base_url`

    def down(self) -> dict[str, str]:
        return {}  # one server: `health()` raises when it is down

    async def chat(
        self, messages: list[Message], params: GenerationParams, route: RouteKey | None = None
    ) -> Completion:
        if self.render_here and _extra_roles(messages):
            return (await self.complete([render_chat(messages)], params, route))[0]
        body = self._body(params, route, messages=[m.wire() for m in messages])
        try:
            data = await self._request("POST", "/chat/completions", body, route)
        except Refused:
            if not _extra_roles(messages):
                raise
            self.render_here = True
            return (await self.complete([render_chat(messages)], params, route))[0]
        choice = choices(self.name, data)[0]
        message = choice.get("message") or {}
        usage = self.usage_total.record(data)
        return Completion(text=message.get("content") or "", finish_reason=choice.get("finish_reason"), usage=usage)

    def chat_stream(
        self,
        messages: list[Message],
        params: GenerationParams,
        route: RouteKey | None = None,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> TextStream:
        body = self._body(params, route, messages=[m.wire() for m in messages])
        if tools:
            # What vLLM serves with --enable-auto-tool-choice --tool-call-parser, Ollama and llama.cpp's
            # server (--jinja) too: the calls come back as `tool_calls` deltas, not as text.
            body.update(tools=tools, tool_choice="auto")
            return TextStream(lambda result: self._stream("/chat/completions", body, result, route))
        if self.render_here and _extra_roles(messages):
            return self.complete_stream(render_chat(messages), params, route)
        return TextStream(lambda result: self._chat_stream(messages, params, body, result, route))

    async def _chat_stream(
        self,
        messages: list[Message],
        params: GenerationParams,
        body: dict[str, Any],
        result: StreamResult,
        route: RouteKey | None,
    ) -> AsyncIterator[str]:
        # aclosing: closing this stream must close the request under it at once (vLLM then aborts it)
        async with aclosing(self._stream("/chat/completions", body, result, route)) as chat:
            try:
                async for text in chat:
                    yield text
                return
            except Refused:  # a status error: raised before any text was yielded
                if not _extra_roles(messages):
                    raise
                self.render_here = True
        prompt = self._body(params, route, prompt=render_chat(messages))
        async with aclosing(self._stream("/completions", prompt, result, route)) as raw:
            async for text in raw:
                yield text

    async def chat_batch(
        self, conversations: list[list[Message]], params: GenerationParams, route: RouteKey | None = None
    ) -> list[Completion]:
        # Chat completions take one conversation per request; the completions endpoint takes a
        # list, so render the template here and send every conversation in one request.
        return await self.complete([render_chat(messages) for messages in conversations], params, route)

    async def complete(
        self, prompts: list[str], params: GenerationParams, route: RouteKey | None = None
    ) -> list[Completion]:
        if not prompts:
            return []
        # One request for all prompts: vLLM schedules them into the same batch.
        data = await self._request("POST", "/completions", self._body(params, route, prompt=list(prompts)), route)
        answered = choices(self.name, data)
        by_index = {c.get("index", i): c for i, c in enumerate(answered)}
        if sorted(by_index) != list(range(len(prompts))):
            raise LLMError(self.name, f"answered {len(answered)} choices for {len(prompts)} prompts")
        usage = self.usage_total.record(data)
        # The server reports usage for the whole batch; it belongs to a completion only when alone.
        return [
            Completion(
                text=by_index[i].get("text") or "",
                finish_reason=by_index[i].get("finish_reason"),
                usage=usage if len(prompts) == 1 else Usage(),
            )
            for i in range(len(prompts))
        ]

    def complete_stream(
        self, prompt: str, params: GenerationParams, route: RouteKey | None = None
    ) -> TextStream:
        body = self._body(params, route, prompt=prompt)
        return TextStream(lambda result: self._stream("/completions", body, result, route))

    async def health(self) -> None:
        served = await self.served_models()
        if self.model not in served:
            raise ModelNotFound(self.name, not_served(self.model, served))

    async def served_models(self) -> list[str]:
        data = await self._request("GET", "/models")
        return [m.get("id") for m in data.get("data", []) if isinstance(m, dict)]

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    # --- requests ------------------------------------------------------------------------------

    def _body(self, params: GenerationParams, route: RouteKey | None, **payload: Any) -> dict[str, Any]:
        # OpenAI's `user` field: what routers keyed on the end user read. A hash, never a name.
        who = {"user": route.value} if route is not None else {}
        # vLLM's guided decoding (and llama.cpp's server, Ollama…) read OpenAI's own field.
        guided = {"response_format": params.response_format} if params.response_format else {}
        return {
            **who,
            **guided,
            "model": self.model,
            **payload,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "stop": params.stop,
            "repetition_penalty": REPETITION_PENALTY,
            # vLLM drops special tokens from text by default; Megrez's function markers are special.
            "skip_special_tokens": False,
            "spaces_between_special_tokens": False,
        }

    def _headers_for(self, route: RouteKey | None) -> dict[str, str]:
        if route is None:
            return self._headers
        headers = {**self._headers, **{name: route.value for name in self.route_headers}}
        token = self.session_tokens.get(route)
        if token is not None:  # the router's own handle on the session, sent back as it came
            headers[SESSION_TOKEN_HEADER] = token
        return headers

    def _keep_session_token(self, response: httpx.Response, route: RouteKey | None) -> None:
        token = response.headers.get(SESSION_TOKEN_HEADER)
        if route is not None and token:
            self.session_tokens.put(route, token)

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, route: RouteKey | None = None
    ) -> dict[str, Any]:
        try:
            response = await self._client.request(
                method, self.base_url + path, json=body, headers=self._headers_for(route), timeout=self._timeout
            )
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        self._keep_session_token(response, route)
        if response.status_code >= 400:
            raise guided_refused(body, response.status_code, await self._status_error(response.status_code, response.text))
        try:
            data = response.json()
        except ValueError as exc:
            raise LLMError(self.name, f"answered with something that is not JSON: {response.text[:200]!r}") from exc
        if not isinstance(data, dict):
            raise LLMError(self.name, f"answered with unexpected JSON: {response.text[:200]!r}")
        return data

    async def _stream(
        self, path: str, body: dict[str, Any], result: StreamResult, route: RouteKey | None = None
    ) -> AsyncIterator[str]:
        body = {**body, "stream": True, "stream_options": {"include_usage": True}}
        request = self._client.build_request(
            "POST", self.base_url + path, json=body, headers=self._headers_for(route), timeout=self._timeout
        )
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        self._keep_session_token(response, route)
        # `aclose` in finally runs on normal end, on error, and when the consumer closes us early:
        # closing an unfinished streamed response drops the connection, so vLLM aborts the request.
        calls: PartialCalls = {}
        try:
            if response.status_code >= 400:
                error = await self._status_error(response.status_code, (await response.aread()).decode(errors="replace"))
                if body.get("tools") and response.status_code in (400, 422, 501) and not isinstance(error, PromptTooLong):
                    raise ToolsUnsupported(self.name, f"refused a request with tools ({error.message})")
                raise guided_refused(body, response.status_code, error)
            lines = response.aiter_lines()
            async for line in lines:
                if not line.startswith("data:"):
                    continue  # blank separators, `: ping` comments, `event:` lines
                payload = line[5:].strip()
                if payload == "[DONE]":
                    await _read_to_end(lines)
                    break
                chunk = parse_chunk(self.name, payload)
                if chunk.get("usage"):
                    result.usage = self.usage_total.record(chunk)
                for choice in chunk.get("choices") or []:
                    if choice.get("finish_reason"):
                        result.finish_reason = choice["finish_reason"]
                    delta = choice.get("delta") or {}
                    for part in delta.get("tool_calls") or []:
                        add_tool_call_delta(calls, part)
                    text = delta.get("content") if "delta" in choice else choice.get("text")
                    if text:
                        yield text
            result.tool_calls = tool_calls(calls)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        finally:
            await response.aclose()

    # --- errors (their mapping: openai_errors.py) ----------------------------------------------

    def _transport_error(self, exc: httpx.HTTPError) -> LLMError:
        return transport_error(self.name, exc, timeout_s=self.timeout_s, connect_timeout_s=self.connect_timeout_s)

    async def _status_error(self, status: int, text: str) -> LLMError:
        error = status_error(self.name, status, text)
        if isinstance(error, ModelNotFound):
            # Name what the server does serve, so the fix (WEBSEARCH_LLM_MODEL) is obvious.
            try:
                error = ModelNotFound(self.name, not_served(self.model, await self.served_models()))
            except LLMError:
                pass
        return error


def guided_refused(body: dict[str, Any] | None, status: int, error: LLMError) -> LLMError:
    """A request with `response_format` refused as bad (400/422/501) for its format (the server's words
    name it): the schema is what the server would not take, the caller's to change, not an outage.
    Any other refusal (a chat template's role) keeps its own error and handling."""
    about_format = any(word in error.message.lower() for word in _FORMAT_WORDS)
    if body and body.get("response_format") and status in (400, 422, 501) and about_format:
        return StructuredOutputUnsupported(error.backend or "", f"cannot follow response_format: {error.message}")
    return error


# After `[DONE]`: how long and how many lines the end of the response may take to arrive.
AFTER_DONE_S = 0.5
AFTER_DONE_LINES = 16


async def _read_to_end(lines: AsyncIterator[str]) -> None:
    """The response's last bytes after `[DONE]` (the end of its chunked body): read, the connection
    goes back to the client's pool and the next generation reuses it; unread, closing the response
    closes the connection and every generation opened a new one. Bounded: a server that sends on or
    holds the response open has its connection closed, as before."""
    try:
        async with asyncio.timeout(AFTER_DONE_S):
            count = 0
            async for _ in lines:
                count += 1
                if count > AFTER_DONE_LINES:
                    return
    except (TimeoutError, httpx.HTTPError):
        pass  # the answer is whole; only the connection is not kept


def _extra_roles(messages: list[Message]) -> bool:
    return any(m.role not in _TEMPLATE_ROLES for m in messages)
