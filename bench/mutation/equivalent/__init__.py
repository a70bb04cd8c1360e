"""Mutants that change nothing a caller can observe, left out of the score, each with the reason: one
module a row of the table (bench/mutation/table.py).

Keyed by (row, file, function, change) as `--list` prints them, not by line: an entry follows its
code when lines above it move. One that names no mutant any more is reported as stale by every run
(and by tests/test_bench_mutation.py)."""

from __future__ import annotations

from bench.mutation.equivalent import address
from bench.mutation.equivalent import auth_scoping
from bench.mutation.equivalent import cite
from bench.mutation.equivalent import classify
from bench.mutation.equivalent import extract
from bench.mutation.equivalent import graph_nodes
from bench.mutation.equivalent import graph_steps
from bench.mutation.equivalent import limits
from bench.mutation.equivalent import pool_routing
from bench.mutation.equivalent import protocols
from bench.mutation.equivalent import rank
from bench.mutation.equivalent import recall
from bench.mutation.equivalent import rounds
from bench.mutation.equivalent import select
from bench.mutation.equivalent import slack
from bench.mutation.equivalent import store
from bench.mutation.equivalent import workers

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    **cite.EQUIVALENT,
    **classify.EQUIVALENT,
    **store.EQUIVALENT,
    **recall.EQUIVALENT,
    **limits.EQUIVALENT,
    **graph_steps.EQUIVALENT,
    **graph_nodes.EQUIVALENT,
    **extract.EQUIVALENT,
    **address.EQUIVALENT,
    **select.EQUIVALENT,
    **auth_scoping.EQUIVALENT,
    **slack.EQUIVALENT,
    **pool_routing.EQUIVALENT,
    **rounds.EQUIVALENT,
    **protocols.EQUIVALENT,
    **workers.EQUIVALENT,
    **rank.EQUIVALENT,
}
