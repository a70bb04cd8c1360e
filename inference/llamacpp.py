"""The `LLM` backend that runs a GGUF model in-process with llama.cpp (CPU, no server needed).

llama.cpp generation is blocking C code and a `Llama` object is not safe for concurrent use, so
each generation runs in its own worker thread while an asyncio.Lock lets one run at a time. The
lock is released by the thread when it really ends, not by the coroutine that started it, so a
cancelled request can never let a second one into the model while the first is still running.
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
    ToolCall,
    ToolsUnsupported,
    Usage,
)
from inference.config import CONTEXT_TOKENS, LLMConfig
from inference.gguf import download_gguf
from inference.llamacpp_args import (
    STANDARD_ROLES,
    bounded,
    chat_role,
    guided_args,
    sampling_args,
    stop_when,
    too_long,
    tool_message,
)
from inference.llamacpp_model import load_llama

if TYPE_CHECKING:
    from llama_cpp import Llama

T = TypeVar("T")


class LlamaCppLLM:
    def __init__(self, llama: Llama, *, source: str):
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

    @classmethod
    def from_config(cls, config: LLMConfig) -> LlamaCppLLM:
        path = config.gguf or download_gguf(config.hf_repo, config.hf_file)
        return cls.load(path, n_ctx=config.context_tokens, n_threads=config.threads)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, n_ctx: int = CONTEXT_TOKENS, n_threads: int | None = None) -> LlamaCppLLM:
        return cls(load_llama(path, n_ctx=n_ctx, n_threads=n_threads), source=Path(path).expanduser().name)

    # --- the LLM protocol ----------------------------------------------------------------------

    @property
    def endpoints(self) -> list[EndpointStats]:
        return []  # no server

    def down(self) -> dict[str, str]:
        return {}

    async def chat(
        self, messages: list[Message], params: GenerationParams, route: RouteKey | None = None
    ) -> Completion:
        # One model in this process: `route` (which conversation) has no server to choose.
        def work(cancel: threading.Event) -> dict[str, Any]:
            return self._create_chat(messages, params, cancel, stream=False)

        data = await self._run(work, threading.Event())
        choice = data["choices"][0]
        return Completion(
            text=choice["message"].get("content") or "",
            finish_reason=choice.get("finish_reason"),
            usage=self.usage_total.record(data),
        )

    def chat_stream(
        self,
        messages: list[Message],
        params: GenerationParams,
        route: RouteKey | None = None,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> TextStream:
        if tools:
            return TextStream(lambda result: self._tool_stream(messages, params, tools, result))

        def start(cancel: threading.Event) -> Iterator[dict[str, Any]]:
            return self._create_chat(messages, params, cancel, stream=True)

        return TextStream(lambda result: self._stream(start, result))

    async def _tool_stream(
        self, messages: list[Message], params: GenerationParams, tools: list[dict[str, Any]], result: StreamResult
    ) -> AsyncIterator[str]:
        """llama.cpp's function-calling chat handler (chatml): a grammar makes the model choose between
        `message:` and `functions.<name>:`, then the arguments follow the function's JSON schema."""
        if not self.supports_tools:
            raise ToolsUnsupported(self.name, "its chat template is not chatml, which llama.cpp's function calling needs")

        def work(cancel: threading.Event) -> dict[str, Any]:
            from llama_cpp.llama_chat_format import chatml_function_calling

            args = sampling_args(params)
            args["stop"] = args["stop"] or None  # the handler's own default (`<|im_end|>`)
            return chatml_function_calling(
                llama=self._llama,
                messages=[tool_message(m) for m in messages],
                tools=[bounded(tool) for tool in tools],
                tool_choice="auto",
                stream=False,
                logits_processor=stop_when(cancel, self._llama.token_eos()),
                **args,
            )

        data = await self._run(work, threading.Event())
        message = data["choices"][0]["message"]
        result.finish_reason = data["choices"][0].get("finish_reason")
        result.usage = self.usage_total.record(data)
        result.tool_calls = [
            ToolCall(id=c.get("id") or "call_0", name=c["function"]["name"], arguments=c["function"].get("arguments") or "{}")
            for c in message.get("tool_calls") or []
        ]
        if message.get("content"):
            yield message["content"]

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
            work = functools.partial(self._create_completion, prompt, params, stream=False)
            data = await self._run(work, threading.Event())
            choice = data["choices"][0]
            results.append(
                Completion(
                    text=choice.get("text") or "",
                    finish_reason=choice.get("finish_reason"),
                    usage=self.usage_total.record(data),
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

        def work(cancel: threading.Event) -> None:
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
            result.usage = Usage(completion_tokens=self._count_tokens("".join(text)))

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
