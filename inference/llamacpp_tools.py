"""Function calling for a chatml GGUF, done here rather than by llama-cpp-python's handler.

The format is the one llama-cpp-python's `chatml_function_calling` prompts with: the functions
listed in the system message, and a reply that begins `message:` or `functions.<name>:`. Its
handler has two faults that cost a small CPU model dearly: after `message:` it keeps a grammar
that allows only another call or the end, so every answer it chooses to write comes back empty;
and it writes nothing until the whole reply is done. Here the choice is made under a grammar (two
or three tokens), then a message streams freely and a call's arguments follow the function's schema.

Every prompt of a conversation is rendered this same way — with the functions listed even where
no call may be made now (`tool_choice="none"`) — so each one extends the one before and llama.cpp
evaluates only the new part.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from inference.base import Message, ToolCall

if TYPE_CHECKING:
    from llama_cpp import Llama

END = "<|im_end|>"
MESSAGE = "message:"
CALL_MAX_TOKENS = 40


def bounded(tool: dict[str, Any], max_chars: int = 160) -> dict[str, Any]:
    """The tool with a maxLength on its string parameters: arguments are generated under a grammar
    made from this schema, and a small model can run on to n_ctx."""
    tool = copy.deepcopy(tool)
    properties = tool.get("function", {}).get("parameters", {}).get("properties", {})
    for spec in properties.values():
        if isinstance(spec, dict) and spec.get("type") == "string":
            spec.setdefault("maxLength", max_chars)
    return tool


def _listing(tools: list[dict[str, Any]]) -> str:
    # Short: every token here is evaluated on the CPU once per conversation.
    functions = "".join(
        f"\nfunctions.{t['function']['name']}: {json.dumps(t['function'].get('parameters', {}), ensure_ascii=False)}"
        for t in tools
    )
    return (
        f"\n\nFunctions you can call:{functions}\n\n"
        "Reply either with 'message:' and then your message on the next line, or with "
        "'functions.<function_name>:' and then its arguments as JSON on the next line."
    )


def render(messages: list[Message], tools: list[dict[str, Any]]) -> str:
    """The conversation with the functions listed, up to the assistant's turn (no `message:` yet)."""
    parts: list[str] = []
    for message in messages:
        if message.role == "system":
            parts.append(f"<|im_start|>system\n{message.content}{_listing(tools)}{END}\n")
        elif message.role == "assistant":
            body = f"{MESSAGE}\n{message.content}" if message.content else ""
            for call in message.tool_calls or []:
                body += ("\n" if body else "") + f"functions.{call.name}:\n{call.arguments}"
            parts.append(f"<|im_start|>assistant\n{body}{END}\n")
        else:  # user, and a function's result (`tool`, Megrez's `observation`), which the format reads as a user turn
            parts.append(f"<|im_start|>user\n{message.content}{END}\n")
    if not any(m.role == "system" for m in messages):
        parts.insert(0, f"<|im_start|>system\n{_listing(tools).lstrip()}{END}\n")
    parts.append("<|im_start|>assistant\n")
    return "".join(parts)


def _single_string(parameters: dict[str, Any]) -> str | None:
    """The name of the function's one parameter when it is a string (the search query)."""
    properties = parameters.get("properties") or {}
    if len(properties) != 1:
        return None
    [(key, spec)] = properties.items()
    return key if isinstance(spec, dict) and spec.get("type") == "string" else None


def uses_tools(messages: list[Message]) -> set[str]:
    """The functions a conversation has called (its prompt lists them even when none is offered now)."""
    return {call.name for m in messages for call in m.tool_calls or []}


class ToolChat:
    """One function-calling reply, generated in the worker thread: chunks of text as the model writes
    a message, or `calls` set when it calls. `sampling` is llamacpp_args.sampling_args' output."""

    def __init__(self, llama: Llama, messages: list[Message], tools: list[dict[str, Any]], sampling: dict[str, Any]):
        self.llama = llama
        self.tools = [bounded(t) for t in tools]
        self.prompt = render(messages, self.tools)
        self.sampling = sampling
        self.calls: list[ToolCall] = []

    def choose(self, logits_processor: list[Any]) -> str:
        """`message` or the name of the function the model calls (grammar-bound, greedy: a few tokens)."""
        from llama_cpp.llama_grammar import LlamaGrammar

        names = " | ".join(f'"functions.{t["function"]["name"]}:"' for t in self.tools)
        grammar = LlamaGrammar.from_string(f'root ::= "{MESSAGE}" | functions\nfunctions ::= {names}\n', verbose=False)
        done = self.llama.create_completion(
            prompt=self.prompt, temperature=0.0, max_tokens=16, grammar=grammar, logits_processor=logits_processor
        )
        text = done["choices"][0]["text"].strip()
        return text.removeprefix("functions.").rstrip(":") if text.startswith("functions.") else "message"

    def message(self, logits_processor: list[Any]) -> Iterator[dict[str, Any]]:
        """The reply as text, streamed (completion chunks)."""
        args = dict(self.sampling)
        args["stop"] = [*args.get("stop", []), END]
        return self.llama.create_completion(
            prompt=f"{self.prompt}{MESSAGE}\n", stream=True, logits_processor=logits_processor, **args
        )

    def call(self, name: str, logits_processor: list[Any]) -> ToolCall:
        """The call's arguments: one string argument written freely after its opening quote (a
        grammar costs a small model more per token than the model does), else under the schema."""
        tool = next(t for t in self.tools if t["function"]["name"] == name)
        parameters = tool["function"].get("parameters", {})
        args = dict(self.sampling)
        args["max_tokens"] = CALL_MAX_TOKENS  # a query; a small model can run on to the schema's maxLength
        prompt = f"{self.prompt}functions.{name}:\n"
        if (key := _single_string(parameters)) is not None:
            opening = "{" + json.dumps(key) + ': "'
            args["stop"] = ['"', "\n", END]
            done = self.llama.create_completion(prompt=prompt + opening, logits_processor=logits_processor, **args)
            value = done["choices"][0]["text"].strip()
            return ToolCall(id="call_0", name=name, arguments=json.dumps({key: value}, ensure_ascii=False))
        from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

        try:
            grammar = LlamaGrammar.from_json_schema(json.dumps(parameters), verbose=False)
        except Exception:  # noqa: BLE001 - a schema the converter cannot take: any JSON
            grammar = LlamaGrammar.from_string(JSON_GBNF, verbose=False)
        args["stop"] = [END]
        done = self.llama.create_completion(prompt=prompt, grammar=grammar, logits_processor=logits_processor, **args)
        return ToolCall(id="call_0", name=name, arguments=done["choices"][0]["text"].strip() or "{}")

    def run(self, choice: Literal["auto", "none"], logits_processor: list[Any]) -> Iterator[dict[str, Any]]:
        """Completion chunks of the message; none when the model called (then `calls` holds it)."""
        picked = self.choose(logits_processor) if choice == "auto" else "message"
        if picked == "message" or not any(t["function"]["name"] == picked for t in self.tools):
            yield from self.message(logits_processor)
            return
        self.calls = [self.call(picked, logits_processor)]
