"""Saved KV states for conversations asked in turn, with the real SmolLM2-135M GGUF (greedy, seeded)."""

from __future__ import annotations

import pytest
import pytest_asyncio

from inference.base import GenerationParams, Message
from inference.llamacpp import LlamaCppLLM
from testkit.models import embedded_model_missing, smollm2_gguf
from testkit.skips import missing


@pytest.fixture(scope="module", autouse=True)
def _the_real_model_is_here():
    """Skipped on a developer machine without it; a failure in CI (through `missing`)."""
    if reason := embedded_model_missing():
        missing(reason)


shared_loop = pytest.mark.asyncio(loop_scope="module")
GREEDY = GenerationParams(max_tokens=12, temperature=0.0)


def conversation(system: str, question: str) -> list[Message]:
    # A system prompt long enough that paying it again would show (~100 tokens and more).
    return [Message(role="system", content=system * 10), Message(role="user", content=question)]


A = conversation("You answer questions about bridges in Veldmark. ", "How long is the Aurora Bridge?")
B = conversation("你回答关于电池的问题。Batteries only. ", "Zephyr-9 电池的能量密度是多少？")


def follow_up(first: list[Message], reply: str, question: str) -> list[Message]:
    return [*first, Message(role="assistant", content=reply), Message(role="user", content=question)]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def llm():
    model = LlamaCppLLM.load(smollm2_gguf(), n_ctx=2048, seed=7)  # the default bound (256 MB)
    yield model
    await model.aclose()


@shared_loop
async def test_a_conversation_asked_after_another_keeps_its_prefix_and_its_answer(llm):
    a = await llm.chat(A, GREEDY)
    b = await llm.chat(B, GREEDY)
    assert b.usage.cached_tokens < 10  # B shares only the template's opening with A
    later = follow_up(A, a.text, "And how wide is it?")
    again = await llm.chat(later, GREEDY)
    # A's whole first prompt and reply came back from the saved state (one token replayed at most).
    assert again.usage.cached_tokens >= a.usage.prompt_tokens + a.usage.completion_tokens - 2
    assert again.usage.prompt_tokens - again.usage.cached_tokens < 30  # the reply's end and the new question
    # B's turn was saved as A's came back: its follow-up is cheap too.
    b_again = await llm.chat(follow_up(B, b.text, "充电要多久？"), GREEDY)
    assert b_again.usage.cached_tokens >= b.usage.prompt_tokens - 1
    # What a restored state generates is what evaluating the whole prompt generates.
    fresh = LlamaCppLLM.load(smollm2_gguf(), n_ctx=2048, seed=7, state_cache_mb=0)
    try:
        assert (await fresh.chat(later, GREEDY)).text == again.text
    finally:
        await fresh.aclose()


@shared_loop
async def test_without_room_for_a_state_each_conversation_pays_its_whole_prompt_again():
    # A state of ~100 tokens is ~2.5 MB for SmolLM2 (23 KB a token): 1 MB holds none of them.
    small = LlamaCppLLM.load(smollm2_gguf(), n_ctx=2048, seed=7, state_cache_mb=1)
    try:
        a = await small.chat(A, GREEDY)
        await small.chat(B, GREEDY)
        again = await small.chat(follow_up(A, a.text, "And how wide is it?"), GREEDY)
        assert again.usage.cached_tokens < 10
    finally:
        await small.aclose()
