"""How each protocol's decide step reads the model (agent/protocols): the query it writes, a call it
garbles or leaves empty, a stray call when searching is off, and what the reader sees meanwhile.
In process (the engine, the scripted model, the local web): what a caller of the service gets."""

from __future__ import annotations

import contextlib
import json

import pytest

import prompts
from agent.deps import build_deps
from agent.engine import Engine
from agent.events import Delta
from agent.classify import write_query
from agent.state import AgentInput, AgentOutput
from inference.megrez import FUNCTION_END, FUNCTION_START
from testkit.settings import make_settings

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
TWO_PART = "Where was the author of The Lantern Orchard born?"
UNPLACED = "Why do cats purr?"  # a question the bilingual rule cannot place: the model decides


def call(arguments: dict) -> str:
    return f"{FUNCTION_START}{json.dumps({'name': 'search', 'arguments': arguments})}{FUNCTION_END}"


@pytest.fixture
async def engine(local_web, megrez, workers):
    async with started(make_settings(local_web, megrez), workers) as engine:
        yield engine


@pytest.fixture
async def tools(local_web, tools_model, workers):
    async with started(make_settings(local_web, tools_model), workers) as engine:  # auto: not Megrez -> tools
        yield engine


@pytest.fixture
async def plain(local_web, plain_model, workers):
    async with started(make_settings(local_web, plain_model, llm_protocol="plain"), workers) as engine:
        yield engine


@contextlib.asynccontextmanager
async def started(settings, workers):
    built = build_deps(settings, workers=workers)
    try:
        yield Engine(built)
    finally:
        for part in (built.llm, built.store, built.cache, built.http):  # not the session's workers
            await part.aclose()


def searches(web) -> int:
    return sum(1 for path in list(web.requests) if path.startswith("/search"))


async def run(engine: Engine, question: str = QUESTION, **fields) -> tuple[str, AgentOutput]:
    """What the reader saw streamed, and the output."""
    items = [item async for item in engine.stream(AgentInput(question=question, conversation_id="c", **fields))]
    shown = "".join(item.text for item in items if isinstance(item, Delta))
    assert isinstance(items[-1], AgentOutput)
    return shown, items[-1]


@pytest.mark.parametrize("search", ["auto", "always"])
async def test_megrez_searches_for_the_query_it_wrote(engine, megrez, search):
    megrez.script = [call({"query": "Veldmark bridge construction price"})]
    _, output = await run(engine, search=search)
    assert output.searched and output.queries[0] == "Veldmark bridge construction price"
    assert "420 million" in output.answer


@pytest.mark.parametrize("arguments", [{}, {"query": ""}, {"query": "   "}])
async def test_a_megrez_call_without_a_query_searches_the_question(engine, megrez, arguments):
    megrez.script = [call(arguments)]
    _, output = await run(engine)
    assert output.searched and output.queries[0] == QUESTION
    assert "420 million" in output.answer


async def test_a_garbled_megrez_call_searches_the_question(engine, megrez):
    megrez.script = [f'{FUNCTION_START}{{"name": "search", "arguments": {{"query": "Aurora{FUNCTION_END}']
    _, output = await run(engine)
    assert output.searched and output.queries[0] == QUESTION
    assert "420 million" in output.answer


async def test_a_garbled_call_before_a_good_one_searches_the_good_ones_query(engine, megrez):
    megrez.script = [f"{FUNCTION_START}search Aurora{FUNCTION_END}" + call({"query": "Veldmark bridge price"})]
    _, output = await run(engine)
    assert output.searched and output.queries[0] == "Veldmark bridge price"


async def test_with_searching_off_megrez_is_offered_no_function_and_a_stray_call_is_not_followed(
    engine, megrez, local_web
):
    before = searches(local_web)
    megrez.script = [call({"query": "Aurora Bridge cost"})]
    _, output = await run(engine, search="never")
    assert not output.searched and output.queries == []
    assert searches(local_web) == before
    system = megrez.bodies("/v1/chat/completions")[0]["messages"][0]["content"]
    assert system == prompts.chat_system("en", engine.deps.today()) and '"search"' not in system


async def test_a_megrez_direct_answer_streams_exactly_as_it_is_kept(engine, megrez):
    shown, output = await run(engine, question="Hello there!")
    assert not output.searched and output.no_answer is None and output.answer and shown == output.answer


async def test_with_search_always_a_megrez_draft_is_never_shown(engine, megrez):
    megrez.script = ["From memory: it cost about 5 euros."]
    shown, output = await run(engine, search="always")
    assert output.searched and output.queries[0] == QUESTION and "420 million" in output.answer
    assert "5 euros" not in shown and "5 euros" not in output.answer


async def test_megrez_searches_again_while_answering(engine):
    _, output = await run(engine, question=TWO_PART)
    assert output.search_rounds == 2 and "Kessel Point" in output.answer


# --- tools ---------------------------------------------------------------------------------------


async def test_a_tools_model_searches_for_the_query_it_wrote(tools, tools_model):
    tools_model.script = [call({"query": "Veldmark bridge construction price"})]
    _, output = await run(tools)
    assert output.searched and output.queries[0] == "Veldmark bridge construction price"
    assert "420 million" in output.answer


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_a_tools_call_copying_the_parameters_description_searches_the_question(tools, tools_model, language):
    described = prompts.search_function(language)["parameters"]["properties"]["query"]["description"]
    tools_model.script = [call({"query": f"Aurora Bridge {described}"})]
    _, output = await run(tools)
    assert output.searched and output.queries[0] == write_query(QUESTION, [])
    assert "420 million" in output.answer


@pytest.mark.parametrize("reply", [call({}), f'{FUNCTION_START}{{"name": "search", "arguments": {{"query": "Aurora{FUNCTION_END}'])
async def test_a_tools_call_without_a_usable_query_searches_the_question(tools, tools_model, reply):
    tools_model.script = [reply]  # no query, or a call garbled past reading
    _, output = await run(tools, question=UNPLACED)
    assert output.searched and output.queries[0] == write_query(UNPLACED, [])


async def test_a_tools_call_without_a_query_is_not_searched_as_the_word_none(tools, tools_model):
    question = "Why is none of the Aurora Bridge's original steel left?"
    tools_model.script = [call({})]
    _, output = await run(tools, question=question)
    assert output.searched and output.queries[0] == write_query(question, [])


async def test_with_searching_off_a_tools_model_is_offered_no_tool(tools, tools_model, local_web):
    before = searches(local_web)
    _, output = await run(tools, search="never")
    assert not output.searched and output.answer and searches(local_web) == before
    assert not any(body.get("tools") for body in tools_model.bodies("/v1/chat/completions"))


async def test_with_search_always_a_tools_models_draft_is_never_shown(tools, tools_model):
    tools_model.script = ["From memory: it cost about 5 euros."]
    shown, output = await run(tools, search="always")
    assert output.searched and "420 million" in output.answer
    assert "5 euros" not in shown and "5 euros" not in output.answer


async def test_a_tools_models_answer_to_what_the_rule_cannot_place_streams_as_written(tools, tools_model):
    words = "Cats purr when they are content, and sometimes when they are hurt or anxious."
    tools_model.script = [words]
    items = [item async for item in tools.stream(AgentInput(question=UNPLACED, conversation_id="c"))]
    deltas = [item.text for item in items if isinstance(item, Delta)]
    assert not items[-1].searched and items[-1].answer == words
    assert "".join(deltas) == words and len(deltas) > 1  # streamed as the model wrote, not held to the end


async def test_a_tools_model_that_writes_nothing_is_asked_again_without_the_tool(tools, tools_model):
    tools_model.script = [""]  # neither a call nor a word (llama.cpp's handler can leave the choice empty)
    shown, output = await run(tools, question=UNPLACED)
    assert not output.searched and output.no_answer is None and output.answer and shown == output.answer
    asked = tools_model.bodies("/v1/chat/completions")
    assert asked[0].get("tools") and not asked[1].get("tools")


async def test_a_tools_model_searches_again_while_answering(tools):
    _, output = await run(tools, question=TWO_PART)
    assert output.search_rounds == 2 and "Kessel Point" in output.answer


# --- plain ---------------------------------------------------------------------------------------


async def test_a_plain_model_searches_what_the_rule_cannot_place_if_it_is_a_question(plain, local_web):
    _, output = await run(plain, question=UNPLACED)
    assert output.searched and output.queries[0] == write_query(UNPLACED, [])
    before = searches(local_web)
    shown, output = await run(plain, question="Explain how a bridge bears its load")  # not a question
    assert not output.searched and output.answer and shown == output.answer and searches(local_web) == before


async def test_a_plain_model_greeting_streams_as_written(plain):
    shown, output = await run(plain, question="Hello there!")
    assert not output.searched and output.answer and shown == output.answer


async def test_with_search_always_a_plain_model_searches_even_a_greeting(plain):
    _, output = await run(plain, question="Hello there!", search="always")
    assert output.searched and output.queries == ["Hello there"]


async def test_with_searching_off_a_plain_model_answers_a_factual_question_itself(plain, local_web):
    before = searches(local_web)
    shown, output = await run(plain, search="never")
    assert not output.searched and output.answer and shown == output.answer and searches(local_web) == before


async def test_a_call_a_plain_model_writes_in_its_answer_is_not_followed(plain, plain_model):
    plain_model.script = ["It is by Ilse Varga [citation:1]. " + call({"query": "Ilse Varga birthplace"})]
    _, output = await run(plain, question=TWO_PART)
    assert output.search_rounds == 1 and "Ilse Varga" in output.answer


@pytest.mark.parametrize("fixture", ["plain", "tools"])
async def test_a_model_that_is_not_megrez_condenses_through_chat_requests(request, local_web, workers, fixture):
    model = request.getfixturevalue(f"{fixture}_model")
    settings = make_settings(local_web, model, condense=True, context_tokens=200, source_tokens=80,
                             llm_protocol=fixture)
    async with started(settings, workers) as engine:
        _, output = await run(engine)
    assert output.searched and "420 million" in output.answer
    assert model.bodies("/v1/completions") == []  # no Megrez-templated raw prompts
