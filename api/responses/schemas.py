"""OpenAI's Responses API, the request side: `input` (text, or message items), the `web_search` tool
and `tool_choice` (whether and how the service searches), `previous_response_id`, `store`.

What is used: `input`, `tools` (`web_search`, `web_search_preview` and their dated names; a tool's
`search_context_size` and `filters.allowed_domains`), `tool_choice`, `previous_response_id`,
`store`, `stream`, `model` (echoed), `metadata` (echoed), `include` (`web_search_call.action.sources`
lists each search's sources on its call). Accepted and ignored: `instructions` (the service's prompts
are fixed, which keeps vLLM's prefix cache warm), sampling fields, `reasoning`, `text`, other tools
(the service calls no client functions), and any field it does not know.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.state import SearchMode
from api.openai_compat.schemas import MODEL_ID
from api.perplexity.schemas import MAX_DOMAINS, ContextSize
from api.contract import domain_names

WEB_SEARCH_TOOLS = frozenset(
    {"web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11"}
)
RESPONSE_ID = re.compile(r"^resp_[A-Za-z0-9]{8,64}$")
SOURCES_INCLUDE = "web_search_call.action.sources"


class WebSearchFilters(BaseModel):
    model_config = ConfigDict(extra="allow")

    allowed_domains: list[str] = Field(default_factory=list, max_length=MAX_DOMAINS)

    @field_validator("allowed_domains")
    @classmethod
    def _hostnames(cls, value: list[str]) -> list[str]:
        return domain_names(value)


class WebSearchTool(BaseModel):
    model_config = ConfigDict(extra="allow")  # user_location, external_web_access: accepted, unused

    type: str
    search_context_size: ContextSize | None = None
    filters: WebSearchFilters | None = None


def message_text(content: Any) -> str:
    """A message's text: a string, or its text parts (input_text, output_text, text)."""
    if isinstance(content, str):
        return content.strip()
    if not isinstance(content, list):
        return ""
    texts = [str(part.get("text") or "") for part in content if isinstance(part, dict) and "text" in part]
    return "\n".join(texts).strip()


class ResponsesRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, instructions, reasoning, text, …: ignored

    model: str = MODEL_ID
    input: str | list[dict[str, Any]]
    tools: list[dict[str, Any]] = Field(default_factory=list)
    tool_choice: str | dict[str, Any] | None = None
    previous_response_id: str | None = None
    store: bool = True
    stream: bool = False
    include: list[str] | None = None
    metadata: dict[str, str] | None = None
    instructions: str | list[dict[str, Any]] | None = None  # echoed; not followed (the service's prompts are fixed)

    @field_validator("input")
    @classmethod
    def _a_question(cls, value: str | list[dict[str, Any]]) -> str | list[dict[str, Any]]:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("input has no text")
            return value
        messages = [item for item in value if _is_message(item)]
        if not messages or messages[-1].get("role") != "user":
            raise ValueError("the last message in input must be the user's (role 'user')")
        if not message_text(messages[-1].get("content")):
            raise ValueError("the last user message has no text")
        return value

    @field_validator("tool_choice")
    @classmethod
    def _a_choice(cls, value: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
        if isinstance(value, str) and value not in ("none", "auto", "required"):
            raise ValueError("tool_choice must be 'none', 'auto', 'required' or a tool")
        return value

    @field_validator("previous_response_id")
    @classmethod
    def _an_id(cls, value: str | None) -> str | None:
        if value is not None and not RESPONSE_ID.match(value):
            raise ValueError(f"{value!r} is not a response id (resp_…)")
        return value

    @field_validator("tools")
    @classmethod
    def _tools(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for tool in value:
            if not isinstance(tool.get("type"), str):
                raise ValueError("each tool needs a 'type'")
            if tool["type"] in WEB_SEARCH_TOOLS:
                WebSearchTool.model_validate(tool)  # a bad context size or domain is a 400
        return value

    # --- what the request means ---------------------------------------------------------------

    @property
    def messages(self) -> list[tuple[str, str]]:
        if isinstance(self.input, str):
            return [("user", self.input.strip())]
        return [(item["role"], message_text(item.get("content"))) for item in self.input if _is_message(item)]

    @property
    def question(self) -> str:
        return self.messages[-1][1]

    @property
    def transcript(self) -> list[tuple[str, str]]:
        """The earlier user/assistant messages in `input`, as (role, text)."""
        return [(role, text) for role, text in self.messages[:-1] if role in ("user", "assistant")]

    @property
    def web_search(self) -> WebSearchTool | None:
        found = next((tool for tool in self.tools if tool["type"] in WEB_SEARCH_TOOLS), None)
        return WebSearchTool.model_validate(found) if found else None

    @property
    def search_mode(self) -> SearchMode:
        """No web_search tool or tool_choice "none": never; "required" or the tool named: always."""
        if self.web_search is None or self.tool_choice == "none":
            return "never"
        choice = self.tool_choice
        if choice == "required" or (isinstance(choice, dict) and choice.get("type") in WEB_SEARCH_TOOLS):
            return "always"
        return "auto"

    @property
    def wants_sources(self) -> bool:
        return SOURCES_INCLUDE in (self.include or [])


def _is_message(item: Any) -> bool:
    return isinstance(item, dict) and item.get("type", "message") == "message" and item.get("role") in (
        "user",
        "assistant",
        "system",
        "developer",
    )
