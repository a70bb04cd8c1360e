"""The one error tree: every error the project raises derives from `WebsearchError`, and the REST
surface answers each kind with its status, naming the backend at fault."""

from __future__ import annotations

import importlib
import pkgutil

import httpx
import pytest
from fastapi import FastAPI

from agent.store import ConversationTooLarge, StoreUnavailable
from api import errors
from api.errors import APIError
from core.errors import ErrorKind, WebsearchError
from inference.base import LLMError, LLMTimeout, LLMUnavailable, ModelNotFound, PromptTooLong
from search.address import Refused
from search.providers.base import RateLimited, SearchError
from core.workers import WorkerLost
from testkit.app_server import ServedApp, free_port
from testkit.settings import make_settings

PACKAGES = ("core", "agent", "search", "inference", "api", "prompts")
# Starlette's own tree: FastAPI re-raises an HTTPException met while reading the body as it is.
OUTSIDE_THE_TREE = {"api.limits.BodyTooLarge"}
QUESTION = "When did the Aurora Bridge open?"


def project_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for package in PACKAGES:
        root = importlib.import_module(package)
        names = [package] + [m.name for m in pkgutil.walk_packages(root.__path__, package + ".")]
        for name in names:
            module = importlib.import_module(name)
            for obj in vars(module).values():
                if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == name:
                    found[f"{name}.{obj.__qualname__}"] = obj
    return found


def test_every_error_the_project_defines_is_in_the_one_tree() -> None:
    found = project_exceptions()
    assert "core.workers.ParseFailed" in found and "api.errors.APIError" in found  # the walk reaches them
    strays = sorted(name for name, cls in found.items() if not issubclass(cls, WebsearchError))
    assert strays == sorted(OUTSIDE_THE_TREE)
    for name, cls in found.items():
        if issubclass(cls, WebsearchError):
            assert isinstance(cls.kind, ErrorKind) and cls.code, name


@pytest.mark.parametrize(
    ("error", "status", "code", "words"),
    [
        (LLMUnavailable("vLLM at http://gpu:8000/v1", "cannot connect"), 503, "llm_unavailable", "model backend (vLLM at http://gpu:8000/v1)"),
        (LLMTimeout("vLLM at http://gpu:8000/v1", "no answer within 120s"), 504, "llm_timeout", "model backend (vLLM at http://gpu:8000/v1)"),
        (ModelNotFound("vLLM", "megrez is not served"), 503, "llm_model_not_found", "model backend (vLLM)"),
        (PromptTooLong("vLLM", "maximum context length is 400 tokens"), 400, "prompt_too_long", "model backend (vLLM)"),
        (LLMError("vLLM", "answered with something that is not JSON"), 503, "llm_error", "model backend (vLLM)"),
        (SearchError("searxng", "HTTP 500"), 503, "search_unavailable", "search provider searxng failed"),
        (RateLimited("duckduckgo", "429"), 503, "search_rate_limited", "search provider duckduckgo is rate limiting"),
        (StoreUnavailable("redis at 127.0.0.1:6379", "connection refused"), 503, "store_unavailable", "conversation store (redis at 127.0.0.1:6379) is unreachable"),
        (ConversationTooLarge("the conversation is full"), 413, "conversation_too_large", "the conversation is full"),
        (Refused("'10.0.0.1' is private"), 403, "fetch_refused", "'10.0.0.1' is private"),
        (WorkerLost("deadline", "parsing took longer than 5s"), 504, "worker_lost", "parsing took longer than 5s"),
        (APIError(404, "conversation_not_found", "no conversation 'x'"), 404, "conversation_not_found", "no conversation 'x'"),
    ],
)
async def test_each_kind_answers_with_its_status_at_the_rest_surface(error, status, code, words) -> None:
    app = FastAPI()
    errors.install(app)

    @app.get("/fail")
    async def fail():
        raise error

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        response = await client.get("/fail")
    assert response.status_code == status
    body = response.json()["error"]
    assert body["code"] == code and words in body["message"]


def test_an_unforeseen_failure_is_a_500_without_its_details() -> None:
    assert errors.describe(RuntimeError("secret detail")) == (
        500, "internal_error", "the service failed unexpectedly; the error is in its log"
    )
    assert errors.kind_of(RuntimeError("boom")) is ErrorKind.UNAVAILABLE


def test_a_down_model_backend_is_a_503_naming_it_and_a_slow_one_a_504(local_web, megrez) -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    with ServedApp(make_settings(local_web, megrez, llm_base_url=down)) as app:
        failed = httpx.post(app.base_url + "/v1/answer", json={"question": QUESTION}, timeout=30)
    assert failed.status_code == 503, failed.text
    error = failed.json()["error"]
    assert error["code"] == "llm_unavailable" and down.removesuffix("/v1") in error["message"]

    megrez.delay_s = 3.0  # no first token before the client's deadline
    with ServedApp(make_settings(local_web, megrez, llm_timeout_s=0.5)) as app:
        slow = httpx.post(app.base_url + "/v1/answer", json={"question": QUESTION}, timeout=30)
    assert slow.status_code == 504, slow.text
    error = slow.json()["error"]
    assert error["code"] == "llm_timeout" and "127.0.0.1" in error["message"]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (LLMUnavailable("vLLM", "cannot connect"), "the language model is unavailable"),
        (LLMTimeout("vLLM", "no answer within 120s"), "the language model took too long"),
        (PromptTooLong("vLLM", "maximum context length is 400 tokens"), "something went wrong"),
        (RateLimited("duckduckgo", "429"), "web search is unavailable"),
        (StoreUnavailable("redis", "connection refused"), "the conversation store is unavailable"),
    ],
)
def test_slack_words_each_failure_by_its_kind_and_part(error, reason) -> None:
    from api.slack.bot import error_text

    assert error_text(error, "en") == (
        f":warning: Sorry, I could not answer that: {reason}. Please try again in a moment. (`{error.code}`)"
    )
