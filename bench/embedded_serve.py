"""Serve one version of the service for bench/embedded.py, with llama.cpp's work counted.

Run as a script (`python bench/embedded_serve.py PORT`) with PYTHONPATH pointing at the source tree
to serve (this checkout, or an older one for the before/after comparison): it imports nothing from
bench/, so either tree's code is what serves. Configured by the WEBSEARCH_* environment like
`websearch serve`. `GET /_bench/llama` returns what llama.cpp evaluated since the start, counted
the same way for every version (a class-level wrap of `Llama.generate` and `Llama.eval`): prompt
tokens evaluated (each generation's first eval: the prompt after the prefix the context held),
tokens generated (the later one-token evals), and the seconds each took. `GET /_bench/calls` lists
each generation since the last such GET: prompt tokens, how many the context held and shared, how
many were evaluated (by segment of the prompt: system, function listing, call, results heading,
source headers, evidence, answer instruction, …), where the prompt left the context when it did.
"""

from __future__ import annotations

import sys
import time

import uvicorn
from llama_cpp import Llama

COUNTS = {"prompt_evaluated": 0, "prompt_seconds": 0.0, "generated": 0, "generate_seconds": 0.0, "generations": 0}
CALLS: list[dict] = []  # one per generation since the last GET /_bench/calls
_first: dict = {"pending": False}
_generate, _eval = Llama.generate, Llama.eval


def _text(self, tokens) -> str:
    return self.detokenize(list(tokens)).decode("utf-8", "replace") if len(tokens) else ""


def generate(self, tokens, *args, **kwargs):
    COUNTS["generations"] += 1
    _first["pending"] = True
    _first["llama"] = self
    held = self.input_ids[: self.n_tokens]
    common = 0
    for a, b in zip(held, tokens):
        if a != b:
            break
        common += 1
    call = {"prompt": len(tokens), "held": len(held), "common": common, "evaluated": 0, "generated": 0, "tokens": list(tokens)}
    if common < len(held) and common < len(tokens):
        # Where this prompt leaves the context: a re-rendered turn or a changed token shows here.
        call["diverged"] = [_text(self, held[max(0, common - 4) : common + 6]), _text(self, tokens[max(0, common - 4) : common + 6])]
    CALLS.append(call)
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
            if CALLS:
                CALLS[-1]["evaluated"] = len(tokens)
        else:
            COUNTS["generated"] += len(tokens)
            COUNTS["generate_seconds"] += spent
            if CALLS:
                CALLS[-1]["generated"] += len(tokens)


def segments(self, tokens, first: int) -> dict[str, int]:
    """The prompt's tokens from `first` on (the evaluated ones) by the part of the prompt they belong
    to, each token counted where it starts; the parts are read from the whole prompt."""
    counts: dict[str, int] = {}
    text, starts = b"", []
    for token in tokens:
        starts.append(len(text))
        text += self.detokenize([token])
    label_at = []  # (byte offset where a line starts, label)
    part = "markup"
    offset = 0
    for line in text.split(b"\n"):
        stripped = line.replace(b"<|im_start|>", b"").strip()
        if line.startswith(b"<|im_start|>system") or (part == "system" and not line.startswith(b"<|im_start|>")):
            part = "system"
        if stripped.startswith((b"Functions you can call", b"functions.search: {", b"Reply either")):
            part = "function listing"
        elif line.startswith(b"<|im_start|>user"):
            part = "question/results"
        elif line.startswith(b"<|im_start|>assistant") or stripped.startswith(b"message:"):
            part = "markup"
        elif stripped.startswith(b"functions.search:") or stripped.startswith(b'{"query"'):
            part = "call"
        elif stripped.startswith(b"[[citation:"):
            part = "source headers"
        elif stripped.startswith((b"Search results for", "关于“".encode())):
            part = "results heading"
        elif stripped.startswith((b"Answer the question", "请根据上面".encode(), "请只根据".encode())):
            part = "answer instruction"
        elif part in ("source headers", "evidence"):
            part = "evidence"
        label_at.append((offset, part))
        offset += len(line) + 1
    j = 0
    for start in starts[first:]:
        while j + 1 < len(label_at) and label_at[j + 1][0] <= start:
            j += 1
        label = label_at[j][1] if label_at else "markup"
        counts[label] = counts.get(label, 0) + 1
    return counts


Llama.generate, Llama.eval = generate, evaluate


def main() -> None:
    from agent.settings import Settings
    from api.app import create_app

    port = int(sys.argv[1])
    app = create_app(Settings())

    @app.get("/_bench/llama")
    def llama_counts() -> dict:
        return dict(COUNTS)

    @app.get("/_bench/calls")
    def llama_calls() -> list[dict]:
        """Each generation since the last call: prompt, reused, evaluated, generated, where it diverged,
        and the evaluated part by segment."""
        calls, CALLS[:] = list(CALLS), []
        llama = _first.get("llama")
        out = []
        for call in calls:
            tokens = call.pop("tokens")
            first = len(tokens) - call["evaluated"]
            new = tokens[first:]
            call["segments"] = segments(llama, tokens, first) if llama is not None and call["evaluated"] else {}
            call["new_starts"] = _text(llama, new[:12]) if llama is not None else ""
            out.append(call)
        return out

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
