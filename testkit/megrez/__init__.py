"""A scripted stand-in for Megrez-3B-Instruct served by vLLM's OpenAI-compatible server, and the one
fake of vLLM's wire protocol the tests and benches use.

There is no GPU and no internet where the tests run, so this package plays the model: a real HTTP
server (uvicorn, raw ASGI app, on a free loopback port, in a background thread) that speaks the wire
protocol of `vllm serve Infinigence/Megrez-3B-Instruct` and behaves, deterministically, the way the
service expects Megrez to behave:

* a websearch system prompt (one that offers the `search` function) and a user turn last: small talk,
  thanks and simple arithmetic are answered directly; anything else becomes exactly
  `<|function_start|>{"name": "search", "arguments": {"query": Q}}<|function_end|>`, with Q written
  from the conversation (a follow-up like "and how much did it cost?" gets the previous subject);
* an `observation` turn last, holding `[[citation:N]]` contexts: the sentence(s) that best overlap
  the question are quoted with `[citation:N]` after each, in the question's language; no overlap ->
  "could not find the answer in the search results" and no citation;
* a chat-only system prompt (no function offered): always a direct answer.

`ScriptedMegrez(reply=...)` is a plain vLLM whose words a test fixes (the client's own tests);
`mode="tools" | "plain"` a model that is not Megrez (tools_mode.py).

Usage::

    with ScriptedMegrez() as llm:
        client = httpx.Client(base_url=llm.base_url)   # base_url ends with /v1
        ...
        llm.requests[-1]["body"]["messages"]             # what the model was sent

Tests get one from the `megrez` fixture (tests/conftest.py).

One job a module: template (tokens, chat template, decoding), language (what a question is about),
replies (answers without search), behaviour (what Megrez writes), tools_mode (other models),
prefix_cache, protocol (requests and errors), responses (replies and SSE events), metrics, http
(the loopback ASGI server), settings (what a test may set), stream (sending SSE), server
(ScriptedMegrez); conversations (what the service sends it, from prompts/, for tests).
"""

from testkit.megrez.behaviour import MegrezBehaviour, parse_contexts
from testkit.megrez.metrics import parse_prometheus
from testkit.megrez.protocol import ErrorResponse, vllm_error
from testkit.megrez.replies import small_talk_reply
from testkit.megrez.server import ScriptedMegrez
from testkit.megrez.template import (
    FUNCTION_END,
    FUNCTION_START,
    function_call,
    parse_megrez_prompt,
    render_megrez,
    tokenize,
)

__all__ = [
    "FUNCTION_END",
    "FUNCTION_START",
    "ErrorResponse",
    "MegrezBehaviour",
    "ScriptedMegrez",
    "function_call",
    "parse_contexts",
    "parse_megrez_prompt",
    "parse_prometheus",
    "render_megrez",
    "small_talk_reply",
    "tokenize",
    "vllm_error",
]
