"""How many prompt tokens llama.cpp really evaluates, and how many it took from the KV state it held.

`Llama.generate` keeps the longest prefix the context already holds and evaluates only the rest:
its first `eval` is the prompt's new part. The meter wraps both methods on the one `Llama` object
(one generation runs at a time: llamacpp.py's lock), so every path that generates — chat templates,
completions, the function-calling steps — is counted the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inference.base import Usage

if TYPE_CHECKING:
    from llama_cpp import Llama


class Window:
    """What one request evaluated: its longest prompt, and the prompt tokens evaluated for it."""

    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.evaluated = 0

    def usage(self, completion_tokens: int) -> Usage:
        prompt = self.prompt_tokens
        return Usage(prompt_tokens=prompt, completion_tokens=completion_tokens, cached_tokens=max(0, prompt - self.evaluated))


class PromptMeter:
    def __init__(self, llama: Llama):
        self.window = Window()
        self._first_eval = False
        generate, evaluate = llama.generate, llama.eval

        def metered_generate(tokens: Any, *args: Any, **kwargs: Any) -> Any:
            self.window.prompt_tokens = max(self.window.prompt_tokens, len(tokens))
            self._first_eval = True
            return generate(tokens, *args, **kwargs)

        def metered_eval(tokens: Any) -> Any:
            if self._first_eval:  # the prompt after the reused prefix (later evals: one sampled token each)
                self._first_eval = False
                self.window.evaluated += len(tokens)
            return evaluate(tokens)

        llama.generate = metered_generate  # type: ignore[method-assign]
        llama.eval = metered_eval  # type: ignore[method-assign]

    def begin(self) -> Window:
        """A fresh window for the request about to run (called in its worker thread)."""
        self.window = Window()
        return self.window
