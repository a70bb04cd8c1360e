"""Sonar chat completions: Perplexity's request fields on the OpenAI-compatible chat request, and what
they make of a question (its depth, evidence budget, filters, schema) and of the answer's `usage`.

One chat handler serves `/chat/completions` (Perplexity's own base URL is the server's root) and
`/v1/chat/completions` (OpenAI clients): `api/openai_compat/routes.py`. Every field is used:
`disable_search` (no search at all), the domain allow/deny list, recency, the date and last-updated
windows, `search_language_filter`, `web_search_options.search_context_size` (low | medium | high:
the evidence budget), `response_format` (json_schema: the model server's guided decoding),
`return_related_questions`, `stream_options.include_usage`. A Sonar model name sets the depth and
the default context size (`SONAR_MODELS`), and searches every question as Perplexity's does
(`enable_search_classifier` lets the model decide); any other name keeps the service's defaults
(the model decides). Fields not known here (temperature, top_k, return_images, …) are accepted and
ignored.
"""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from agent.budget import for_context_size
from agent.settings import Settings
from agent.state import AgentInput, AgentOutput
from api.openai_compat.schemas import ChatCompletionRequest
from api.perplexity.filters import provider_recency, result_filter
from api.perplexity.schemas import SONAR_MODELS, PerplexityFilters, ResponseFormat, WebSearchOptions
from core.tokens import count_tokens


class SonarRequest(PerplexityFilters, ChatCompletionRequest):
    disable_search: bool = False
    enable_search_classifier: bool = False  # Sonar names: let the model decide whether to search
    web_search_options: WebSearchOptions | None = None
    response_format: ResponseFormat | None = None

    @field_validator("response_format")
    @classmethod
    def _guided(cls, value: ResponseFormat | None) -> ResponseFormat | None:
        if value is not None:
            value.guided()  # a format this server cannot follow is a 400 now, before anything runs
        return value

    @property
    def context_size(self) -> str | None:
        """low | medium | high: asked for, else the Sonar model's; None for other model names."""
        asked = self.web_search_options.search_context_size if self.web_search_options else None
        sonar = SONAR_MODELS.get(self.model)
        return asked or (sonar.context if sonar else None)


def sonar_agent_input(body: SonarRequest, conversation_id: str, settings: Settings) -> AgentInput:
    sonar = SONAR_MODELS.get(body.model)
    guided = body.response_format.guided() if body.response_format else None
    search = body.search
    if sonar and "search" not in body.model_fields_set:
        # Sonar searches for every question, as Perplexity's does, unless its classifier is asked for
        # (here: the model decides, as for every other model name).
        search = "auto" if body.enable_search_classifier else "always"
    if body.disable_search:
        search = "never"
    elif guided and search == "auto":
        # An answer held to a schema cannot hold a search call: search first (the model writes the query).
        search = "always"
    size = body.context_size
    return AgentInput(
        question=body.question,
        conversation_id=conversation_id,
        search=search,
        domains=body.allowed_domains,
        exclude_domains=body.excluded_domains,
        recency=provider_recency(body),
        depth=sonar.depth if sonar and "depth" not in body.model_fields_set else body.depth,
        filters=result_filter(body),
        context_tokens=for_context_size(settings, size),
        response_format=guided,
    )


def usage_extras(body: ChatCompletionRequest, output: AgentOutput) -> dict[str, Any]:
    """Perplexity's additions to `usage`: the searches run, the evidence read, its size setting."""
    extras: dict[str, Any] = {
        "num_search_queries": len(output.queries) if output.searched else 0,
        "citation_tokens": sum(count_tokens(source.context) for source in output.sources),
    }
    size = body.context_size if isinstance(body, SonarRequest) else None
    extras["search_context_size"] = size or "low"
    # Perplexity's clients read `usage.cost` (a required field in its SDK): a self-hosted answer costs nothing.
    extras["cost"] = {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0}
    return extras
