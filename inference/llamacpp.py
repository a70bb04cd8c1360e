"""The `LLM` backend that runs a GGUF model in-process with llama.cpp (CPU, no server needed).

llama.cpp generation is blocking C code and a `Llama` object is not safe for concurrent use, so
each generation runs in its own worker thread while an asyncio.Lock lets one run at a time. The
lock is released by the thread when it really ends, not by the coroutine that started it, so a
cancelled request can never let a second one into the model while the first is still running.

One context holds the KV state of the last prompt; llama.cpp evaluates only what a new prompt adds
to the prefix it shares with it. The agent's prompts are built to extend each other (decide, then
the answer, then the related questions on its prefix, then the next turn), and function calling is
rendered here (llamacpp_tools.py) so that a conversation with calls keeps one format throughout.
Each reply's usage says how many prompt tokens came from that state (`cached_tokens`). States that
another conversation's prompt would discard are saved and restored by prefix (llamacpp_cache.py).
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from inference.base import (
    Completion,
    EndpointStats,
    GenerationParams,
    LLMError,
    Message,
    PromptTooLong,
    RouteKey,
    StreamResult,
    TextStream,
    ToolsUnsupported,
    Usage,
)
from inference.config import CONTEXT_TOKENS, STATE_CACHE_MB, LLMConfig
from inference.gguf import download_gguf
from inference.llamacpp_args import STANDARD_ROLES, chat_role, guided_args, sampling_args, stop_when, too_long
from inference.llamacpp_cache import StateCache
from inference.llamacpp_meter import PromptMeter, Window
from inference.llamacpp_model import load_llama
from inference.llamacpp_tools import ToolChat, uses_tools

if TYPE_CHECKING:
    from llama_cpp import Llama

T = TypeVar("T")


class LlamaCppLLM:
    def __init__(self, llama: Llama, *, source: str, state_cache_mb: int = STATE_CACHE_MB):
        self._llama = llama
        self.name = f"llama.cpp ({source})"
        self.n_ctx = llama.n_ctx()
        self._lock = asyncio.Lock()
        self._map_roles = False  # set once the chat template has refused a non-standard role
        meta = llama.metadata
        # What the protocol choice reads (agent/protocols): the model's own name, not the setting's,
        # and whether llama.cpp's function-calling handler fits its chat template (chatml).
        self.model_name = meta.get("general.name") or meta.get("general.basename") or source
        self.supports_tools = "<|im_start|>" in meta.get("tokenizer.chat_template", "")
        self.worker: threading.Thread | None = None  # the latest generation thread (for tests/ops)
        self.usage_total = Usage()
        self.base_url: str | None = None  # in this process: no server
        self.spilled = 0
        self.shared_cpu = True  # one reply at a time, on the cores the service runs on
        # Saved states first, then the meter around them: a restored prefix counts as cached.
        self.states = StateCache(llama, state_cache_mb * 1024 * 1024)
        self._meter = PromptMeter(llama)
        # The functions offered so far, by the system prompt they were offered under and their name: a
        # later prompt of a conversation that called one lists it again (with no call allowed), as it
        # was offered there (a function's description is in the conversation's language), so that it
        # extends the prompt that offered it.
        self._tools: dict[tuple[str, str], dict[str, Any]] = {}

    @classmethod
    def from_config(cls, config: LLMConfig) -> LlamaCppLLM:
        path = config.gguf or download_gguf(config.hf_repo, config.hf_file)
        return cls.load(
            path,
            n_ctx=config.context_tokens,
            n_threads=config.threads,
            seed=config.seed,
            state_cache_mb=config.state_cache_mb,
        )

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        n_ctx: int = CONTEXT_TOKENS,
        n_threads: int | None = None,
        seed: int | None = None,
        state_cache_mb: int = STATE_CACHE_MB,
    ) -> LlamaCppLLM:
        llama = load_llama(path, n_ctx=n_ctx, n_threads=n_threads, seed=seed)
        return cls(llama, source=Path(path).expanduser().name, state_cache_mb=state_cache_mb)

    # --- the LLM protocol ----------------------------------------------------------------------

    @property
    def endpoints(self) -> list[EndpointStats]:
        return []  # no server

    @property
    def held_tokens(self) -> int:
        """Tokens in llama.cpp's KV state now: the prefix a next prompt may reuse, and how far the
        last generation got (a stopped one holds its prompt and the tokens made before it stopped)."""
        return self._llama.n_tokens

    def down(self) -> dict[str, str]:
        return {}

    async def chat(
        self, messages: list[Message], params: GenerationParams, route: RouteKey | None = None
    ) -> Completion:
        # One model in this process: `route` (which conversation) has no server to choose. The
        # same path as a stream, so a conversation is rendered one way whichever call reads it.
        stream = self.chat_stream(messages, params)
        async with stream:
            text = "".join([delta async for delta in stream])
        return Completion(text=text, finish_reason=stream.finish_reason, usage=stream.usage)

    def chat_stream(
        self,
        messages: list[Message],
        params: GenerationParams,
        route: RouteKey | None = None,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> TextStream:
        if tools and not self.supports_tools:
            raise ToolsUnsupported(self.name, "its chat template is not chatml, which function calling here needs")
        system = next((m.content for m in messages if m.role == "system"), "")
        for tool in tools or []:
            self._tools[(system, tool["function"]["name"])] = tool
        called = {(system, name) for name in uses_tools(messages)} if self.supports_tools else set()
        if tools or (called and called <= self._tools.keys() and not params.response_format):
            # Offered now, or called earlier in this conversation: the function-calling format.
            listed = tools or [self._tools[key] for key in sorted(called)]
            return TextStream(lambda result: self._tool_stream(messages, params, listed, bool(tools), result))

        def start(cancel: threading.Event) -> Iterator[dict[str, Any]]:
            return self._create_chat(messages, params, cancel, stream=True)

        return TextStream(lambda result: self._stream(start, result))

    def _tool_stream(
        self,
        messages: list[Message],
        params: GenerationParams,
        tools: list[dict[str, Any]],
        may_call: bool,
        result: StreamResult,
    ) -> AsyncIterator[str]:
        """A message streams as it is written; a call arrives whole in `result.tool_calls`."""
        chat = ToolChat(self._llama, messages, tools, sampling_args(params))

        def start(cancel: threading.Event) -> Iterator[dict[str, Any]]:
            yield from chat.run("auto" if may_call else "none", stop_when(cancel, self._llama.token_eos()))
            result.tool_calls = chat.calls

        return self._stream(start, result)

    async def chat_batch(
        self, conversations: list[list[Message]], params: GenerationParams, route: RouteKey | None = None
    ) -> list[Completion]:
        # One model on the CPU has no batch API here: one conversation after another.
        return [await self.chat(messages, params) for messages in conversations]

    async def complete(
        self, prompts: list[str], params: GenerationParams, route: RouteKey | None = None
    ) -> list[Completion]:
        # No batch API in llama-cpp-python: one after another (they would queue on the lock anyway).
        results = []
        for prompt in prompts:
            work = functools.partial(self._metered, functools.partial(self._create_completion, prompt, params, stream=False))
            data, window = await self._run(work, threading.Event())
            choice = data["choices"][0]
            completion_tokens = (data.get("usage") or {}).get("completion_tokens") or 0
            results.append(
                Completion(
                    text=choice.get("text") or "",
                    finish_reason=choice.get("finish_reason"),
                    usage=self.usage_total.add(window.usage(completion_tokens)),
                )
            )
        return results

    def complete_stream(
        self, prompt: str, params: GenerationParams, route: RouteKey | None = None
    ) -> TextStream:
        def start(cancel: threading.Event) -> Iterator[dict[str, Any]]:
            return self._create_completion(prompt, params, cancel, stream=True)

        return TextStream(lambda result: self._stream(start, result))

    async def health(self) -> None:
        return None  # the model is loaded in __init__; if it had failed we would not exist

    async def aclose(self) -> None:
        async with self._lock:  # wait for a running generation before freeing the model
            self._llama.close()

    # --- calling llama.cpp (these run in the worker thread) ------------------------------------

    def _create_chat(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event, *, stream: bool
    ) -> Any:
        def create(roles_mapped: bool) -> Any:
            return self._llama.create_chat_completion(
                messages=[{"role": chat_role(m.role, roles_mapped), "content": m.content} for m in messages],
                stream=stream,
                logits_processor=stop_when(cancel, self._llama.token_eos()),
                **sampling_args(params),
                **guided_args(params),
            )

        try:
            return create(self._map_roles)
        except Exception as exc:
            # The first render of a template that rejects `observation`: retry it as `user`, and
            # remember so later calls skip the failed attempt. Context overflows are not retried.
            if self._map_roles or too_long(exc) or all(m.role in STANDARD_ROLES for m in messages):
                raise
            self._map_roles = True
            return create(True)

    def _create_completion(
        self, prompt: str, params: GenerationParams, cancel: threading.Event, *, stream: bool
    ) -> Any:
        return self._llama.create_completion(
            prompt=prompt,
            stream=stream,
            logits_processor=stop_when(cancel, self._llama.token_eos()),
            **sampling_args(params),
        )

    def _metered(self, work: Callable[[threading.Event], T], cancel: threading.Event) -> tuple[T, Window]:
        window = self._meter.begin()
        return work(cancel), window

    # --- threads -------------------------------------------------------------------------------

    async def _run(self, work: Callable[[threading.Event], T], cancel: threading.Event) -> T:
        """`work(cancel)` in a fresh thread with the model to itself; cancelling us sets `cancel`."""
        await self._lock.acquire()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()

        def finish(result: Any, error: BaseException | None) -> None:
            self._lock.release()
            if done.cancelled():
                return
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)

        def target() -> None:
            result, error = None, None
            try:
                result = work(cancel)
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                error = self._error(exc)
            try:
                loop.call_soon_threadsafe(finish, result, error)
            except RuntimeError:
                pass  # the event loop is gone (process shutting down); nobody is waiting

        self.worker = threading.Thread(target=target, name="llama-generate", daemon=True)
        try:
            self.worker.start()
        except BaseException:
            self._lock.release()
            raise
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            cancel.set()  # the thread ends at the next token and then releases the lock
            done.add_done_callback(lambda f: f.cancelled() or f.exception())  # silence "never retrieved"
            raise

    async def _stream(
        self, start: Callable[[threading.Event], Iterator[dict[str, Any]]], result: StreamResult
    ) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        cancel = threading.Event()

        window = Window()

        def work(cancel: threading.Event) -> None:
            nonlocal window
            window = self._meter.begin()
            chunks = start(cancel)
            try:
                for chunk in chunks:
                    loop.call_soon_threadsafe(queue.put_nowait, chunk)
                    if cancel.is_set():
                        break  # nobody is reading: stop between tokens
            finally:
                close = getattr(chunks, "close", None)
                if close:
                    close()

        runner = asyncio.ensure_future(self._run(work, cancel))
        # Chunks are queued before the runner completes, so the end marker always comes last.
        runner.add_done_callback(lambda _: queue.put_nowait(None))
        text: list[str] = []
        try:
            while (chunk := await queue.get()) is not None:
                choice = chunk["choices"][0]
                if choice.get("finish_reason"):
                    result.finish_reason = choice["finish_reason"]
                delta = choice["delta"].get("content") if "delta" in choice else choice.get("text")
                if delta:
                    text.append(delta)
                    yield delta
            await runner  # raises what the worker raised (prompt too long, ...)
        finally:
            # Runs on normal end, error, aclose() and garbage collection after `break`.
            cancel.set()
            if not runner.done():
                runner.cancel()
            runner.add_done_callback(lambda t: t.cancelled() or t.exception())  # an error nobody reads is not logged
            result.usage = self.usage_total.add(window.usage(self._count_tokens("".join(text))))

    # --- helpers -------------------------------------------------------------------------------

    def _error(self, exc: BaseException) -> BaseException:
        if isinstance(exc, LLMError) or not isinstance(exc, Exception):
            return exc
        if too_long(exc):
            return PromptTooLong(
                self.name, f"{exc} (n_ctx={self.n_ctx}; raise WEBSEARCH_LLM_CONTEXT_TOKENS or send less)"
            )
        return LLMError(self.name, f"generation failed: {type(exc).__name__}: {exc}")

    def _count_tokens(self, text: str) -> int:
        # Streamed chunks carry no usage; re-tokenizing the text is cheap and close enough.
        try:
            return len(self._llama.tokenize(text.encode(), add_bos=False, special=True)) if text else 0
        except Exception:  # noqa: BLE001 - a count is not worth failing a reply for
            return 0
