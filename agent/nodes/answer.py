"""Answer: the model reads the numbered contexts and writes an answer that cites them — or, having
read them, calls search again (issue #13): the graph then runs another round, and this step reads
the new results after the old ones.

The results are rendered here once (the round's observation); each protocol places them in its own
messages (agent/protocols), and agent/reply.py streams the reply with its markers rewritten. Rounds
are append-only: round k+1's prompt is round k's, the model's call and the new observation.
"""

from __future__ import annotations

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

import prompts
from agent.citations import says_something
from agent.deps import Deps
from agent.events import Delta, Sources, Stage, Status, emit
from agent.nodes.select import grown
from agent.no_answer import give_no_answer, no_answer_text
from agent.reply import Reply, stream_reply
from agent.rounds import record_observation, refusal
from agent.samples import sampled
from agent.run_control import RunControl
from agent.state import AgentState, SearchRound
from agent.verify.repair import Repairer
from agent.verify.stream import ClaimVerifier
from inference.base import GenerationParams, Message
from search.models import Source


def shown_now(state: AgentState) -> list[Source]:
    """This round's results as the model reads them: pages found again under their earlier numbers
    (only their passages not shown before), then the new pages."""
    return [*state.reread, *state.sources[state.round_start :]]


def observation(state: AgentState, *, urls: bool = True, brief: bool = False) -> str:
    """This round's new results as the answer step shows them: numbered contexts, the query, the
    question (the CPU profile's leaner form: headers without URLs, the brief instruction)."""
    contexts = prompts.contexts_block(
        state.language,
        ((source.index, source.title, source.url, source.context) for source in shown_now(state)),
        urls=urls,
    )
    query = state.queries[state.round - 1] if len(state.queries) >= state.round else state.question
    return prompts.answer_prompt(state.language, query=query, question=state.question, contexts=contexts, brief=brief)


def shown_before(state: AgentState) -> bool:
    return any(r.shown for r in state.rounds)


def wanted_query(reply: Reply, state: AgentState, can_search_again: bool) -> str | None:
    """The query of a call the model made while answering (None: it answered)."""
    if not can_search_again:
        return None  # a model that can call nothing never searches twice
    if reply.call is not None:
        return str(reply.call.arguments.get("query") or "").strip() or state.question
    return None  # a garbled call is not followed here: what the model wrote before it is the answer


async def answer(state: AgentState, runtime: Runtime[Deps], config: RunnableConfig) -> dict:
    deps = runtime.context
    control = RunControl.of(config)
    round_ = state.round
    # A page found again joins its source: one entry per page, its new passages checked and cited too.
    sources = grown(state.sources, state.reread)
    whole = {source.index: source for source in sources}
    emit(Sources(sources=[whole[source.index] for source in shown_now(state)], round=round_))
    emit(Status(stage=Stage.ANSWERING, sources=len(state.sources), round=round_))
    protocol = deps.protocol.protocol
    params = GenerationParams(
        temperature=deps.settings.answer_temperature,
        max_tokens=deps.settings.answer_max_tokens,
        stop=protocol.stop,
        response_format=state.response_format,
    )
    # Rendered once: in the prompt now, in the saved turn later.
    settings = deps.settings
    results = observation(state, urls=settings.source_urls_in_prompt, brief=settings.brief_answer_prompt)
    update = {**record_observation(state, results), "sources": sources}
    state = state.model_copy(update=update)
    valid = {source.index for source in state.sources}
    separate = shown_before(state)

    def first_text() -> None:
        nonlocal separate
        if separate:  # the answer continues below the words already shown
            emit(Delta(text="\n\n"))
        separate = False
        control.mark_answer_begun(round_)

    transcript: list[Message] = []  # the last prompt and the reply: the related step's prefix
    spent = 0.0  # seconds spent checking claims in this step
    repaired = {"repointed": state.repointed, "removed": state.removed}

    async def generate(current: AgentState, *, may_call: bool) -> Reply:
        nonlocal spent
        # Every claim checked against the passages read from the sources (every round's) as it ends;
        # the index is built at the first claim, after the first words.
        verifier = ClaimVerifier(Repairer(current.sources, deps.checker)) if deps.settings.verify else None
        try:
            return await _generate(current, may_call=may_call, verifier=verifier)
        finally:
            if verifier is not None:
                spent += verifier.seconds
                for decision in verifier.decisions:
                    repaired["repointed"] += decision.repointed
                    repaired["removed"] += decision.removed

    async def _generate(current: AgentState, *, may_call: bool, verifier: ClaimVerifier | None) -> Reply:
        messages = protocol.answer_messages(current, deps.today())
        llm = deps.llm
        samples = deps.settings.answer_samples
        if samples > 1 and not control.streaming and protocol.can_batch:
            # Nobody watches this answer being written: n of them, the best-supported replayed below.
            sampling = params.model_copy(update={"temperature": deps.settings.answer_samples_temperature})
            route = deps.route(current.conversation_id)
            llm = await sampled(llm, messages, sampling, n=samples, sources=current.sources, checker=deps.checker, route=route)
        reply = await stream_reply(
            llm,
            messages,
            params,
            sources=valid,
            show=True,
            on_first_text=first_text,
            route=deps.route(current.conversation_id),
            tools=protocol.answer_tools(current) if may_call else None,
            verifier=verifier,
        )
        transcript[:] = [*messages, Message(role="assistant", content=reply.text)]
        return reply

    def checked(reply: Reply) -> dict:
        """The reply as shown (checked) and its claims, for the verify stage."""
        return {"shown_answer": reply.shown_text, "answer_claims": reply.claims, **tally()}

    def tally() -> dict:
        return {"verify_ms": state.verify_ms + spent * 1000, **repaired}

    def final(reply: Reply, extra: dict) -> dict:
        # Words the reader would see: a reply of nothing but markers (to no source, or to sources) says nothing.
        if says_something(reply.text, state.sources):
            return {**update, **extra, "model_answer": reply.text.strip(), **checked(reply)}
        # Nothing, or only our own instructions repeated: one clear line instead of an empty answer.
        first_text()
        why = give_no_answer(state.language, sources=bool(state.sources), echoed=reply.echoed)
        transcript.clear()  # no questions follow an answer that is not there
        line = no_answer_text(state.language, sources=bool(state.sources))
        return {**update, **extra, "model_answer": "", "no_answer": why, "shown_answer": line, "answer_claims": [], **tally()}

    again = False
    try:
        # Output held to a JSON schema cannot also hold a search call: one round, then the answer.
        may_call = refusal(state, deps.settings, can_search_again=protocol.can_search_again) is None and not state.response_format
        reply = await generate(state, may_call=may_call)
        query = wanted_query(reply, state, protocol.can_search_again)
        if query is None:
            return final(reply, {})
        called = SearchRound(
            query=query, text=reply.text, shown=reply.shown_text, claims=reply.claims, call=reply.text + protocol.render_call(query)
        )
        if not repeats(query, state) and refusal(state, deps.settings, can_search_again=protocol.can_search_again) is None:
            again = True  # the graph runs another round: search, read, …, and this step again
            return {**update, "rounds": [*state.rounds, called], **tally()}
        # At the round limit, past the time budget, or a call the model already made (it would
        # find the same pages): the call is answered with a note, and the model answers from what
        # it has read (always an answer, never an error).
        refused = called.model_copy(
            update={"searched": False, "observation": prompts.search_limit(state.language, question=state.question)}
        )
        state = state.model_copy(update={"rounds": [*state.rounds, refused]})
        separate = separate or bool(reply.shown_text)
        last = await generate(state, may_call=False)  # a call here is not followed: its text is the answer
        return final(last, {"rounds": state.rounds})
    finally:
        # An empty or failed answer must not leave the related step waiting.
        control.settle(round_, again=again, transcript=transcript)


def repeats(query: str, state: AgentState) -> bool:
    """The model asks again for a search it has made (a small model repeating its call)."""
    said = " ".join(query.lower().split())
    return any(said == " ".join(q.lower().split()) for q in state.queries)


def route(state: AgentState) -> str:
    """After the answer step: another search round when the model asked for one, else cite the answer
    (then verify it)."""
    last = state.rounds[-1] if state.rounds else None
    return "search" if last is not None and last.searched and last.observation is None else "cite"
