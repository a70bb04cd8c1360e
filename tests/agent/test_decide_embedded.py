"""The decide step on the real SmolLM2 GGUF (embedded llama.cpp), `search: auto`, protocol detected.

SmolLM2's template is chatml, so `auto` picks `tools` and llama.cpp's function-calling handler lets
the model choose between a message and a `search` call; the bilingual rule checks its choice. The
whole-set rate is printed and asserted high; bench/decide.py measures more questions.
"""

from __future__ import annotations

import pytest
from langgraph.graph import END, START, StateGraph

from agent.deps import Deps, build_deps
from agent.nodes.decide import decide
from agent.settings import Settings
from agent.state import AgentState
from core.language import detect_language
from testkit.skips import missing
from testkit.models import embedded_model_missing, smollm2_gguf

FACTUAL = [
    "Who won the 2024 US presidential election?",
    "What is the population of Tokyo?",
    "谁是现任美国总统？",
    "青川大桥的总投资是多少？",
]
CHAT = ["Hello!", "Thanks a lot!", "你好", "谢谢"]


@pytest.fixture(scope="module")
def deps():
    if reason := embedded_model_missing():
        missing(reason)
    settings = Settings(
        _env_file=None,
        llm_gguf=str(smollm2_gguf()),
        llm_context_tokens=2048,
        answer_max_tokens=24,
        decide_max_tokens=32,
        search_by_rule=False,  # the model's own choice is tested (the CPU profile would let the rule decide)
    )
    built = build_deps(settings)
    yield built


def decide_only():
    graph = StateGraph(AgentState, context_schema=Deps)
    graph.add_node("decide", decide)
    graph.add_edge(START, "decide")
    graph.add_edge("decide", END)
    return graph.compile()


async def test_smollm2_searches_factual_questions_and_not_greetings(deps):
    assert deps.protocol.name == "tools"  # detected: not Megrez, a chatml template
    graph = decide_only()

    async def searched(question: str) -> tuple[bool, list[str]]:
        state = AgentState(question=question, conversation_id="t", language=detect_language(question))
        out = await graph.ainvoke(state, context=deps)
        return bool(out["searched"]), [round_.query for round_ in out.get("rounds", [])]

    factual = [await searched(q) for q in FACTUAL]
    chat = [await searched(q) for q in CHAT]
    rate = sum(s for s, _ in factual) / len(factual)
    print(f"SmolLM2 tools protocol: searched {rate:.2f} of factual questions, {sum(s for s, _ in chat)} of {len(chat)} greetings")
    assert rate >= 0.75, factual
    assert not any(s for s, _ in chat), chat
    for (did, queries), question in zip(factual, FACTUAL):
        if did:  # a usable query: never the parameter's description copied out
            assert queries and "concise search query" not in queries[0] and len(queries[0]) < 200, (question, queries)
