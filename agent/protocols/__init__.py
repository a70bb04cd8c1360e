"""How the model is asked to decide and to answer: one module per protocol, chosen here.

`WEBSEARCH_LLM_PROTOCOL`: `megrez` (its text function-call protocol), `tools` (OpenAI `tools` /
`tool_calls`), `plain` (no function calling: the bilingual rule decides), or `auto` (the default):
Megrez by the served model's name, else `tools` where the backend can offer them — and a server that
refuses a request with `tools` (vLLM without a tool parser, an Ollama model without tool support)
moves this process to `plain` once, remembered, the user seeing nothing of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

from agent.protocols.base import Decision, Generation, ModelProtocol, ProtocolContext
from agent.protocols.megrez import MegrezProtocol
from agent.protocols.plain import PlainProtocol
from agent.protocols.tools import ToolsProtocol

log = logging.getLogger("websearch.protocol")

ProtocolName = Literal["megrez", "tools", "plain"]
ProtocolSetting = Literal["auto", "megrez", "tools", "plain"]

# A new protocol is its module (the capabilities of ModelProtocol, agent/protocols/base.py) and one
# line here; no node names a protocol.
PROTOCOLS: dict[str, Callable[[], ModelProtocol]] = {
    "megrez": MegrezProtocol,
    "tools": ToolsProtocol,
    "plain": PlainProtocol,
}


def detect(model_name: str, supports_tools: bool | None) -> ProtocolName:
    """From the served model's name and what the backend says it can do (None: ask the server)."""
    if "megrez" in model_name.lower():
        return "megrez"
    return "plain" if supports_tools is False else "tools"


class ProtocolChoice:
    """The protocol this process speaks; one per process, shared by every request."""

    def __init__(self, setting: ProtocolSetting, *, model_name: str, supports_tools: bool | None = None):
        self.setting = setting
        self.model_name = model_name
        name = detect(model_name, supports_tools) if setting == "auto" else setting
        self.protocol: ModelProtocol = PROTOCOLS[name]()
        how = "detected" if setting == "auto" else "set"
        log.debug("model %r speaks the %s protocol (%s)", model_name, name, how)
        self.fell_back: str | None = None  # why tools were given up, once they were

    @property
    def name(self) -> str:
        return self.protocol.name

    def tools_refused(self, reason: str) -> ModelProtocol:
        """The server refused `tools`: speak `plain` from now on (logged once)."""
        if self.protocol.name == "tools":
            log.warning("the model server refused tools (%s); deciding with the plain protocol from now on", reason)
            self.protocol = PROTOCOLS["plain"]()
            self.fell_back = reason
        return self.protocol


__all__ = ["PROTOCOLS", "Decision", "Generation", "ModelProtocol", "ProtocolChoice", "ProtocolContext", "detect"]
