"""The road a question travels, wired in one place.

    load_history → decide ─┬─ (answered directly) ──────────────────────────────────────────┐
                           └─ search → read → select → condense ─┬─ answer ──┬─→ cite → save
                                                                 └─ related ─┘  (in parallel)
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import Any, Awaitable, Callable

from langgraph.graph import END, START, StateGraph

from agent.answer import answer
from agent.cite import cite
from agent.condense import condense
from agent.decide import decide, route
from agent.deps import Deps
from agent.events import cancel_when_client_leaves
from agent.history import load_history, save
from agent.related import related
from agent.retrieve import read_pages, search, select
from agent.state import AgentInput, AgentOutput, AgentState
from agent.telemetry import observe_stage


def _stage(name: str, node: Callable[..., Awaitable[dict]]) -> Callable[..., Awaitable[dict]]:
    """Record each stage's wall time (ms) under `timings`; stop it if the streaming client leaves."""

    @functools.wraps(node)
    async def wrapper(*args: Any, **kwargs: Any) -> dict:
        started = time.perf_counter()
        watcher = asyncio.create_task(cancel_when_client_leaves(asyncio.current_task()))
        try:
            update = await node(*args, **kwargs)
        finally:
            watcher.cancel()
        elapsed = time.perf_counter() - started
        observe_stage(name, elapsed)  # the stage latency histogram, when a request has metrics
        return {**update, "timings": {name: round(elapsed * 1000, 1)}}

    return wrapper


def build_graph():
    graph = StateGraph(AgentState, context_schema=Deps, input_schema=AgentInput, output_schema=AgentOutput)
    nodes = {
        "load_history": load_history,
        "decide": decide,
        "search": search,
        "read": read_pages,
        "select": select,
        "condense": condense,
        "answer": answer,
        "related": related,
        "cite": cite,
        "save": save,
    }
    for name, node in nodes.items():
        graph.add_node(name, _stage(name, node))
    graph.add_edge(START, "load_history")
    graph.add_edge("load_history", "decide")
    graph.add_conditional_edges("decide", route, {"search": "search", "cite": "cite"})
    graph.add_edge("search", "read")
    graph.add_edge("read", "select")
    graph.add_edge("select", "condense")
    graph.add_edge("condense", "answer")
    graph.add_edge("condense", "related")
    graph.add_edge(["answer", "related"], "cite")
    graph.add_edge("cite", "save")
    graph.add_edge("save", END)
    return graph.compile()
