"""Decide, with `search_by_rule` (the CPU profile's setting): the request and the bilingual rule say
whether to search, and a search they decide costs no generation; whatever they leave open, the
model decides. A greeting is never searched unless the caller says `always`, and `never` is never
overruled by the rule."""

from __future__ import annotations

import pytest

from agent.deps import build_deps
from agent.engine import Engine
from agent.state import AgentInput
from testkit.settings import make_settings

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
GREETING = "Hello there!"


@pytest.fixture
async def by_rule(local_web, megrez, workers):
    deps = build_deps(make_settings(local_web, megrez, search_by_rule=True), workers=workers)
    yield Engine(deps)
    deps.workers = None  # the session's pool, closed by its fixture
    for part in (deps.llm, deps.store, deps.cache, deps.http):
        await part.aclose()


def first_prompt_ends_with(megrez) -> str:
    """The role of the last message of the first request the model got: `observation` is the answer's."""
    return megrez.requests[0]["body"]["messages"][-1]["role"]


@pytest.mark.parametrize(
    "question, search, searched, model_decides",
    [
        (QUESTION, "auto", True, False),  # the rule says search: the model writes only the answer
        (GREETING, "always", True, False),  # the caller says search: so does the service, at once
        (GREETING, "auto", False, True),  # the rule leaves it open: the model answers the greeting
        (QUESTION, "never", False, True),  # the caller says never: the rule does not overrule it
    ],
)
async def test_by_rule_the_request_and_the_rule_decide_and_the_model_the_rest(
    by_rule, local_web, megrez, question, search, searched, model_decides
):
    before = len(local_web.search_requests)
    output = await by_rule.answer(AgentInput(question=question, conversation_id=f"rule-{search}", search=search))
    assert output.searched is searched and output.answer
    assert (len(local_web.search_requests) > before) is searched
    assert (first_prompt_ends_with(megrez) != "observation") is model_decides
