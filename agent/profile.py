"""The defaults that depend on where the model runs.

A model on the service's own CPU (the embedded llama.cpp backend, which says so: `LLM.shared_cpu`)
generates one reply at a time, and every prompt token costs the answer time. There the defaults
are chosen for a CPU: one search round unless a request asks for more, less evidence to read
(headed by each source's title, without its URL, and a brief instruction), no decide generation where the request or the
bilingual rule already says to search, fewer rounds at depth `auto`, no related questions (when
turned on, they are written after the answer, on its prompt: agent/nodes/related.py), and
condensing never runs (agent/nodes/condense.py).

Each is only a default: a setting given in the environment (or to `Settings`) is kept as given.
The figures behind them are in the README ("The embedded model on a CPU", bench/embedded.py).
"""

from __future__ import annotations

from agent.evidence_policy import CPU_EVIDENCE
from agent.settings import Settings
from inference.base import LLM

CPU_PROFILE: dict[str, object] = {
    **CPU_EVIDENCE,  # less evidence, fewer rounds, depth quick (agent/budget.py)
    "source_urls_in_prompt": False,  # each source's header is its number and title (~15 tokens less a source)
    "brief_answer_prompt": True,  # the answer's instruction in ~half the tokens (prompts/answer.brief.*)
    "search_by_rule": True,  # search: always, or the rule says search: no decide generation (the query from the rule)
    "answer_max_tokens": 384,  # the longest answer (768): every token is seconds of the same CPU
    "related_questions": False,  # written after the answer when turned on (beside it on a server)
}


def for_backend(settings: Settings, llm: LLM) -> Settings:
    """The settings the service runs with: the CPU profile's defaults where the backend shares the
    service's CPU, except for what was set explicitly."""
    if not llm.shared_cpu:
        return settings
    chosen = {name: value for name, value in CPU_PROFILE.items() if name not in settings.model_fields_set}
    return settings.model_copy(update=chosen) if chosen else settings
