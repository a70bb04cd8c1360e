"""The engine every surface holds: its three ways to run a question give the same answer, and a run
started in the background holds back nothing but waits for the first words."""

from __future__ import annotations

import pytest

from agent.deps import build_deps
from agent.engine import Engine
from agent.events import Delta, Event, Sources
from agent.state import AgentInput, AgentOutput
from testkit.settings import make_settings

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"


@pytest.fixture
async def engine(local_web, megrez, workers):
    built = build_deps(make_settings(local_web, megrez), workers=workers)
    yield Engine(built)
    for part in (built.llm, built.store, built.cache, built.http):  # not the session's workers
        await part.aclose()


async def test_answer_with_a_watcher_sees_each_event_and_writes_what_the_stream_writes(engine):
    streamed = [item async for item in engine.stream(AgentInput(question=QUESTION, conversation_id="a"))]
    seen: list[Event] = []

    async def watch(event: Event) -> None:
        seen.append(event)

    watched = await engine.answer(AgentInput(question=QUESTION, conversation_id="b"), on_event=watch)
    assert isinstance(streamed[-1], AgentOutput) and "420 million" in streamed[-1].answer
    assert watched.answer == streamed[-1].answer
    assert [type(e) for e in seen] == [type(e) for e in streamed[:-1]]
    assert "".join(e.text for e in seen if isinstance(e, Delta)) == "".join(
        e.text for e in streamed if isinstance(e, Delta)
    )


async def test_answer_takes_a_plain_function_as_its_watcher(engine):
    sources: list[Sources] = []
    output = await engine.answer(
        AgentInput(question=QUESTION, conversation_id="c", search="always"),
        on_event=lambda e: sources.append(e) if isinstance(e, Sources) else None,
    )
    assert output.sources and sources and sources[0].sources[0].url == output.sources[0].url


async def test_a_started_run_holds_the_events_up_to_the_first_words_then_goes_on(engine):
    run = engine.start(AgentInput(question=QUESTION, conversation_id="d", search="always"))
    try:
        pending = await run.until_first_words()
        assert [kind for kind, _ in pending].count("event") == len(pending)
        assert isinstance(pending[-1][1], Delta) and not any(isinstance(i, Delta) for _, i in pending[:-1])
        assert any(isinstance(item, Sources) for _, item in pending)  # the search came first
        kind, item = await run.next()
        while kind != "done":
            kind, item = await run.next()
        assert isinstance(item, AgentOutput) and "420 million" in item.answer
    finally:
        await run.aclose()
