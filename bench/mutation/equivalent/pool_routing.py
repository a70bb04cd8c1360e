"""Equivalent mutants of the pool-routing row."""

from __future__ import annotations

from bench.mutation.equivalent.reasons import SAME_INSTANT as _SAME_INSTANT

_POOL_URLS = ("a pool's endpoints are OpenAIServerLLMs, each built from one URL of the base URL list "
              "(build_openai): base_url is never empty")
_POOL_ONE_MODEL = ("build_openai makes a pool only of two or more URLs, every one serving the configured model: "
                   "the second endpoint speaks for all as the first does")

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("pool-routing", "inference/pool.py", "split_urls", "operand dropped: ''"):
        "its one caller, build_openai, runs for the openai backend only, which is chosen when a base URL is set",
    ("pool-routing", "inference/pool.py", "endpoint_failure", "operand dropped: type(exc) is LLMError"):
        "no LLMError subclass carries a message starting 'HTTP 502/503/504' (classify makes those plain LLMErrors, "
        "Refused is for 400), and the subclasses that mean the server is gone are True above",
    ("pool-routing", "inference/pool.py", "Endpoint.url", "operand dropped: self.llm.name"): _POOL_URLS,
    ("pool-routing", "inference/pool.py", "PooledLLM.endpoints", "operand dropped: e.url"): _POOL_URLS,
    ("pool-routing", "inference/pool.py", "PooledLLM.__init__", "guard removed: if not llms"):
        "the ring, built on the next lines, refuses an empty list with a ValueError too",
    ("pool-routing", "inference/pool.py", "PooledLLM.model_name", "0 -> 1"): _POOL_ONE_MODEL,
    ("pool-routing", "inference/pool.py", "PooledLLM.supports_tools", "0 -> 1"): _POOL_ONE_MODEL,
    ("pool-routing", "inference/pool.py", "PooledLLM.aclose", "call removed: await asyncio.gather(*self._checks, return_exceptions=True)"):
        "the checks were cancelled on the line above and hold nothing to release (tested: a pending check is "
        "cancelled); the endpoints' closing, awaited next, lets them end",
    ("pool-routing", "inference/pool.py", "PooledLLM._check_in_background", "call removed: task.add_done_callback(self._checks.discard)"):
        "a finished check left in the set: cancelling and gathering a finished task does nothing; the set grows by "
        "at most one per down server per cool-down",
    ("pool-routing", "inference/pool.py", "PooledLLM._order", "now >= endpoint.down_until: GtE -> Gt"): _SAME_INSTANT,
    ("pool-routing", "inference/pool.py", "PooledLLM._order", "self._turn + 1: Add -> Sub"):
        "the turns go round the other way: each of n idle servers still takes one request in n (tested with two)",
    ("pool-routing", "inference/pool.py", "PooledLLM._order", "i - start: Sub -> Add"):
        "(i + start) % n is another rotation: each of n idle servers still comes first once in n turns",
    ("pool-routing", "inference/pool.py", "PooledLLM._stream", "call removed: await stream.aclose()"):
        "the server's stream, dropped with the pool's generator, is closed by the finalizer asyncio installs for "
        "async generators (TextStream holds no reference cycle) one loop turn later",
    **{
        ("pool-routing", "inference/pool.py", "PooledLLM._mark_down", description): "_mark_down is only given "
        "LLMErrors (a health check's TimeoutError is made an LLMTimeout first): the other branch is never taken"
        for description in ("str(exc) or type(exc).__name__: Or -> And", "operand dropped: str(exc)",
                            "operand dropped: type(exc).__name__")
    },
    ("pool-routing", "inference/pool.py", "PooledLLM._order", "0 -> 1"):
        "next()'s default is never taken: with load_factor >= 1 the least loaded of n endpoints carrying t requests "
        "has at most floor(t / n), and floor(t / n) + 1 <= ceil((t + 1) / n) <= the bound",
    ("pool-routing", "inference/pool.py", "PooledLLM._all_failed", "guard removed: if not failed"):
        "never reached with an empty list: _order lists every endpoint (healthy ones, then the down ones as a "
        "last resort) and a pool has at least one, so _call and _stream record a failure for each before raising",
    ("pool-routing", "inference/pool.py", "PooledLLM._all_failed", "operand dropped: not issubclass(kind, LLMError)"):
        "the failures it is given are LLMErrors only (_call and _stream catch LLMError alone), so their kind is "
        "always an LLMError class: only `kind is LLMError` can be true",
    ("pool-routing", "inference/routing.py", "AffinityRing.walk", "guard removed: if len(seen) == len(self.endpoints)"):
        "an early exit: once every endpoint is seen, the rest of the ring adds none (tested: each one once, the "
        "order pinned)",
    ("pool-routing", "inference/routing.py", "load_bound", "1 -> 2 #3"):
        "max(1, endpoints) only keeps a division off zero; 2 differs from it for a walk of one endpoint alone, "
        "where the bound chooses nothing (the only endpoint is taken, next()'s default, and nothing is spilled)",
}
