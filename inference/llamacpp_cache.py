"""Saved KV states keyed by their tokens: conversations asked in turn each keep their prefix.

llama.cpp's context holds one sequence, the last prompt and its reply. A prompt that shares little
with it (another conversation) would throw that work away, and the first conversation's next turn
would pay its whole prompt again. So, just before a prompt discards a long stretch of the context,
that state is saved; and a prompt that shares a longer prefix with a saved state than with the
context gets that state back before llama.cpp evaluates anything. Only the sequence's KV cells are
saved (`llama_state_seq_get_data`: no logits, which llama-cpp-python's `LlamaRAMCache` copies with
every state, ~100 MB for SmolLM2's vocabulary); the restored prefix stops one token short of the
prompt at least, so the logits are always computed afresh. The states are bounded by bytes
(`WEBSEARCH_LLM_STATE_CACHE_MB`), the least recently used dropped first.

It runs in the generation's worker thread (one at a time: llamacpp.py's lock), wrapped around
`Llama.generate`, so every path that generates — chat templates, completions, the function-calling
steps — is served the same way.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from llama_cpp import Llama

# A state is saved only when a prompt would discard at least this many tokens of the context: a
# reply's last tokens re-rendered differently are not worth a copy of the whole context.
MIN_DISCARDED = 64
SEQ = 0  # llama-cpp-python evaluates everything in sequence 0


def common_prefix(a: np.ndarray, b: np.ndarray) -> int:
    n = min(len(a), len(b))
    differ = np.flatnonzero(a[:n] != b[:n])
    return int(differ[0]) if differ.size else n


class SavedState:
    def __init__(self, ids: np.ndarray, data: Any, size: int):
        self.ids = ids
        self.data = data  # a ctypes buffer: handed back to llama.cpp as it is
        self.size = size


class StateCache:
    def __init__(self, llama: Llama, max_bytes: int):
        self._llama = llama
        self.max_bytes = max_bytes
        self._states: list[SavedState] = []  # least recently used first
        self.restored = 0  # prompts that started from a saved state (for operators)
        if max_bytes <= 0:
            return
        generate = llama.generate

        def generate_from_best_prefix(tokens: Sequence[int], *args: Any, **kwargs: Any) -> Any:
            self.prepare(tokens)
            return generate(tokens, *args, **kwargs)

        llama.generate = generate_from_best_prefix  # type: ignore[method-assign]

    @property
    def bytes(self) -> int:
        return sum(state.size for state in self._states)

    def prepare(self, tokens: Sequence[int]) -> None:
        """Before `tokens` are evaluated: save what they would discard, restore a longer prefix."""
        llama = self._llama
        prompt = np.asarray(tokens, dtype=np.intc)
        held = llama.input_ids[: llama.n_tokens]
        kept = common_prefix(held, prompt)
        best, best_len = None, kept
        for state in self._states:
            if (length := common_prefix(state.ids, prompt)) > best_len:
                best, best_len = state, length
        if len(held) - kept >= MIN_DISCARDED:
            self._save(held.copy(), protect=best)
        if best is not None and min(best_len, len(prompt) - 1) > kept:
            self._restore(best, min(best_len, len(prompt) - 1))

    def _save(self, ids: np.ndarray, protect: SavedState | None) -> None:
        # A saved state that extends this one already holds it; one this extends is held by it.
        if any(common_prefix(state.ids, ids) == len(ids) for state in self._states):
            return
        ctx = self._llama.ctx
        import llama_cpp

        llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(ctx), SEQ, len(ids), -1)  # only what `ids` say
        size = llama_cpp.llama_state_seq_get_size(ctx, SEQ)
        if size <= 0 or size > self.max_bytes:
            return
        data = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, data, size, SEQ)
        if written <= 0:
            return
        self._states = [s for s in self._states if common_prefix(s.ids, ids) < len(s.ids)]
        self._states.append(SavedState(ids, data, written))
        # The least recently used go first, never the one about to be restored.
        for old in [s for s in self._states if s is not protect]:
            if self.bytes <= self.max_bytes:
                break
            self._states.remove(old)

    def _restore(self, state: SavedState, keep: int) -> None:
        llama = self._llama
        import llama_cpp

        memory = llama_cpp.llama_get_memory(llama.ctx)
        llama_cpp.llama_memory_seq_rm(memory, SEQ, -1, -1)
        if llama_cpp.llama_state_seq_set_data(llama.ctx, state.data, state.size, SEQ) <= 0:
            # Nothing usable in the context now: llama-cpp-python evaluates the prompt from the start.
            llama_cpp.llama_memory_seq_rm(memory, SEQ, -1, -1)
            llama.n_tokens = 0
            return
        llama.input_ids[: len(state.ids)] = state.ids
        # Short of the whole prompt: generate() keeps these, drops the rest and evaluates from here.
        llama.n_tokens = keep
        if state in self._states:
            self._states.remove(state)
        self._states.append(state)  # the most recently used
        self.restored += 1
