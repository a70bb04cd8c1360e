"""Best of n, for answers nobody watches being written (WEBSEARCH_ANSWER_SAMPLES > 1, off by
default): n answers from ONE batched request (the same prompt n times: vLLM's prefix cache holds
it once), each checked claim by claim (agent/verify), the best-supported kept — ALCE's RERANK.

A streamed answer is never sampled (its words go out as they are written). The answer kept then
takes the same road as a streamed one (agent/reply.py, replayed), so its markers, claims and saved
text are made exactly as the stream would have made them. Where most samples call search again,
the model wants to search: the first such sample is kept and the call followed as usual.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

from agent.citations import CitationRewriter
from agent.verify.repair import Repairer
from agent.verify.served import Checker
from agent.verify.stream import verify_text
from inference.base import LLM, GenerationParams, Message, RouteKey, StreamResult, TextStream
from inference.megrez import parse_reply
from search.models import Source


class Replayed:
    """An LLM whose one stream is a reply already generated (the sample kept)."""

    model_name = "replayed"
    supports_tools = False

    def __init__(self, text: str) -> None:
        self.text = text

    def chat_stream(self, messages: list[Message], params: GenerationParams, route: RouteKey | None = None, *, tools: Any = None) -> TextStream:
        async def produce(result: StreamResult) -> AsyncIterator[str]:
            result.finish_reason = "stop"
            yield self.text

        return TextStream(produce)


async def score(text: str, sources: list[Source], checker: Checker | None) -> float:
    """How well an answer's citations hold: supported claims count 1, partial ½, and each marker
    the checks had to move or remove costs ½; an answer without cited claims scores 0."""
    rewriter = CitationRewriter({source.index for source in sources})
    verifier = await verify_text(rewriter.feed_parts(text) + rewriter.close_parts(), Repairer(sources, checker))
    if not verifier.claims:
        return 0.0
    held = sum({"supported": 1.0, "partial": 0.5}.get(claim.support, 0.0) for claim in verifier.claims)
    repaired = sum(d.repointed + d.removed for d in verifier.decisions)
    return (held - 0.5 * repaired) / len(verifier.claims)


async def best_of(texts: list[str], sources: list[Source], checker: Checker | None) -> str:
    """The sample to keep (ties: the earliest)."""
    calls = [text for text in texts if parse_reply(text, {"search"})[1] is not None]
    if calls and len(calls) * 2 > len(texts):
        return calls[0]
    answers = [text for text in texts if text not in calls]
    scores = [await score(parse_reply(text, {"search"})[0], sources, checker) for text in answers]
    return answers[max(range(len(answers)), key=lambda k: (scores[k], -k))]


async def sampled(
    llm: LLM, messages: list[Message], params: GenerationParams, *, n: int, sources: list[Source],
    checker: Checker | None, route: RouteKey | None,
) -> Replayed:
    """n answers in one batched request; the best-supported, ready to be replayed."""
    completions = await llm.chat_batch([messages] * n, params, route=route)
    return Replayed(await best_of([c.text for c in completions], sources, checker))


__all__ = ["Replayed", "best_of", "sampled", "score"]
