"""The served process's collector (api/ops/heap.py): start-up objects out of its walks, and the
garbage an answer leaves in reference cycles still collected, without anyone asking."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    # Its own interpreter: freezing the heap of the test runner would keep every test's cycles.
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_settling_freezes_what_start_up_made_and_still_collects_new_cycles_on_its_own():
    out = _run(
        """
        import gc, weakref
        from api.ops import heap
        loaded = [object() for _ in range(1000)]  # what start-up left alive
        heap.settle()
        frozen = gc.get_freeze_count()
        freed = 0
        def gone():
            global freed
            freed += 1
        class Node:
            pass
        for _ in range(50_000):  # an answer's worth of cycles, many times over
            a, b = Node(), Node()
            a.other, b.other = b, a
            weakref.finalize(a, gone)
        print(frozen >= 1000, gc.get_threshold()[0], freed > 40_000)
        """
    )
    assert out == "True 10000 True"
