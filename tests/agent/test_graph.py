"""The graph as a whole: its stages run along the road, each timed, and the answer's first words
come before the related questions take the model (one reply at a time on an embedded model)."""

from __future__ import annotations

import asyncio

import pytest

from agent.deps import build_deps
from agent.events import Delta, Related
from agent.engine import Engine
from agent.state import AgentInput, AgentOutput
from inference.base import TextStream
from testkit.settings import make_settings

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
ROAD = ["load_history", "decide", "search", "read", "rank", "select", "condense", "answer", "related", "cite", "verify", "save"]


class SlowToAnswer:
    """The model client, but the answer's first words take a while: what the model is asked, in order."""

    def __init__(self, inner, delay_s: float = 0.4):
        self.inner = inner
        self.delay_s = delay_s
        self.log: list[str] = []

    def chat_stream(self, messages, params, **kwargs):
        stream = self.inner.chat_stream(messages, params, **kwargs)
        if messages[-1].role != "observation":  # the decide step: as it is
            return stream
        return TextStream(lambda result: self.answer_stream(stream, result))

    async def answer_stream(self, stream, result):
        await asyncio.sleep(self.delay_s)  # time enough for the related step to jump the queue
        wrote = False
        try:
            async for chunk in stream:
                if chunk.strip() and not wrote:  # each answer request's first words (one per round)
                    self.log.append("answer writes")
                    wrote = True
                yield chunk
            result.usage, result.finish_reason = stream.usage, stream.finish_reason
            result.tool_calls = stream.tool_calls
        finally:
            await stream.aclose()

    async def chat(self, messages, params, **kwargs):
        self.log.append("related asks")
        return await self.inner.chat(messages, params, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
async def deps(local_web, megrez, workers):
    built = build_deps(make_settings(local_web, megrez), workers=workers)
    built.llm = SlowToAnswer(built.llm)
    yield built
    built.workers = None  # the session's pool, closed by its fixture
    await built.llm.inner.aclose()
    await built.store.aclose()
    await built.cache.aclose()
    await built.http.aclose()


async def test_stages_run_along_the_road_each_timed_rank_included(deps):
    output = await Engine(deps).answer(AgentInput(question=QUESTION, conversation_id="road", search="always"))
    assert output.searched and output.citations and "420 million" in output.answer
    stages = [name for name in output.timings if name != "total"]
    # `timings` merge in the order the stages finished: answer and related run side by side.
    assert stages[:7] == ROAD[:7]
    assert set(stages[7:9]) == {"answer", "related"}
    assert stages[9:] == ["cite", "verify", "save"]
    assert output.timings["rank"] >= 0 and output.timings["select"] >= 0


async def test_related_questions_wait_for_the_answers_first_words(deps):
    events = []
    async for item in Engine(deps).stream(AgentInput(question=QUESTION, conversation_id="order")):
        events.append(item)
    assert isinstance(events[-1], AgentOutput) and events[-1].related
    assert deps.llm.log == ["answer writes", "related asks"]
    kinds = [type(event) for event in events]
    assert kinds.index(Delta) < kinds.index(Related)


async def test_with_two_search_rounds_related_questions_come_once_after_the_final_answers_first_words(deps):
    events = []
    question = "Where was the author of The Lantern Orchard born?"
    async for item in Engine(deps).stream(AgentInput(question=question, conversation_id="rounds")):
        events.append(item)
    output = events[-1]
    assert isinstance(output, AgentOutput) and output.search_rounds == 2 and output.related
    # Round 1's answer wrote words, then searched again: whatever related started then was dropped.
    assert deps.llm.log.count("answer writes") == 2
    final_answer = len(deps.llm.log) - 1 - deps.llm.log[::-1].index("answer writes")
    assert deps.llm.log[-1] == "related asks" and final_answer < len(deps.llm.log) - 1
    related = [i for i, event in enumerate(events) if isinstance(event, Related)]
    assert len(related) == 1 and events[related[0]].related == output.related
    assert {"answer", "answer.2", "search.2", "related.2"} <= set(output.timings)


class HoldsTheAnswerForRelated(SlowToAnswer):
    """The answer stops after its first words until the related questions are asked (5 s at most):
    questions written beside the answer are asked while it is still being written."""

    def __init__(self, inner):
        super().__init__(inner, delay_s=0)
        self.asked = asyncio.Event()

    async def answer_stream(self, stream, result):
        async for chunk in super().answer_stream(stream, result):
            yield chunk
            if chunk.strip() and not self.asked.is_set():
                try:
                    await asyncio.wait_for(self.asked.wait(), 5)
                except asyncio.TimeoutError:
                    pass
        self.log.append("answer ends")

    async def chat(self, messages, params, **kwargs):
        self.asked.set()
        return await super().chat(messages, params, **kwargs)


async def test_related_questions_are_asked_beside_the_answer_while_it_is_written(deps):
    deps.llm = HoldsTheAnswerForRelated(deps.llm.inner)
    events = [e async for e in Engine(deps).stream(AgentInput(question=QUESTION, conversation_id="beside"))]
    assert isinstance(events[-1], AgentOutput) and events[-1].related
    assert deps.llm.log == ["answer writes", "related asks", "answer ends"]


class DraftQuestionsNeverEnd(SlowToAnswer):
    """The first related request (the draft's, in round 1) is answered only after 20 s; later ones at once."""

    async def chat(self, messages, params, **kwargs):
        first = "related asks" not in self.log
        self.log.append("related asks")
        if first:
            try:
                await asyncio.sleep(20)
            except asyncio.CancelledError:
                self.log.append("draft questions dropped")
                raise
            self.log.append("draft questions written")
        return await self.inner.chat(messages, params, **kwargs)


async def test_a_drafts_related_request_is_dropped_when_the_model_searches_again(deps):
    # Questions for a draft the model went on to search past are worth nothing: the request is
    # cancelled (the model server stops writing them), and the next round does not wait for it.
    deps.llm = DraftQuestionsNeverEnd(deps.llm.inner, delay_s=0)
    question = "Where was the author of The Lantern Orchard born?"
    events = [e async for e in Engine(deps).stream(AgentInput(question=question, conversation_id="dropped"))]
    output = events[-1]
    assert isinstance(output, AgentOutput) and output.search_rounds == 2 and output.related
    assert "draft questions dropped" in deps.llm.log and "draft questions written" not in deps.llm.log


async def test_with_related_questions_off_none_are_asked_for_or_shown(local_web, megrez, workers):
    deps = build_deps(make_settings(local_web, megrez, related_questions=False), workers=workers)
    deps.llm = SlowToAnswer(deps.llm, delay_s=0)
    try:
        events = [e async for e in Engine(deps).stream(AgentInput(question=QUESTION, conversation_id="off"))]
        assert isinstance(events[-1], AgentOutput) and events[-1].answer and events[-1].related == []
        assert not any(isinstance(e, Related) for e in events) and "related asks" not in deps.llm.log
    finally:
        await close(deps)


# --- a model on the service's own CPU (the embedded backend says so: `shared_cpu`) -------------


class OnSharedCpu:
    """The scripted model as an embedded one would say it is: one reply at a time, on our CPU."""

    shared_cpu = True

    def __init__(self, inner):
        self.inner = inner
        self.asked: list[tuple[str, list]] = []  # (how, messages) for every request, in order

    def chat_stream(self, messages, params, **kwargs):
        self.asked.append(("stream", messages))
        return self.inner.chat_stream(messages, params, **kwargs)

    async def chat(self, messages, params, **kwargs):
        self.asked.append(("chat", messages))
        return await self.inner.chat(messages, params, **kwargs)

    async def chat_batch(self, conversations, params, **kwargs):
        self.asked.append(("batch", conversations))
        return await self.inner.chat_batch(conversations, params, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


async def shared_cpu_deps(settings, workers):
    from agent.deps import llm_config
    from inference.registry import build_llm

    return build_deps(settings, llm=OnSharedCpu(build_llm(llm_config(settings))), workers=workers)


async def close(deps) -> None:
    deps.workers = None
    await deps.llm.inner.aclose()
    await deps.store.aclose()
    await deps.cache.aclose()
    await deps.http.aclose()


async def test_on_a_shared_cpu_the_cpu_profile_holds_and_nothing_runs_beside_the_answer(local_web, megrez, workers):
    settings = make_settings(local_web, megrez, condense=True, context_tokens=200, source_tokens=100)
    deps = await shared_cpu_deps(settings, workers)
    try:
        assert deps.settings.default_depth == "quick" and deps.settings.max_search_rounds == 2
        assert deps.settings.related_questions is False and deps.settings.unsure_context_tokens == 700
        assert deps.settings.context_tokens == 200  # set explicitly: kept (condense would run with it)
        question = "Where was the author of The Lantern Orchard born?"  # two rounds at depth auto
        events = [e async for e in Engine(deps).stream(AgentInput(question=question, conversation_id="cpu"))]
        output = events[-1]
        assert output.search_rounds == 1 and output.answer  # depth quick by default
        assert output.related == [] and not any(isinstance(e, Related) for e in events)
        # Decide and the answer (asked again with "no more searches" when it calls): no condense, no related.
        assert {how for how, _ in deps.llm.asked} == {"stream"}
        # The rule says this needs the web: the model is not asked to decide; its first prompt is the
        # answer's, the results headed by number and title (no URLs to pay for).
        results = deps.llm.asked[0][1][-1].content
        assert "[[citation:1]]" in results and "http" not in results
        deep = await Engine(deps).answer(AgentInput(question=question, conversation_id="cpu2", depth="auto"))
        assert deep.search_rounds == 2  # a request that asks for more rounds still gets them
    finally:
        await close(deps)


async def test_on_a_shared_cpu_related_questions_are_the_answers_next_turn(local_web, megrez, workers):
    deps = await shared_cpu_deps(make_settings(local_web, megrez, related_questions=True), workers)
    try:
        events = [e async for e in Engine(deps).stream(AgentInput(question=QUESTION, conversation_id="next"))]
        output = events[-1]
        assert output.related and output.answer
        kinds = [type(e) for e in events]
        assert kinds.index(Related) > max(i for i, k in enumerate(kinds) if k is Delta)  # after the whole answer
        (_, answer), (how, related) = deps.llm.asked[-2:]
        assert how == "chat"
        # The answer's prompt, the answer as the model wrote it, then the request: one growing prompt.
        assert related[: len(answer)] == answer
        assert related[len(answer)].role == "assistant" and "420 million" in related[len(answer)].content
        assert related[-1].role == "user" and QUESTION in related[-1].content
    finally:
        await close(deps)


async def test_on_a_shared_cpu_a_two_round_answer_asks_for_related_questions_once_after_the_final_round(
    local_web, megrez, workers
):
    deps = await shared_cpu_deps(make_settings(local_web, megrez, related_questions=True), workers)
    try:
        question = "Where was the author of The Lantern Orchard born?"
        events = [e async for e in Engine(deps).stream(AgentInput(question=question, conversation_id="two", depth="auto"))]
        output = events[-1]
        assert output.search_rounds == 2 and output.related
        # round 1's answer ended searching again: no questions for that draft (one more reply on the CPU)
        assert [how for how, _ in deps.llm.asked].count("chat") == 1
        assert [type(e) for e in events].count(Related) == 1
    finally:
        await close(deps)


async def test_on_a_shared_cpu_pages_are_never_condensed_even_when_condensing_is_on(local_web, megrez, workers):
    deps = await shared_cpu_deps(make_settings(local_web, megrez, condense=True, context_tokens=60, source_tokens=30), workers)
    try:
        output = await Engine(deps).answer(AgentInput(question=QUESTION, conversation_id="never-condensed", depth="auto"))
        assert output.answer and output.searched
        assert {how for how, _ in deps.llm.asked} == {"stream"}  # no batch (or chat) of notes before the answer
    finally:
        await close(deps)


async def test_on_a_shared_cpu_no_answer_is_followed_by_no_related_questions(local_web, megrez, workers):
    """The model writes nothing: the reader gets the no-answer line and no questions after it, and the
    CPU is not asked for any (there is no answer for them to follow)."""
    deps = await shared_cpu_deps(make_settings(local_web, megrez, related_questions=True), workers)
    megrez.reply = ""  # every request: nothing
    try:
        events = [e async for e in Engine(deps).stream(AgentInput(question=QUESTION, conversation_id="none", search="always"))]
        output = events[-1]
        assert output.searched and output.no_answer == "empty"
        assert output.related == [] and all(e.related == [] for e in events if isinstance(e, Related))
        assert [how for how, _ in deps.llm.asked] == ["stream"]  # the answer's request only
    finally:
        await close(deps)


@pytest.mark.parametrize("shared_cpu", [False, True], ids=["beside-the-answer", "after-it-on-a-shared-cpu"])
async def test_the_related_questions_are_asked_with_the_first_five_sources_titles(local_web, megrez, workers, shared_cpu):
    """With more than five sources (eight pages read), the request for questions names the first five
    (the best ranked), beside the answer and, on a shared CPU, after it."""
    extra = ["harlow-viaduct", "veldmark-metro", "tamsel-waterway", "pell-gallery", "larkspur-observatory"]
    local_web.extra_results = [
        {"url": local_web.url(name), "title": local_web.pages[name].title, "content": local_web.pages[name].description,
         "engine": "localweb"}
        for name in extra
    ]
    settings = make_settings(local_web, megrez, related_questions=True, fetch_pages=8, context_tokens=6000)
    deps = await shared_cpu_deps(settings, workers) if shared_cpu else build_deps(settings, workers=workers)
    try:
        output = await Engine(deps).answer(AgentInput(question=QUESTION, conversation_id=f"five-{shared_cpu}", search="always"))
    finally:
        local_web.extra_results = []
        deps.workers = None  # the session's pool, closed by its fixture
        for part in (deps.llm, deps.store, deps.cache, deps.http):
            await part.aclose()
    asked = [r["body"]["messages"][-1]["content"] for r in megrez.requests
             if "follow-up questions" in str(r["body"].get("messages", [{}])[-1].get("content"))]
    assert len(output.sources) > 5 and output.related
    (prompt,) = asked
    (titles,) = [line.removeprefix("Sources: ") for line in prompt.splitlines() if line.startswith("Sources: ")]
    assert titles == "; ".join(source.title for source in output.sources[:5])


class HoldsTheAnswerUntilTheQuestionsAreWritten(SlowToAnswer):
    """Each answer stops once its first sentence is out (shown: past what the echo guard holds back)
    until related questions have been written (10 s at most): round 1's draft questions are ready
    before its answer ends by searching again."""

    def __init__(self, inner):
        super().__init__(inner, delay_s=0)
        self.written = asyncio.Event()

    async def answer_stream(self, stream, result):
        sent = 0
        async for chunk in super().answer_stream(stream, result):
            if sent >= 60 and not self.written.is_set():
                try:
                    await asyncio.wait_for(self.written.wait(), 10)
                except asyncio.TimeoutError:
                    pass
            yield chunk
            sent += len(chunk)

    async def chat(self, messages, params, **kwargs):
        reply = await super().chat(messages, params, **kwargs)
        self.log.append("questions written")
        self.written.set()
        return reply


async def test_questions_written_for_a_draft_the_model_searched_past_are_never_shown(deps):
    deps.llm = HoldsTheAnswerUntilTheQuestionsAreWritten(deps.llm.inner)
    question = "Where was the author of The Lantern Orchard born?"
    events = [e async for e in Engine(deps).stream(AgentInput(question=question, conversation_id="draft-written"))]
    output = events[-1]
    assert isinstance(output, AgentOutput) and output.search_rounds == 2 and output.related
    assert deps.llm.log[:3] == ["answer writes", "related asks", "questions written"]  # round 1's draft
    related = [event for event in events if isinstance(event, Related)]
    assert len(related) == 1 and related[0].related == output.related  # the final round's only


async def test_when_the_reader_leaves_the_related_request_is_stopped_too(deps, megrez):
    deps.llm = DraftQuestionsNeverEnd(deps.llm.inner, delay_s=0)
    megrez.chunk_delay_s = 0.05  # the answer is still being written when the reader leaves
    run = Engine(deps).stream(AgentInput(question=QUESTION, conversation_id="left"))
    async for _ in run:
        if "related asks" in deps.llm.log:
            break  # the reader leaves while the questions are being written
    await run.aclose()
    for _ in range(100):
        if "draft questions dropped" in deps.llm.log:
            break
        await asyncio.sleep(0.05)
    assert "draft questions dropped" in deps.llm.log and "draft questions written" not in deps.llm.log
