"""Serve one version of the service for bench/embedded.py, with llama.cpp's work counted.

Run as a script (`python bench/embedded_serve.py PORT`) with PYTHONPATH pointing at the source tree
to serve (this checkout, or an older one for the before/after comparison): it imports nothing from
bench/, so either tree's code is what serves. Configured by the WEBSEARCH_* environment like
`websearch serve`. `GET /_bench/llama` returns what llama.cpp evaluated since the start, counted
the same way for every version (a class-level wrap of `Llama.generate` and `Llama.eval`): prompt
tokens evaluated (each generation's first eval: the prompt after the prefix the context held),
tokens generated (the later one-token evals), and the seconds each took.
"""

from __future__ import annotations

import sys
import time

import uvicorn
from llama_cpp import Llama

COUNTS = {"prompt_evaluated": 0, "prompt_seconds": 0.0, "generated": 0, "generate_seconds": 0.0, "generations": 0}
_first = {"pending": False}
_generate, _eval = Llama.generate, Llama.eval


def generate(self, tokens, *args, **kwargs):
    COUNTS["generations"] += 1
    _first["pending"] = True
    return _generate(self, tokens, *args, **kwargs)


def evaluate(self, tokens):
    started = time.perf_counter()
    try:
        return _eval(self, tokens)
    finally:
        spent = time.perf_counter() - started
        if _first["pending"]:
            _first["pending"] = False
            COUNTS["prompt_evaluated"] += len(tokens)
            COUNTS["prompt_seconds"] += spent
        else:
            COUNTS["generated"] += len(tokens)
            COUNTS["generate_seconds"] += spent


Llama.generate, Llama.eval = generate, evaluate


def main() -> None:
    from agent.settings import Settings
    from api.app import create_app

    port = int(sys.argv[1])
    app = create_app(Settings())

    @app.get("/_bench/llama")
    def llama_counts() -> dict:
        return dict(COUNTS)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
