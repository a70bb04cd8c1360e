"""The road a question travels, wired in one place (agent/nodes/: one module per stage).

    load_history → decide ─┬─ (answered directly) ─────────────────────────────────────────────────┐
                           └─ search → read → rank → select → condense ─┬─ answer ──┬─→ cite → verify → save
                                ↑                                       └─ related ─┘  (in parallel)
                                └──── (the model searches again, within the limits) ── answer

A search round is search … answer; the answer step may call search again (agent/rounds.py keeps
the limits), and the graph runs another round. Related questions are kept for the final round only.
Each cited claim is checked as the answer streams (agent/verify); `verify` hands the claims on.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Awaitable, Callable

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.deps import Deps
from agent.nodes.answer import answer
from agent.nodes.answer import route as route_after_answer
from agent.nodes.cite import cite
from agent.nodes.condense import condense
from agent.nodes.decide import decide, route
from agent.nodes.load_history import load_history
from agent.nodes.rank import rank
from agent.nodes.read import read_pages
from agent.nodes.related import related
from agent.nodes.related import route as route_after_related
from agent.nodes.save import save
from agent.nodes.search import search
from agent.nodes.verify import verify
from agent.nodes.select import select
from agent.rounds import timing_key
from agent.run_control import RunControl
from agent.state import AgentInput, AgentOutput, AgentState
from agent.telemetry import observe_stage


def _stage(name: str, node: Callable[..., Awaitable[dict]]) -> Callable[..., Awaitable[dict]]:
    """Record each stage's wall time (ms) under `timings`; stop it if the streaming client leaves."""
    # The stage takes the run's config (its RunControl) and passes on what the node asks for.
    wants = inspect.signature(node).parameters

    async def stage(state: AgentState, runtime: Runtime[Deps], config: RunnableConfig) -> dict:
        extra = {key: value for key, value in (("runtime", runtime), ("config", config)) if key in wants}
        started = time.perf_counter()
        with RunControl.of(config).stage(asyncio.current_task()):
            update = await node(state, **extra)
        # A stage's work done ahead for it counts as its own (verify: the checks made as the answer streamed).
        elapsed = time.perf_counter() - started + update.pop("ahead_s", 0.0)
        observe_stage(name, elapsed)  # the stage latency histogram, when a request has metrics
        # Per round: round 1's stages keep their names, a later round's are `search.2`, `answer.2`…
        return {**update, "timings": {timing_key(name, state.round): round(elapsed * 1000, 1)}}

    stage.__name__ = stage.__qualname__ = name
    return stage


def _awaited(route: Callable[[AgentState], str]) -> Callable[[AgentState], Awaitable[str]]:
    """A routing function as a coroutine: langgraph runs a plain function in its thread pool (a
    thread's round trip, ~0.1 ms of CPU, for a field read); a coroutine runs on the loop."""

    async def routed(state: AgentState) -> str:
        return route(state)

    routed.__name__ = routed.__qualname__ = route.__name__
    return routed


def build_graph():
    graph = StateGraph(AgentState, context_schema=Deps, input_schema=AgentInput, output_schema=AgentOutput)
    nodes = {
        "load_history": load_history,
        "decide": decide,
        "search": search,
        "read": read_pages,
        "rank": rank,
        "select": select,
        "condense": condense,
        "answer": answer,
        "related": related,
        "cite": cite,
        "verify": verify,
        "save": save,
    }
    for name, node in nodes.items():
        graph.add_node(name, _stage(name, node))
    graph.add_edge(START, "load_history")
    graph.add_edge("load_history", "decide")
    graph.add_conditional_edges("decide", _awaited(route), {"search": "search", "cite": "cite"})
    graph.add_edge("search", "read")
    graph.add_edge("read", "rank")
    graph.add_edge("rank", "select")
    graph.add_edge("select", "condense")
    graph.add_edge("condense", "answer")
    graph.add_edge("condense", "related")
    # Both run in the same step; cite follows the final round's (a step waits for all its nodes).
    graph.add_conditional_edges("answer", _awaited(route_after_answer), {"search": "search", "cite": "cite"})
    graph.add_conditional_edges("related", _awaited(route_after_related), {"cite": "cite", END: END})
    graph.add_edge("cite", "verify")
    graph.add_edge("verify", "save")
    graph.add_edge("save", END)
    return graph.compile()
