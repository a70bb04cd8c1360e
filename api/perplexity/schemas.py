"""Perplexity's wire format: the Sonar models, the request fields Perplexity adds to chat completions
(and shares with its Search API), and errors in Perplexity's shape (`{"error": {"message", "type",
"code"}}`, `code` the HTTP status).

Dates are Perplexity's `%m/%d/%Y` ("3/1/2025"); domains are an allow-list and `-domain` entries that
leave a site out; languages are ISO 639-1 codes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agent.state import Depth
from api import errors
from api.openai_compat.schemas import DomainFilter, OpenAIRoute

ContextSize = Literal["low", "medium", "high"]
PerplexityRecency = Literal["hour", "day", "week", "month", "year"]


class Sonar(BaseModel):
    depth: Depth  # quick: one search round; auto: as the model decides; deep: more rounds and pages
    context: ContextSize  # the evidence the answer reads unless the request says otherwise


# Perplexity's names, by how hard they look: rounds of searching and how much evidence is read.
SONAR_MODELS: dict[str, Sonar] = {
    "sonar": Sonar(depth="quick", context="low"),
    "sonar-pro": Sonar(depth="auto", context="medium"),
    "sonar-reasoning": Sonar(depth="auto", context="low"),
    "sonar-reasoning-pro": Sonar(depth="auto", context="medium"),
    "sonar-deep-research": Sonar(depth="deep", context="high"),
}
MAX_DOMAINS = 20
MAX_QUERIES = 5


# --- errors in Perplexity's shape -------------------------------------------------------------------

_TYPES = {400: "invalid_parameter", 401: "unauthorized", 404: "not_found", 413: "request_too_large"}


def perplexity_error(status: int, message: str) -> JSONResponse:
    kind = _TYPES.get(status, "server_error" if status >= 500 else "invalid_parameter")
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status_code=status)


class PerplexityRoute(OpenAIRoute):
    """Every failure on these routes (the API key's too) answers in Perplexity's shape; a bad value is a 400."""

    def invalid(self, exc: RequestValidationError) -> JSONResponse:
        return perplexity_error(400, errors.validation_message(exc))

    def failed(self, exc: Exception) -> JSONResponse:
        status, _, message = errors.describe(exc)
        return perplexity_error(400 if status == 422 else status, message)


# --- fields Perplexity adds -------------------------------------------------------------------------


def perplexity_date(value: str | None) -> date | None:
    """`%m/%d/%Y` as Perplexity writes it ("3/1/2025"); anything else is a 400."""
    if value is None or not str(value).strip():
        return None
    try:
        return datetime.strptime(str(value).strip(), "%m/%d/%Y").date()
    except ValueError:
        raise ValueError(f"{value!r} is not a date in %m/%d/%Y form (e.g. '3/1/2025')") from None


def languages(values: list[str]) -> list[str]:
    codes = []
    for value in values:
        code = str(value).strip().lower()
        if len(code) != 2 or not code.isalpha():
            raise ValueError(f"{value!r} is not an ISO 639-1 language code (e.g. 'en', 'zh')")
        codes.append(code)
    return codes


class WebSearchOptions(BaseModel):
    model_config = ConfigDict(extra="allow")  # user_location, search_type, image options: accepted, unused

    search_context_size: ContextSize | None = None


class JsonSchemaSpec(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: str | None = Field(default=None, max_length=64)
    description: str | None = None
    json_schema: dict[str, Any] = Field(alias="schema")
    strict: bool | None = None


class ResponseFormat(BaseModel):
    """Perplexity's (and OpenAI's) structured output: a JSON schema the answer must follow."""

    model_config = ConfigDict(extra="allow")

    type: Literal["text", "json_schema", "json_object", "regex"]
    json_schema: JsonSchemaSpec | None = None

    @field_validator("json_schema")
    @classmethod
    def _a_schema(cls, value: JsonSchemaSpec | None) -> JsonSchemaSpec | None:
        if value is not None:
            try:
                Draft202012Validator.check_schema(value.json_schema)
            except SchemaError as exc:
                raise ValueError(f"not a valid JSON schema: {exc.message}") from None
        return value

    def guided(self) -> dict[str, Any] | None:
        """What the model server's guided decoding is sent (vLLM needs a name); None for free text."""
        if self.type == "text":
            return None
        if self.type == "regex":
            raise ValueError("response_format 'regex' is not supported here: use 'json_schema'")
        if self.type == "json_object":
            return {"type": "json_object"}
        if self.json_schema is None:
            raise ValueError("response_format 'json_schema' needs json_schema.schema")
        spec: dict[str, Any] = {"name": self.json_schema.name or "answer", "schema": self.json_schema.json_schema}
        if self.json_schema.strict is not None:
            spec["strict"] = self.json_schema.strict
        return {"type": "json_schema", "json_schema": spec}


class PerplexityFilters(DomainFilter):
    """The search filters Sonar chat completions and the Search API share (unknown fields ignored)."""

    model_config = ConfigDict(extra="allow")

    search_recency_filter: PerplexityRecency | None = None
    search_after_date_filter: date | None = None
    search_before_date_filter: date | None = None
    last_updated_after_filter: date | None = None
    last_updated_before_filter: date | None = None
    search_language_filter: list[str] = Field(default_factory=list, max_length=10)

    @field_validator(
        "search_after_date_filter",
        "search_before_date_filter",
        "last_updated_after_filter",
        "last_updated_before_filter",
        mode="before",
    )
    @classmethod
    def _perplexity_date(cls, value: Any) -> date | None:
        return value if isinstance(value, date) else perplexity_date(value)

    @field_validator("search_language_filter")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        return languages(value)

    @model_validator(mode="after")
    def _a_window(self) -> PerplexityFilters:
        after = [d for d in (self.search_after_date_filter, self.last_updated_after_filter) if d]
        before = [d for d in (self.search_before_date_filter, self.last_updated_before_filter) if d]
        if after and before and max(after) > min(before):
            raise ValueError(f"the date filters leave no window: after {max(after)} but before {min(before)}")
        return self
