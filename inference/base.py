"""The interface every model backend implements, and the errors it raises."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from core.errors import ErrorKind, WebsearchError


class ToolCall(BaseModel):
    """A function call in the OpenAI `tool_calls` shape; `arguments` is JSON text, as the wire carries it."""

    id: str
    name: str
    arguments: str = "{}"


class Message(BaseModel):
    """One chat message. Roles: system, user, assistant, observation (a function's result in
    Megrez's protocol) and tool (a function's result in the OpenAI tools protocol)."""

    role: str
    content: str
    tool_calls: list[ToolCall] | None = None  # an assistant turn that called tools
    tool_call_id: str | None = None  # a `tool` turn: the call it answers

    def wire(self) -> dict[str, Any]:
        """The OpenAI chat message; a plain message is exactly {"role", "content"} as it always was."""
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        return out


class GenerationParams(BaseModel):
    max_tokens: int = 512
    temperature: float = 0.2
    top_p: float = 0.9
    stop: list[str] = Field(default_factory=list)
    # OpenAI's `response_format` ({"type": "json_schema", "json_schema": {"schema": ...}}): the
    # server's guided decoding holds the output to the schema. None: free text.
    response_format: dict[str, Any] | None = None


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def record(self, reply: dict[str, Any]) -> Usage:
        """Add an OpenAI-shaped reply's `usage` (vLLM's, llama.cpp's) to this running total; return it."""
        raw = reply.get("usage") or {}
        usage = Usage(prompt_tokens=raw.get("prompt_tokens") or 0, completion_tokens=raw.get("completion_tokens") or 0)
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        return usage


class Completion(BaseModel):
    text: str
    finish_reason: str | None = None
    usage: Usage = Field(default_factory=Usage)


class RouteKey(BaseModel):
    """Which conversation a model request belongs to, as the servers see it: an opaque hash.

    Every request of a conversation carries the same key, so a pool (or a router in front of
    several vLLM servers) can send them all to the one server whose prefix cache holds the
    conversation. Made by `inference.routing.route_key`; never the conversation id itself.
    """

    model_config = ConfigDict(frozen=True)

    value: str = Field(min_length=8, max_length=128, pattern=r"^[0-9a-f]+$")


class StreamResult(BaseModel):
    """What a stream's backend reports about the generation, filled in as the stream ends."""

    usage: Usage = Field(default_factory=Usage)
    finish_reason: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)  # complete once the stream has ended


class EndpointStats(BaseModel):
    """One server of a pool, as the pool sees it now (for /metrics)."""

    url: str  # as shown (labels, /readyz): no credentials
    base_url: str  # where it is reached (may carry credentials): vLLM's own /metrics is read beside it
    healthy: bool
    outstanding: int  # requests from this process in flight there
    requests: int
    failures: int


class TextStream:
    """An async iterator of text deltas that also reports, once it ends, how generation went.

    Backends return one from `chat_stream`: it is an `AsyncIterator[str]`, and
    `usage`/`finish_reason` are filled in when the backend reports them. Closing it (`aclose`,
    `async with`, or dropping it after `break`) closes the generator underneath, which is how a
    backend learns that nobody is reading any more and stops generating.
    """

    def __init__(self, produce: Callable[[StreamResult], AsyncIterator[str]]):
        # The generator gets the result object, not `self`: no reference cycle, so dropping the
        # stream frees (and so closes) the generator at once instead of at the next GC pass.
        self.result = StreamResult()
        self._deltas = produce(self.result)

    @property
    def usage(self) -> Usage:
        return self.result.usage

    @property
    def finish_reason(self) -> str | None:
        return self.result.finish_reason

    @property
    def tool_calls(self) -> list[ToolCall]:
        return self.result.tool_calls

    def __aiter__(self) -> TextStream:
        return self

    def __anext__(self) -> Awaitable[str]:
        return self._deltas.__anext__()

    async def aclose(self) -> None:
        await self._deltas.aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> TextStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class LLMError(WebsearchError):
    """A model backend failed; `backend` names it. The surfaces choose the status from `kind`."""

    kind = ErrorKind.UNAVAILABLE
    code = "llm_error"

    def __init__(self, backend: str, message: str):
        super().__init__(message, backend=backend)


class LLMUnavailable(LLMError):
    code = "llm_unavailable"


class LLMTimeout(LLMError):
    kind = ErrorKind.TIMEOUT
    code = "llm_timeout"


class ModelNotFound(LLMError):
    """The configured model is not served there: the backend is unusable, not the caller's request."""

    code = "llm_model_not_found"


class PromptTooLong(LLMError):
    kind = ErrorKind.BAD_REQUEST
    code = "prompt_too_long"


class StructuredOutputUnsupported(LLMError):
    """The backend refused a request's `response_format` (no guided decoding there, or a schema it
    cannot compile): the caller asked for something this backend cannot give."""

    kind = ErrorKind.BAD_REQUEST
    code = "response_format_unsupported"


class ToolsUnsupported(LLMError):
    """The backend refused a request because it carried `tools` (a server without a tool parser)."""

    code = "llm_tools_unsupported"


@runtime_checkable
class LLM(Protocol):
    """An async model client, built once per process and shared by every request: the calls the
    agent makes, and what the API reports about the backend (/readyz, /metrics, `websearch evaluate`)."""

    name: str  # a human name for errors and logs, e.g. "vLLM at http://gpu:8000/v1"
    model_name: str  # the model's own name where the backend knows it (a GGUF's), else the configured one
    supports_tools: bool | None  # whether OpenAI tools can be offered; None: not known until a server is asked
    base_url: str | None  # the one OpenAI-compatible server spoken to; None: embedded, or a pool (`endpoints`)
    usage_total: Usage  # every token this process has asked the backend for
    spilled: int  # conversation requests sent past their own server because it was too busy (a pool)

    @property
    def endpoints(self) -> list[EndpointStats]:
        """A pool's servers as it sees them now; empty for a single backend."""
        ...

    def down(self) -> dict[str, str]:
        """The servers marked down, with why (a pool serves while one answers); empty when none is."""
        ...

    # `route`: the conversation the request belongs to (None: none). Backends with several servers
    # keep a conversation on one of them; a single local model may ignore it.

    async def chat(
        self, messages: list[Message], params: GenerationParams, route: RouteKey | None = None
    ) -> Completion: ...

    def chat_stream(
        self,
        messages: list[Message],
        params: GenerationParams,
        route: RouteKey | None = None,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> TextStream:
        """Text deltas as they are generated. Closing the stream cancels the generation.

        With `tools=[{"type": "function", "function": spec}]` the calls arrive in the stream's
        `tool_calls` when it ends; a backend that cannot offer tools raises ToolsUnsupported."""
        ...

    async def chat_batch(
        self, conversations: list[list[Message]], params: GenerationParams, route: RouteKey | None = None
    ) -> list[Completion]:
        """Several independent conversations, generated together (one batched request on vLLM)."""
        ...

    async def health(self) -> None:
        """Return when the backend can serve, else raise an LLMError saying why."""
        ...

    async def aclose(self) -> None: ...
